"""The SQLite archive (sqlite-utils): runs, articles, links, checks, snapshots, history.

The only module that writes the database. Tables and views: see schema.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import zstandard

from .. import __version__, history, schema
from ..article import Article
from ..config import Config
from ..entities import Entity
from ..fetch import FetchResult
from ..page import PageText
from ..schema import ArchiveError, open_database, utc_iso
from ..verdict import CitationResult, LinkResult, Verdict, worst
from . import reader
from .lock import ArchiveBusy, RunLock
from .reader import RunSummary, StorageStats, diff_snapshots

__all__ = ["Archive", "ArchiveBusy", "ArchiveError", "RunSummary", "StorageStats",
           "diff_snapshots", "utc_iso"]


def _now() -> str:
    return utc_iso(datetime.now(UTC))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Archive:
    """Open (creating and migrating as needed) the archive at `path`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._run_lock = RunLock(self.path)
        # Articles already read, for the next run (see worker.ArticleCache); not part of the record.
        self.article_cache_path = self.path.with_name(self.path.name + "-article-cache")
        self._compressor = zstandard.ZstdCompressor(level=3)  # most of level 10's ratio at a fraction of its CPU
        self._config = Config()
        self._network_up: dict[int, bool | None] = {}
        self._article_ids: dict[tuple[str, str], int] = {}  # (path, content_hash) -> id
        self._batch: tuple[int, float] | None = None  # see batched()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
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
        except ArchiveBusy:
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
        """Take the run lock (a flock on `<db>.lock` holding our pid) or raise ArchiveBusy."""
        self._run_lock.acquire()

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
        self._config = config
        inputs_json = json.dumps([str(i) for i in inputs])
        with self.db.atomic():
            # We hold the lock, so any run still marked running was killed.
            self.db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            latest = self.interrupted_run_id() if resume else None
            if latest is not None and self.db["runs"].get(latest)["inputs"] != inputs_json:
                latest = None  # a different job: start afresh
            if latest is not None:
                self.db.execute("UPDATE runs SET status = 'running', pid = ? WHERE id = ?",
                                [os.getpid(), latest])
                run_id = latest
            else:
                options = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
                run_id = self.db["runs"].insert({
                    "started": _now(), "status": "running", "linkcheck_version": __version__,
                    "pid": os.getpid(), "network_up": network_up,
                    "options": json.dumps(options, default=str),
                    "inputs": inputs_json,
                }).last_pk
        self._network_up[run_id] = network_up
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
        """URLs with a check newer than `since` (for --max-age); network-down runs don't count."""
        return {row[0] for row in self.db.execute(
            "SELECT DISTINCT l.url FROM checks c JOIN links l ON l.id = c.link_id JOIN runs r "
            "ON r.id = c.run_id WHERE c.checked_at >= ? AND coalesce(r.network_up, 1) = 1",
            [utc_iso(since)])}

    def finish_run(self, run_id: int, counts: dict[str, int] | None = None,
                   network_up: bool = True) -> RunSummary:
        """Close the run with its counts; a network-down run has its state changes undone."""
        with self.db.atomic():
            if not counts:
                counts = dict(self.db.execute(
                    "SELECT cc.verdict, count(*) FROM citation_checks cc JOIN checks c "
                    "ON c.id = cc.check_id WHERE c.run_id = ? GROUP BY cc.verdict", [run_id]))
            links, citations = self.db.execute(
                "SELECT count(DISTINCT c.id), count(cc.id) FROM checks c LEFT JOIN "
                "citation_checks cc ON cc.check_id = c.id WHERE c.run_id = ?", [run_id]).fetchone()
            self.db["runs"].update(run_id, {
                "finished": _now(), "status": "finished", "network_up": network_up,
                "links_checked": links, "citations_checked": citations,
                **{v.value: int(counts.get(v.value, 0)) for v in Verdict},
            })
            self._network_up[run_id] = network_up
            if not network_up:
                for (link_id,) in self.db.execute(
                        "SELECT link_id FROM checks WHERE run_id = ?", [run_id]).fetchall():
                    self._replay_state(link_id)
        return self.run_summary(run_id)

    def run_summary(self, run_id: int) -> RunSummary:
        """What the archive holds about run `run_id`."""
        return reader.run_summary(self.db, run_id)

    # -- articles ------------------------------------------------------------------------------

    def add_article(self, article: Article, entities: tuple[Entity, ...]) -> int:
        """Store an article version (a changed file gets a new version) with entities, citations."""
        with self._savepoint("add_article"):
            article_id = self._article_id(article)
            self.db.conn.execute("DELETE FROM entities WHERE article_id = ?", [article_id])
            self.db.conn.executemany(
                "INSERT INTO entities (article_id, rank, name, kind, weight, aliases) VALUES (?, ?, ?, ?, ?, ?)",
                [(article_id, rank, e.name, str(e.kind), e.weight, json.dumps(list(e.aliases), ensure_ascii=False))
                 for rank, e in enumerate(entities, 1)])
        return article_id

    def _article_id(self, article: Article, refresh: bool = True) -> int:
        key = (article.path, article.content_hash)
        if not refresh and key in self._article_ids:
            return self._article_ids[key]
        now = _now()
        row = self.db.execute("SELECT id FROM articles WHERE path = ? AND content_hash = ?",
                              [article.path, article.content_hash]).fetchone()
        if row:
            article_id = row[0]
            self.db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [now, article_id])
        else:
            version = self.db.execute("SELECT coalesce(max(version), 0) + 1 FROM articles "
                                      "WHERE path = ?", [article.path]).fetchone()[0]
            article_id = self._insert("articles", {
                "path": article.path, "version": version, "is_current": 1,
                "content_hash": article.content_hash, "title": article.title,
                "date": article.date.isoformat() if article.date else None,
                "first_seen": now, "last_seen": now})
        self.db.execute("UPDATE articles SET is_current = (id = ?) WHERE path = ?",
                        [article_id, article.path])
        for position, cited in enumerate(article.cited_urls, 1):
            self._citation_id(article_id, self._link_id(cited.url), position, cited.problem)
        self._article_ids[key] = article_id
        return article_id

    def _link_id(self, url: str) -> int:
        row = self.db.execute("SELECT id FROM links WHERE url = ?", [url]).fetchone()
        if row:
            return row[0]
        try:
            host = urlsplit(url).hostname
        except ValueError:
            host = None
        return self._insert("links", {"url": url, "host": host, "first_seen": _now(),
                                      "state": history.LinkState.UNKNOWN.value})

    def _citation_id(self, article_id: int, link_id: int, position: int | None = None,
                     problem: str | None = None) -> int:
        row = self.db.execute("SELECT id FROM citations WHERE article_id = ? AND link_id = ?",
                              [article_id, link_id]).fetchone()
        if row:
            return row[0]
        if position is None:
            position = 1 + self.db.execute("SELECT coalesce(max(position), 0) FROM citations "
                                           "WHERE article_id = ?", [article_id]).fetchone()[0]
        return self._insert("citations", {"article_id": article_id, "link_id": link_id,
                                          "position": position, "problem": problem})

    # -- checks --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def batched(self, links: int = 200, seconds: float = 1.0) -> Iterator[None]:
        """Context manager: record_link commits every `links` links or `seconds`, not every link.

        Each link stays all-or-nothing (a savepoint); a killed run loses at most the last batch,
        which the next run checks again. One commit per link rewrote the same index pages each time.
        """
        if self.db.conn.in_transaction:
            yield
            return
        self._batch = (links, seconds)
        self._open_batch()
        try:
            yield
        finally:
            self._batch = None
            if self.db.conn.in_transaction:  # the links recorded so far are complete, even on error
                self.db.conn.execute("COMMIT")

    def _open_batch(self) -> None:
        self.db.conn.execute("BEGIN")
        self._batch_size, self._batch_started = 0, time.monotonic()

    def _step_batch(self) -> None:
        links, seconds = self._batch
        self._batch_size += 1
        if self._batch_size >= links or time.monotonic() - self._batch_started >= seconds:
            self.db.conn.execute("COMMIT")
            self._open_batch()

    def record_link(self, run_id: int, result: LinkResult) -> int:
        """Store one link's check, snapshot, citation verdicts and evidence, all or nothing.

        Recording the same link twice in one run replaces the earlier check. Returns the check id.
        """
        fetch, page = result.fetch, result.page
        at = utc_iso(fetch.started_at) if fetch else _now()
        with self._savepoint("record_link"):
            return self._record_link(run_id, result, fetch, page, at)

    @contextlib.contextmanager
    def _savepoint(self, name: str) -> Iterator[None]:
        """All or nothing, inside a batch too (see batched()).

        A savepoint of one fixed name per caller: sqlite-utils' atomic() names each one anew, and
        SQLite then prepares the statements again every time."""
        self.db.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._article_ids.clear()  # ids cached inside the rolled-back transaction are gone
            if self.db.conn.in_transaction:
                self.db.conn.execute(f"ROLLBACK TO {name}")
                self.db.conn.execute(f"RELEASE {name}")
            raise
        self.db.conn.execute(f"RELEASE {name}")
        if self._batch is not None:
            self._step_batch()

    def _record_link(self, run_id: int, result: LinkResult, fetch: FetchResult | None,
                     page: PageText | None, at: str) -> int:
        link_id = self._link_id(result.url)
        cursor = self.db.conn.execute("SELECT * FROM links WHERE id = ?", [link_id])
        link = dict(zip((c[0] for c in cursor.description), cursor.fetchone()))
        replaced = self._delete_check(run_id, link_id)
        page_text_id, text_hash = self._page_text(page)
        previous = self.db.execute(
            "SELECT main_text_hash FROM checks WHERE link_id = ? AND main_text_hash IS NOT NULL"
            " AND checked_at <= ? ORDER BY checked_at DESC, id DESC LIMIT 1",
            [link_id, at]).fetchone()
        previous_hash = previous[0] if previous else None
        worst = _worst(result.citations)
        check_id = self._insert("checks", {
            "run_id": run_id, "link_id": link_id, "checked_at": at,
            **_fetch_columns(fetch), "snapshot_id": self._snapshot(fetch),
            "verdict": worst.decision.verdict.value if worst else None,
            "rule": worst.decision.rule if worst else None,
            "reason": worst.decision.reason if worst else None,
            "score": worst.match.score if worst and worst.match else None,
            "page_text_id": page_text_id, "main_text_hash": text_hash,
            "previous_main_text_hash": previous_hash,
            "text_changed": (None if text_hash is None or previous_hash is None
                             else int(text_hash != previous_hash)),
        })
        for citation in result.citations:
            self._record_citation(check_id, citation)
        if worst is None:  # nobody cites it any more: an observation, but no verdict
            self.db["links"].update(link_id, {"last_checked": at})
        elif replaced or (link["last_checked"] and at < link["last_checked"]):
            self._replay_state(link_id)
        else:
            self._step_state(link, check_id, worst.decision.verdict, at, run_id)
        return check_id

    def _insert(self, table: str, row: dict) -> int:
        """Insert one row; plain SQL, because sqlite-utils' insert reads the table's schema each time."""
        columns = ", ".join(f'"{name}"' for name in row)
        cursor = self.db.conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(row))})',
                                      list(row.values()))
        return cursor.lastrowid

    def _delete_check(self, run_id: int, link_id: int) -> bool:
        row = self.db.execute("SELECT id FROM checks WHERE run_id = ? AND link_id = ?",
                              [run_id, link_id]).fetchone()
        if not row:
            return False
        self.db.execute("DELETE FROM mentions WHERE citation_check_id IN (SELECT id FROM "
                        "citation_checks WHERE check_id = ?)", [row[0]])
        self.db.execute("DELETE FROM citation_checks WHERE check_id = ?", [row[0]])
        self.db.execute("DELETE FROM checks WHERE id = ?", [row[0]])
        return True

    def _record_citation(self, check_id: int, citation: CitationResult) -> None:
        article_id = self._article_id(citation.article, refresh=False)
        citation_id = self._citation_id(article_id, self._link_id(citation.cited.url),
                                        problem=citation.cited.problem)
        match, decision = citation.match, citation.decision
        citation_check_id = self._insert("citation_checks", {
            "check_id": check_id, "citation_id": citation_id,
            "verdict": decision.verdict.value, "rule": decision.rule, "reason": decision.reason,
            "score": match.score if match else None,
            "supports": int(match.supports) if match else None,
            "found": json.dumps(list(match.found), ensure_ascii=False) if match else None,
            "missing": json.dumps(list(match.missing), ensure_ascii=False) if match else None,
        })
        if match and match.mentions:
            self.db.conn.executemany(
                'INSERT INTO mentions (citation_check_id, entity, surface, found_in, "offset", snippet) '
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(citation_check_id, m.entity, m.surface, m.where, m.offset, m.snippet) for m in match.mentions])

    def _snapshot(self, fetch: FetchResult | None) -> int | None:
        if fetch is None or fetch.status is None:
            return None
        digest = _sha256(fetch.body)
        row = self.db.execute("SELECT id FROM snapshots WHERE sha256 = ?", [digest]).fetchone()
        if row:
            return row[0]
        compressed = self._compressor.compress(fetch.body)
        return self._insert("snapshots", {
            "sha256": digest, "content_type": fetch.header("content-type"),
            "size": len(fetch.body), "compressed_size": len(compressed), "compression": "zstd",
            "first_seen": _now(), "body": compressed})

    def _page_text(self, page: PageText | None) -> tuple[int | None, str | None]:
        if page is None:
            return None, None
        digest = _sha256(page.main_text.encode("utf-8"))
        row = self.db.execute("SELECT id FROM page_texts WHERE main_text_hash = ?",
                              [digest]).fetchone()
        if row:
            return row[0], digest
        return self._insert("page_texts", {
            "main_text_hash": digest, "kind": str(page.kind), "title": page.title,
            "language": page.language, "length": len(page.main_text), "first_seen": _now(),
            "main_text": page.main_text}), digest

    # -- history -------------------------------------------------------------------------------

    def _step_state(self, link: dict, check_id: int, verdict: Verdict, at: str,
                    run_id: int) -> None:
        before = _history_of(link)
        after = history.step(before, verdict, datetime.fromisoformat(at), self._config,
                             network_up=self._run_network_up(run_id) is not False)
        self._save_state(link["id"], after, at, verdict.value, check_id)

    def _replay_state(self, link_id: int) -> None:
        """Recompute a link's state from all its checks (after a replaced or down run)."""
        rows = self.db.execute(
            "SELECT c.id, c.verdict, c.checked_at, r.network_up FROM checks c JOIN runs r "
            "ON r.id = c.run_id WHERE c.link_id = ? AND c.verdict IS NOT NULL "
            "ORDER BY c.checked_at, c.id", [link_id]).fetchall()
        state = history.LinkHistory()
        for check_id, verdict, at, network_up in rows:
            state = history.step(state, verdict, datetime.fromisoformat(at), self._config,
                                 network_up=network_up != 0)
            self.db.execute("UPDATE checks SET link_state = ? WHERE id = ?",
                            [state.state.value, check_id])
        if rows:
            _, verdict, at, _ = rows[-1]
            self._save_state(link_id, state, at, verdict, None)

    def _save_state(self, link_id: int, state: history.LinkHistory, at: str, verdict: str,
                    check_id: int | None) -> None:
        self.db.execute(
            "UPDATE links SET state = ?, state_since = ?, consecutive_failures = ?, failing_since = ?, "
            "last_checked = ?, last_verdict = ? WHERE id = ?",
            [state.state.value, utc_iso(state.state_since) if state.state_since else None,
             state.consecutive_failures, utc_iso(state.failing_since) if state.failing_since else None,
             at, verdict, link_id])
        if check_id is not None:
            self.db.execute("UPDATE checks SET link_state = ? WHERE id = ?",
                            [state.state.value, check_id])

    def _run_network_up(self, run_id: int) -> bool | None:
        if run_id not in self._network_up:
            row = self.db.execute("SELECT network_up FROM runs WHERE id = ?", [run_id]).fetchone()
            self._network_up[run_id] = None if not row or row[0] is None else bool(row[0])
        return self._network_up[run_id]

    # -- reading -------------------------------------------------------------------------------

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

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _worst(citations: tuple[CitationResult, ...]) -> CitationResult | None:
    return worst(citations)


def _fetch_columns(fetch: FetchResult | None) -> dict:
    if fetch is None:
        return {}
    return {
        "status": fetch.status, "final_url": fetch.final_url,
        "redirects": max(len(fetch.chain) - 1, 0),
        "chain": json.dumps([{"url": h.url, "status": h.status, "location": h.location}
                             for h in fetch.chain]),
        "headers": json.dumps([list(pair) for pair in fetch.headers], ensure_ascii=False),
        "error": fetch.error.value if fetch.error else None,
        "error_detail": fetch.error_detail or None, "elapsed": fetch.elapsed,
        "attempts": fetch.attempts, "remote_ip": fetch.remote_ip,
        "http_version": fetch.http_version, "truncated": int(fetch.truncated),
    }


def _history_of(link: dict) -> history.LinkHistory:
    def moment(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None
    return history.LinkHistory(history.LinkState(link["state"]), moment(link["state_since"]),
                               link["consecutive_failures"], moment(link["failing_since"]))
