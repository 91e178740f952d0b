"""The archive's read side: run summaries, storage figures, integrity, snapshot bodies, text diffs."""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from ..schema import SCHEMA_VERSION, ArchiveError, open_database, read_snapshot_body
from ..verdict import Verdict

__all__ = ["RunSummary", "StorageStats", "diff_snapshots", "diff_texts", "integrity_check", "latest_verdicts",
           "open_archive", "run_ids", "run_summary", "snapshot_body", "storage_stats"]


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    started: datetime
    finished: datetime | None
    counts: dict[str, int]   # verdict -> number of citations
    network_up: bool | None  # None while unknown (a run still going or interrupted)
    status: str = "finished"  # running, finished, interrupted


@dataclass(frozen=True)
class StorageStats:
    """How big the archive is, and how much one check costs."""

    checks: int
    snapshots: int
    file_bytes: int             # database pages in use, WAL not counted
    body_bytes: int             # snapshot bodies, decoded
    compressed_body_bytes: int  # snapshot bodies as stored
    bytes_per_1000_checks: float


_CORE_TABLES = ("runs", "articles", "links", "citations", "checks", "citation_checks", "snapshots")


def open_archive(path: Path | str) -> sqlite_utils.Database:
    """The archive at `path` opened read-only, after making sure it is one (an ArchiveError that
    says what the file is otherwise). Works on a read-only folder or mount too."""
    path = Path(path)
    if path.is_dir():
        raise ArchiveError(f"{path} is a folder, not a linkcheck archive")
    if not path.exists():
        raise ArchiveError(f"no archive at {path}; run `linkcheck verify` first")
    try:
        db = open_database(path, readonly=True)
        tables = set(db.table_names())
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise ArchiveError(f"{path} is not a linkcheck archive ({exc})") from None
    if missing := [t for t in _CORE_TABLES if t not in tables]:
        db.close()
        raise ArchiveError(f"{path} is an SQLite file without linkcheck's tables ({', '.join(missing)} "
                           "missing); not a linkcheck archive")
    if version > SCHEMA_VERSION:
        db.close()
        raise ArchiveError(f"{path} was written by a newer linkcheck (schema {version}, this one reads "
                           f"{SCHEMA_VERSION}); upgrade linkcheck")
    return db


def run_ids(db: sqlite_utils.Database) -> list[int]:
    """The ids of the archive's runs, oldest first."""
    return [row[0] for row in db.execute("SELECT id FROM runs ORDER BY id")]


def run_summary(db: sqlite_utils.Database, run_id: int) -> RunSummary:
    """What the archive holds about run `run_id`."""
    row = db.table("runs").get(run_id)
    return RunSummary(
        run_id=run_id, started=datetime.fromisoformat(row["started"]),
        finished=datetime.fromisoformat(row["finished"]) if row["finished"] else None,
        counts={v.value: row[v.value] or 0 for v in Verdict},
        network_up=None if row["network_up"] is None else bool(row["network_up"]),
        status=row["status"])


def snapshot_body(db: sqlite_utils.Database, snapshot_id: int) -> bytes:
    """The decoded body of a stored snapshot."""
    return read_snapshot_body(db, snapshot_id)


def storage_stats(db: sqlite_utils.Database) -> StorageStats:
    """Archive size and bytes per 1,000 checks (snapshot bodies stored once, compressed)."""
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    checks = db.execute("SELECT count(*) FROM checks").fetchone()[0]
    snapshots, body, compressed = db.execute(
        "SELECT count(*), coalesce(sum(size), 0), coalesce(sum(compressed_size), 0) "
        "FROM snapshots").fetchone()
    file_bytes = (pages - free) * page_size
    return StorageStats(checks, snapshots, file_bytes, body, compressed,
                        file_bytes * 1000 / checks if checks else 0.0)


def integrity_check(db: sqlite_utils.Database) -> str:
    """PRAGMA integrity_check: "ok" for a sound file."""
    return db.execute("PRAGMA integrity_check").fetchone()[0]


def diff_snapshots(db: sqlite_utils.Database | Path | str, url: str,
                   old: int | str | None = None, new: int | str | None = None) -> str:
    """Unified diff between two archived main texts of `url` ("" when there is only one).

    Defaults: the two latest distinct texts. `old`/`new` pick a check id (int) or a
    main-text hash prefix (str).
    """
    if not isinstance(db, sqlite_utils.Database):
        db = open_database(db, readonly=True)
    rows = db.execute(
        "SELECT c.id, c.checked_at, c.run_id, c.main_text_hash, pt.main_text FROM checks c "
        "JOIN links l ON l.id = c.link_id JOIN page_texts pt ON pt.id = c.page_text_id "
        "WHERE l.url = ? ORDER BY c.checked_at, c.id", [url]).fetchall()
    if not rows:
        known = db.execute("SELECT 1 FROM links WHERE url = ?", [url]).fetchone()
        raise ArchiveError(f"no archived text for {url}" if known else f"{url} is not in the archive")
    versions = [r for i, r in enumerate(rows) if i == 0 or r[3] != rows[i - 1][3]]
    newer = _pick(rows, new, url) if new is not None else versions[-1]
    if old is not None:
        older = _pick(rows, old, url)
    else:
        before = [v for v in versions if (v[1], v[0]) < (newer[1], newer[0]) and v[3] != newer[3]]
        if not before:
            return ""
        older = before[-1]
    label = "{} (checked {}, run {}, text {})".format
    return diff_texts(older[4], newer[4], label(url, older[1], older[2], older[3][:12]),
                      label(url, newer[1], newer[2], newer[3][:12]))


