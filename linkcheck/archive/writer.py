"""Writing what a run saw: articles with their entities and citations, and each link's check with
its snapshot, page text, citation verdicts and mention evidence, all or nothing per link, committed
in batches."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import sqlite_utils
import zstandard

from .. import history
from ..article import Article
from ..config import Config
from ..entities import Entity
from ..fetch import FetchResult
from ..page import PageText
from ..repair import Repair
from ..repair.save import SaveRequest
from ..schema import page_hash, utc_iso
from ..verdict import CitationResult, LinkResult, worst
from . import link_state


def now_iso() -> str:
    return utc_iso(datetime.now(UTC))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Writer:
    """The archive's write side on one connection. `policy(run_id)` gives the Config and whether
    the network was up for a run being recorded (see Archive.start_run)."""

    def __init__(self, db: sqlite_utils.Database, policy: Callable[[int], tuple[Config, bool | None]],
                 on_commit: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self._policy = policy
        self._on_commit = on_commit  # told after every batch committed (the run lock's heartbeat)
        self._compressor = zstandard.ZstdCompressor(level=3)  # most of level 10's ratio at a fraction of its CPU
        self._article_ids: dict[tuple[str, str], int] = {}  # (path, content_hash) -> id
        self._batch: tuple[int, float] | None = None  # see batched()

    # -- articles ------------------------------------------------------------------------------

    def add_article(self, article: Article, entities: tuple[Entity, ...]) -> int:
        """Store an article version (a changed file gets a new version) with entities, citations."""
        with self._savepoint("add_article"):
            article_id = self._article_id(article)
            # One row per name (the table's key), whatever the extractor gave: the first one counts.
            named: dict[str, Entity] = {}
            for entity in entities:
                named.setdefault(entity.name, entity)
            rows = [(rank, e.name, str(e.kind), e.weight, json.dumps(list(e.aliases), ensure_ascii=False))
                    for rank, e in enumerate(named.values(), 1)]
            stored = self.db.conn.execute("SELECT rank, name, kind, weight, aliases FROM entities "
                                          "WHERE article_id = ? ORDER BY rank", [article_id]).fetchall()
            if stored != rows:  # a cron rerun over unchanged articles rewrites nothing
                self.db.conn.execute("DELETE FROM entities WHERE article_id = ?", [article_id])
                self.db.conn.executemany(
                    "INSERT INTO entities (article_id, rank, name, kind, weight, aliases) VALUES (?, ?, ?, ?, ?, ?)",
                    [(article_id, *row) for row in rows])
        return article_id

    def _article_id(self, article: Article, refresh: bool = True) -> int:
        key = (article.path, article.content_hash)
        if not refresh and key in self._article_ids:
            return self._article_ids[key]
        now = now_iso()
        row = self.db.execute("SELECT id, is_current FROM articles WHERE path = ? AND content_hash = ?",
                              [article.path, article.content_hash]).fetchone()
        if row:
            article_id, current = row
            self.db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [now, article_id])
        else:
            version = self.db.execute("SELECT coalesce(max(version), 0) + 1 FROM articles "
                                      "WHERE path = ?", [article.path]).fetchone()[0]
            article_id, current = self._insert("articles", {
                "path": article.path, "version": version, "is_current": 1,
                "content_hash": article.content_hash, "title": article.title,
                "date": article.date.isoformat() if article.date else None,
                "first_seen": now, "last_seen": now}), False
        if not current:
            self.db.execute("UPDATE articles SET is_current = (id = ?) WHERE path = ?",
                            [article_id, article.path])
        cited = [(cited.url, position, cited.problem) for position, cited in enumerate(article.cited_urls, 1)]
        stored = self.db.execute("SELECT l.url, ci.position, ci.problem FROM citations ci JOIN links l "
                                 "ON l.id = ci.link_id WHERE ci.article_id = ? ORDER BY ci.position",
                                 [article_id]).fetchall()
        if stored != cited:  # a version read again by a linkcheck that finds other citations in it
            for url, position, problem in cited:
                self._citation_id(article_id, self._link_id(url), position, problem)
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
        return self._insert("links", {"url": url, "host": host, "first_seen": now_iso(),
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
                self._commit()

    def commit_pending(self) -> None:
        """Commit what the open batch holds (a timer calls this: a run that waits on a slow or
        stuck page keeps no finished verdict uncommitted for longer than the timer's period)."""
        if self._batch is not None and self._batch_size:
            self._commit()
            self._open_batch()

    def abandon_batch(self) -> None:
        """After a write failed for want of space: commit what the batch holds if that still fits,
        else roll it back (those links are checked again by the next run)."""
        self._article_ids.clear()
        if not self.db.conn.in_transaction:
            return
        try:
            self._commit()
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                self.db.conn.execute("ROLLBACK")

    def _commit(self) -> None:
        self.db.conn.execute("COMMIT")
        self._on_commit()

    def _open_batch(self) -> None:
        self.db.conn.execute("BEGIN")
        self._batch_size, self._batch_started = 0, time.monotonic()

    def _step_batch(self) -> None:
        assert self._batch is not None
        links, seconds = self._batch
        self._batch_size += 1
        if self._batch_size >= links or time.monotonic() - self._batch_started >= seconds:
            self._commit()
            self._open_batch()

    def record_link(self, run_id: int, result: LinkResult) -> int:
        """Store one link's check, snapshot, citation verdicts and evidence, all or nothing.

        Recording the same link twice in one run replaces the earlier check. Returns the check id.
        """
        fetch, page = result.fetch, result.page
        at = utc_iso(fetch.started_at) if fetch else now_iso()
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
        worst_citation = worst(result.citations)
        check_id = self._insert("checks", {
            "run_id": run_id, "link_id": link_id, "checked_at": at,
            **_fetch_columns(fetch), "snapshot_id": self._snapshot(fetch),
            "verdict": worst_citation.decision.verdict.value if worst_citation else None,
            "rule": worst_citation.decision.rule if worst_citation else None,
            "reason": worst_citation.decision.reason if worst_citation else None,
            "score": worst_citation.match.score if worst_citation and worst_citation.match else None,
            "page_text_id": page_text_id, "main_text_hash": text_hash,
            "previous_main_text_hash": previous_hash,
            "text_changed": (None if text_hash is None or previous_hash is None
                             else int(text_hash != previous_hash)),
        })
        for citation in result.citations:
            self._record_citation(check_id, citation)
        if worst_citation is None:  # nobody cites it any more: an observation, but no verdict
            self.db.table("links").update(link_id, {"last_checked": at})
        else:
            config, network_up = self._policy(run_id)
            if replaced or (link["last_checked"] and at < link["last_checked"]):
                link_state.replay(self.db, link_id, config)
            else:
                link_state.step(self.db, link, check_id, worst_citation.decision.verdict, at, config,
                                network_up=network_up is not False)
        return check_id

    def _insert(self, table: str, row: dict) -> int:
        """Insert one row; plain SQL, because sqlite-utils' insert reads the table's schema each time."""
        columns = ", ".join(f'"{name}"' for name in row)
        cursor = self.db.conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(row))})',
                                      list(row.values()))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _delete_check(self, run_id: int, link_id: int) -> bool:
        row = self.db.execute("SELECT id FROM checks WHERE run_id = ? AND link_id = ?",
                              [run_id, link_id]).fetchone()
        if not row:
            return False
        for table in ("mentions", "repairs", "archive_lookups"):
            self.db.execute(f"DELETE FROM {table} WHERE citation_check_id IN (SELECT id FROM "
                            "citation_checks WHERE check_id = ?)", [row[0]])
        self.db.execute("DELETE FROM capture_checks WHERE citation_check_id IN (SELECT id FROM "
                        "citation_checks WHERE check_id = ?)", [row[0]])
        self.db.execute("DELETE FROM save_requests WHERE check_id = ?", [row[0]])
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

    def record_repair(self, check_id: int, citation: CitationResult, repair: Repair,
                      published: date | None) -> None:
        """Store what the archives said and which captures were read for one citation of a
        recorded check, and the replacement if there is one; all or nothing."""
        with self._savepoint("record_repair"):
            article_id = self._article_id(citation.article, refresh=False)
            row = self.db.execute(
                "SELECT cc.id FROM citation_checks cc JOIN citations ci ON ci.id = cc.citation_id "
                "WHERE cc.check_id = ? AND ci.article_id = ? AND ci.link_id = ?",
                [check_id, article_id, self._link_id(citation.cited.url)]).fetchone()
            if row is None:
                raise ValueError(f"no recorded verdict of {citation.cited.url} for {citation.article.path}")
            citation_check_id = row[0]
            self.db.conn.executemany(
                "INSERT INTO archive_lookups (citation_check_id, archive, endpoint, reached, captures, problem) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(citation_check_id, lookup.archive, lookup.endpoint, int(lookup.reached), len(lookup.captures),
                  lookup.problem) for lookup in repair.lookups])
            replacement_id = None
            for check in repair.checks:
                capture, match = check.capture, check.match
                page_text_id, _ = self._page_text(check.page)
                capture_check_id = self._insert("capture_checks", {
                    "citation_check_id": citation_check_id, "archive": capture.archive,
                    "capture_url": capture.url, "raw_url": capture.raw_url,
                    "captured_at": utc_iso(capture.captured_at),
                    "days_from_article": check.days_from(published) if published else None,
                    "capture_status": capture.status, "verdict": check.decision.verdict.value,
                    "rule": check.decision.rule.value, "reason": check.decision.reason,
                    "supports": int(check.supports), "is_replacement": int(check is repair.replacement),
                    "found": json.dumps(list(match.found), ensure_ascii=False) if match else None,
                    "missing": json.dumps(list(match.missing), ensure_ascii=False) if match else None,
                    "snapshot_id": self._snapshot(check.fetch), "page_text_id": page_text_id,
                })
                if check is repair.replacement:
                    replacement_id = capture_check_id
            self.db.execute("INSERT OR REPLACE INTO repairs (citation_check_id, looked_up, replacement_id, reason) "
                            "VALUES (?, ?, ?, ?)", [citation_check_id, int(repair.looked_up), replacement_id,
                                                   repair.reason])

    def record_save_request(self, check_id: int, request: SaveRequest) -> None:
        """Store one Save Page Now submission for the check of its URL."""
        with self._savepoint("record_save_request"):
            self._insert("save_requests", {"check_id": check_id, "url": request.url,
                                           "accepted": int(request.accepted), "status": request.status,
                                           "reason": request.reason})

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
            "first_seen": now_iso(), "body": compressed})

    def _page_text(self, page: PageText | None) -> tuple[int | None, str | None]:
        if page is None:
            return None, None
        digest = _sha256(page.main_text.encode("utf-8"))
        key = page_hash(str(page.kind), page.title, page.language, page.main_text)
        row = self.db.execute("SELECT id FROM page_texts WHERE page_hash = ?", [key]).fetchone()
        if row:
            return row[0], digest
        return self._insert("page_texts", {
            "page_hash": key, "main_text_hash": digest, "kind": str(page.kind), "title": page.title,
            "language": page.language, "length": len(page.main_text), "first_seen": now_iso(),
            "main_text": page.main_text}), digest


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
        "warnings": json.dumps(list(fetch.warnings), ensure_ascii=False) if fetch.warnings else None,
    }
