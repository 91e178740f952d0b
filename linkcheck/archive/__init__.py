"""The SQLite archive (sqlite-utils): runs, articles, links, checks, snapshots, history.

The only package that writes the database. `Archive` is its facade: it opens and migrates the
file and keeps the runs; the run lock (lock.py), the write side (writer.py), each link's state
across runs (link_state.py) and the read side used by diff, export and serve (reader.py) are
modules of their own. Tables and views: see schema.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .. import __version__, schema
from ..article import Article
from ..config import Config, public_options
from ..entities import Entity
from ..repair import Repair
from ..repair.save import SaveRequest
from ..schema import ArchiveError, open_database, utc_iso
from ..verdict import CitationResult, LinkResult, Verdict
from . import link_state, reader
from .lock import ArchiveBusy, Holder, RunLock
from .reader import RunSummary, StorageStats, diff_snapshots
from .writer import Writer, now_iso

__all__ = ["Archive", "ArchiveBusy", "ArchiveError", "ArchiveFull", "RunSummary", "StorageStats",
           "diff_snapshots", "utc_iso"]


class ArchiveFull(ArchiveError):
    """The disk holding the archive (or the database's page limit) is full: the run stops."""


def _write_problem(path: Path) -> str | None:
    """Why a run could not write the archive at `path` (SQLite also writes its -wal and -shm files
    beside it), or None."""
    folder = path.parent
    with contextlib.suppress(OSError):
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only for this user"
    if not os.access(folder, os.W_OK):
        return f"its folder {folder} is read-only for this user (SQLite writes its journal there)"
    return None


def _is_full(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)


@dataclass(frozen=True)
class _OpenRun:
    """What start_run was given for a run: its Config (the history policy too) and network state."""

    config: Config
    network_up: bool | None


class Archive:
    """Open (creating and migrating as needed) the archive at `path`."""

    def __init__(self, path: Path | str, hung_run_after: float | None = None) -> None:
        """`hung_run_after`: seconds without a heartbeat after which a run holding the lock on
        this host is hung, and ended when this Archive needs the lock (None: never)."""
        self.path = Path(path)
        self._run_lock = RunLock(self.path, hung_run_after)
        # Articles already read, for the next run (see worker.ArticleCache); not part of the record.
        self.article_cache_path = self.path.with_name(self.path.name + "-article-cache")
        self._open_runs: dict[int, _OpenRun] = {}  # run id -> what start_run was given
        self._current_run: int | None = None  # the run last started, named when the disk is full
        self._full: ArchiveFull | None = None  # once the disk was full, nothing more is written
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if problem := _write_problem(self.path):
                raise ArchiveError(f"cannot write the archive {self.path}: {problem}; give a writable --db "
                                   "(diff, export and serve read it where it is)")
            self.db = open_database(self.path)
            self.db.enable_wal()
            # In WAL mode NORMAL never corrupts and a killed process loses nothing; only a power cut
            # can lose the last commits, and those links are checked again by the next run.
            self.db.execute("PRAGMA synchronous = NORMAL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version < schema.SCHEMA_VERSION:
                with self.lock():  # never migrate under a running linkcheck
                    schema.migrate(self.db)
            elif version > schema.SCHEMA_VERSION:
                schema.migrate(self.db)  # raises: made by a newer linkcheck
            schema.ensure_derived(self.db)
            self._writer = Writer(self.db, self._run_policy, on_commit=self._run_lock.beat)
        except ArchiveError:
            raise
        except (sqlite3.Error, OSError, ValueError) as exc:
            raise ArchiveError(f"cannot open archive {self.path}: {exc}") from exc

    # -- locking -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Context manager: exclusive run lock; raises ArchiveBusy when another run holds it.

        Re-entrant within one Archive; start_run takes it too and close() lets it go.
        """
        with self._run_lock.hold():
            yield

    def acquire_lock(self) -> None:
        """Take the run lock (a flock on `<db>.lock` naming our pid and host) or raise ArchiveBusy."""
        self._run_lock.acquire()

    def heartbeat(self) -> None:
        """Show a run waiting on this archive's lock that the run holding it is making progress."""
        self._run_lock.beat()

    @property
    def ended_hung_run(self) -> Holder | None:
        """The hung run this Archive ended to take the lock over, if it had to."""
        return self._run_lock.ended

    def release_lock(self) -> None:
        """Let the run lock go (no-op when not held)."""
        self._run_lock.release()

    # -- runs ----------------------------------------------------------------------------------

    def start_run(self, config: Config, inputs: Iterable[str], resume: bool = False,
                  network_up: bool | None = None) -> int:
        """Take the lock, mark dead runs interrupted, and open a run (or reopen the last one).

        With `resume`, an interrupted latest run over the same inputs is reopened and its id
        returned: skip `checked_urls(run_id)` and carry on. `network_up=False` known up front changes no state.
        """
        self.acquire_lock()
        inputs_json = json.dumps([str(i) for i in inputs])
        with self._writing(), self.db.atomic():
            # We hold the lock, so any run still marked running was killed.
            self.db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            latest = self.interrupted_run_id() if resume else None
            if latest is not None and self.db.table("runs").get(latest)["inputs"] != inputs_json:
                latest = None  # a different job: start afresh
            if latest is not None:
                self.db.execute("UPDATE runs SET status = 'running', pid = ? WHERE id = ?",
                                [os.getpid(), latest])
                run_id = latest
            else:
                options = public_options(config)  # never the credentials
                run_id = self.db.table("runs").insert({  # type: ignore[assignment]
                    "started": now_iso(), "status": "running", "linkcheck_version": __version__,
                    "pid": os.getpid(), "network_up": network_up,
                    "options": json.dumps(options, default=str),
                    "inputs": inputs_json,
                }).last_pk
        self._open_runs[run_id] = _OpenRun(config, network_up)
        self._current_run = run_id
        self._run_lock.beat()
        return run_id

    def interrupted_run_id(self) -> int | None:
        """The latest run, if it was killed before finishing; None otherwise."""
        row = self.db.execute("SELECT id, status FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row and row[1] == "interrupted" else None

    def checked_urls(self, run_id: int) -> set[str]:
        """URLs that already have a check in run `run_id` (to resume it)."""
        return {row[0] for row in self.db.execute(
            "SELECT l.url FROM checks c JOIN links l ON l.id = c.link_id WHERE c.run_id = ?",
            [run_id])}

    def urls_checked_since(self, since: datetime) -> set[str]:
        """URLs with a check newer than `since` (for --max-age); network-down runs and excluded
        links (not checked at all) don't count."""
        return {row[0] for row in self.db.execute(
            "SELECT DISTINCT l.url FROM checks c JOIN links l ON l.id = c.link_id JOIN runs r "
            "ON r.id = c.run_id WHERE c.checked_at >= ? AND coalesce(r.network_up, 1) = 1 "
            "AND coalesce(c.verdict, '') != 'excluded'",
            [utc_iso(since)])}

    def finish_run(self, run_id: int, counts: dict[str, int] | None = None,
                   network_up: bool = True) -> RunSummary:
        """Close the run with its counts; a network-down run has its state changes undone."""
        run = self._open_run(run_id)
        with self._writing(), self.db.atomic():
            if not counts:
                counts = dict(self.db.execute(
                    "SELECT cc.verdict, count(*) FROM citation_checks cc JOIN checks c "
                    "ON c.id = cc.check_id WHERE c.run_id = ? GROUP BY cc.verdict", [run_id]))
            links, citations = self.db.execute(
                "SELECT count(DISTINCT c.id), count(cc.id) FROM checks c LEFT JOIN "
                "citation_checks cc ON cc.check_id = c.id WHERE c.run_id = ?", [run_id]).fetchone()
            self.db.table("runs").update(run_id, {
                "finished": now_iso(), "status": "finished", "network_up": network_up,
                "links_checked": links, "citations_checked": citations,
                **{v.value: int(counts.get(v.value, 0)) for v in Verdict},
            })
            self._open_runs[run_id] = dataclasses.replace(run, network_up=network_up)
            if not network_up:
                for (link_id,) in self.db.execute(
                        "SELECT link_id FROM checks WHERE run_id = ?", [run_id]).fetchall():
                    link_state.replay(self.db, link_id, run.config)
        return self.run_summary(run_id)

    def _run_policy(self, run_id: int) -> tuple[Config, bool | None]:
        run = self._open_run(run_id)
        return run.config, run.network_up

    def _open_run(self, run_id: int) -> _OpenRun:
        if run_id not in self._open_runs:
            raise ArchiveError(f"run {run_id} was not opened by this Archive: call start_run first")
        return self._open_runs[run_id]

    def run_summary(self, run_id: int) -> RunSummary:
        """What the archive holds about run `run_id`."""
        return reader.run_summary(self.db, run_id)

    # -- writing (see writer.py) ---------------------------------------------------------------

    def add_article(self, article: Article, entities: tuple[Entity, ...]) -> int:
        """Store an article version (a changed file gets a new version) with entities, citations."""
        with self._writing():
            return self._writer.add_article(article, entities)

    @contextlib.contextmanager
    def batched(self, links: int = 200, seconds: float = 1.0) -> Iterator[None]:
        """Context manager: record_link commits every `links` links or `seconds`, not every link."""
        with self._writing(), self._writer.batched(links, seconds):
            yield

    def commit_pending(self) -> None:
        """Commit the links recorded in the open batch now (see batched()); a no-op outside one."""
        with self._writing():
            self._writer.commit_pending()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A full disk (or database) stops every write from then on with ArchiveFull, which says how
        many checks of the run are kept; what was pending is committed if it still fits."""
        if self._full is not None:
            raise self._full
        try:
            yield
        except sqlite3.OperationalError as exc:
            if not _is_full(exc):
                raise
            self._writer.abandon_batch()
            self._full = ArchiveFull(self._full_message())
            raise self._full from None

    def _full_message(self) -> str:
        run = self._current_run
        kept = self.db.execute("SELECT count(*) FROM checks WHERE run_id = ?", [run]).fetchone()[0] if run else 0
        where = f"{kept} check(s) of run {run} are kept" if run else "no run was started"
        return (f"the disk (or database) holding {self.path} is full: the run stopped; {where}, and the next "
                "run on a freed disk resumes from there")

    def record_repair(self, check_id: int, citation: CitationResult, repair: Repair,
                      around: date | None) -> None:
        """Store the archive lookups and capture checks for one citation of check `check_id`,
        made around the date `around`, and its replacement if one was found."""
        with self._writing():
            self._writer.record_repair(check_id, citation, repair, around)

    def record_save_request(self, check_id: int, request: SaveRequest) -> None:
        """Store one Save Page Now submission for check `check_id`."""
        with self._writing():
            self._writer.record_save_request(check_id, request)

    def record_link(self, run_id: int, result: LinkResult) -> int:
        """Store one link's check, snapshot, citation verdicts and evidence, all or nothing.

        Recording the same link twice in one run replaces the earlier check. Returns the check id."""
        self._open_run(run_id)
        with self._writing():
            return self._writer.record_link(run_id, result)

    # -- reading -------------------------------------------------------------------------------

    def latest_verdicts(self, citations: list[tuple[str, str]]) -> list[dict]:
        """reader.latest_verdicts on this archive: what is known of citations not checked now."""
        return reader.latest_verdicts(self.db, citations)

    def snapshot_body(self, snapshot_id: int) -> bytes:
        """The decoded body of a stored snapshot."""
        return reader.snapshot_body(self.db, snapshot_id)

    def diff(self, url: str, old: int | str | None = None, new: int | str | None = None) -> str:
        """diff_snapshots on this archive."""
        return reader.diff_snapshots(self.db, url, old, new)

    def storage_stats(self) -> StorageStats:
        """Archive size and bytes per 1,000 checks (snapshot bodies stored once, compressed)."""
        return reader.storage_stats(self.db)

    def integrity_check(self) -> str:
        """PRAGMA integrity_check: "ok" for a sound file."""
        return reader.integrity_check(self.db)

    def close(self) -> None:
        """Checkpoint the WAL (never waiting for readers), close, and release the run lock."""
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.db.close()
        self.release_lock()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