def diff_texts(old: str, new: str, old_label: str, new_label: str) -> str:
    """Unified diff of two main texts, one sentence a line ("" when they are the same)."""
    return "".join(difflib.unified_diff(_diff_lines(old), _diff_lines(new), fromfile=old_label,
                                        tofile=new_label))


def _pick(rows: list, key: int | str, url: str) -> tuple:
    for row in reversed(rows):
        if (isinstance(key, int) and row[0] == key) or \
                (isinstance(key, str) and row[3].startswith(key.lower())):
            return row
    raise ArchiveError(f"no archived text {key!r} for {url}")


def _diff_lines(text: str) -> list[str]:
    # One sentence a line, so that a changed sentence in a long paragraph reads as one change.
    lines: list[str] = []
    for line in text.splitlines():
        lines.extend(re.split(r"(?<=[.!?])\s+", line) if len(line) > 200 else [line])
    return [line + "\n" for line in lines]


@dataclass(frozen=True)
class SourceState:
    """What the archive last said about one source of an article, and its replacement if any."""

    url: str
    verdict: str
    reason: str
    replacement_url: str | None
    captured_at: str | None      # ISO 8601 UTC
    capture_mentions: tuple[str, ...]
    repair_reason: str | None


def article_sources(db: sqlite_utils.Database, content_hash: str) -> list[SourceState] | None:
    """The latest verdict and replacement of each source of the article whose bytes hash to
    `content_hash`, in citation order; None when the archive has never seen those bytes."""
    try:
        return _article_sources(db, content_hash)
    except sqlite3.Error as exc:
        raise ArchiveError(f"cannot read the article's sources from the archive ({exc}); "
                           "a `linkcheck verify` run brings an older archive up to date") from None


def _article_sources(db: sqlite_utils.Database, content_hash: str) -> list[SourceState] | None:
    known = db.execute("SELECT id FROM articles WHERE content_hash = ? ORDER BY id DESC LIMIT 1",
                       [content_hash]).fetchone()
    if known is None:
        return None
    rows = db.execute(
        "SELECT l.url, v.verdict, v.reason, cap.capture_url, cap.captured_at, cap.found, r.reason "
        "FROM citations ci JOIN links l ON l.id = ci.link_id "
        "LEFT JOIN latest_citation_verdicts v ON v.citation_id = ci.id "
        "LEFT JOIN repairs r ON r.citation_check_id = v.citation_check_id "
        "LEFT JOIN capture_checks cap ON cap.id = r.replacement_id "
        "WHERE ci.article_id = ? ORDER BY ci.position", [known[0]]).fetchall()
    return [SourceState(url, verdict or "unchecked", reason or "", capture_url, captured_at,
                        tuple(json.loads(found)) if found else (), repair_reason)
            for url, verdict, reason, capture_url, captured_at, found, repair_reason in rows]


def latest_verdicts(db: sqlite_utils.Database, citations: list[tuple[str, str]]) -> list[dict]:
    """The latest verdict the archive holds for each (article path, URL) citation, from runs with
    the network up, as report rows; a citation never checked itself gets its link's latest verdict.
    Citations whose link was never checked are left out."""
    wanted = set(citations)
    paths_citing: dict[str, list[str]] = {}
    for path, url in wanted:
        paths_citing.setdefault(url, []).append(path)
    urls = sorted(paths_citing)
    found: dict[tuple[str, str], dict] = {}
    for start in range(0, len(urls), 500):
        chunk = urls[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in db.execute(f"""
                SELECT path, url, verdict, rule, reason, status, final_url, checked_at, position FROM (
                    SELECT a.path, l.url, cc.verdict, cc.rule, cc.reason, c.status, c.final_url, c.checked_at,
                           ci.position, row_number() OVER (PARTITION BY a.path, l.url
                                                           ORDER BY c.checked_at DESC, c.id DESC) AS n
                    FROM links l JOIN citations ci ON ci.link_id = l.id JOIN articles a ON a.id = ci.article_id
                    JOIN citation_checks cc ON cc.citation_id = ci.id JOIN checks c ON c.id = cc.check_id
                    JOIN runs r ON r.id = c.run_id
                    WHERE l.url IN ({marks}) AND coalesce(r.network_up, 1) = 1) WHERE n = 1""", chunk):
            if (row[0], row[1]) in wanted:
                found[row[0], row[1]] = _known_row(*row)
        # A citation never checked itself (a new article citing a known link) gets its link's verdict.
        unmatched = [url for url in chunk if any((path, url) not in found for path in paths_citing[url])]
        if not unmatched:
            continue
        marks = ", ".join("?" * len(unmatched))
        for url, verdict, rule, reason, status, final_url, checked_at in db.execute(f"""
                SELECT url, verdict, rule, reason, status, final_url, checked_at FROM (
                    SELECT l.url, c.verdict, c.rule, c.reason, c.status, c.final_url, c.checked_at,
                           row_number() OVER (PARTITION BY l.url ORDER BY c.checked_at DESC, c.id DESC) AS n
                    FROM links l JOIN checks c ON c.link_id = l.id JOIN runs r ON r.id = c.run_id
                    WHERE l.url IN ({marks}) AND coalesce(r.network_up, 1) = 1) WHERE n = 1""", unmatched):
            for path in paths_citing[url]:
                if (path, url) not in found:
                    found[path, url] = _known_row(path, url, verdict, rule, reason, status, final_url, checked_at, 0)
    return [found[key] for key in sorted(found)]


def _known_row(article: str, url: str, verdict: str, rule: str | None, reason: str | None, status: int | None,
               final_url: str | None, checked_at: str, position: int) -> dict:
    return {"article": article, "url": url, "final_url": final_url, "status": status, "verdict": verdict,
            "rule": rule, "reason": reason or "", "checked_at": checked_at, "position": position,
            "skipped": True}
