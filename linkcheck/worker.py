"""What runs in the helper processes: the article loader and the page workers.

A page worker is this module run as `python -m linkcheck.worker` (see page_workers).

Kept apart from the pipeline so that a helper imports only what its work needs (page text, entity
matching, article reading), not the fetcher, the archive or the command line: each page worker is
a resident process, and its imports are part of the run's memory.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import signal
import sqlite3
import struct
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import zstandard

from .article import MAX_ARTICLE_BYTES, Article, ArticleError, find_articles, read_article
from .entities import Entity, key_entities
from .match import EntityMatcher, Match
from .page import PageText, extract_page


def load_articles_spooled(paths: list[Path], share: int = 0, shares: int = 1,
                          cache: Path | None = None) -> bytes:
    """In a loader process: the outcome (see _load_article) of each article file in this loader's
    share of them (the share-th of `shares` equal runs, in order), pickled one after another into
    a zstd stream (a few MB for 20,000 articles); a path that does not exist is an outcome too.
    (Listing the files here spares the run 13 MB of Path objects for 20,000.)

    Articles found unchanged in `cache` (see ArticleCache) are not read again."""
    listing = list(_listing(paths))
    mine = listing[share * len(listing) // shares:(share + 1) * len(listing) // shares]
    spool = io.BytesIO()
    with (ArticleCache(cache) as known,
          zstandard.ZstdCompressor(level=1).stream_writer(spool, closefd=False) as out):
        for file, problem in mine:
            outcome = problem if problem is not None else known.get(file)
            if outcome is None:
                outcome = _load_article(file)
                if not isinstance(outcome, str):
                    known.put(file, outcome)
            pickle.dump((file, outcome), out, protocol=pickle.HIGHEST_PROTOCOL)
    return spool.getvalue()


class ArticleCache:
    """Articles already read, with their key entities, in an SQLite file (kept beside the archive):
    a cron run over thousands of unchanged articles reads each file's bytes and finds the rest
    here, instead of extracting entities again. An entry holds while the file's bytes and
    linkcheck's code are the same; articles that could not be read are not kept. Entries are
    pickles, as trusted as the archive folder the cache sits in.

    `None`, or a file that cannot be opened, is an empty cache that keeps nothing."""

    _BATCH = 200  # entries written per transaction: bounded memory, short write locks

    def __init__(self, path: Path | None) -> None:
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str, str, bytes]] = []
        if path is None:
            return
        try:
            self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a power cut may cost entries, never the file
            self._db.execute("CREATE TABLE IF NOT EXISTS articles "
                             "(path TEXT PRIMARY KEY, sha256 TEXT, code TEXT, outcome BLOB)")
            self._db.execute("DELETE FROM articles WHERE code != ?", [_code_fingerprint()])
        except (sqlite3.Error, OSError):
            self._db = None

    def get(self, file: Path) -> tuple[Article, tuple[Entity, ...]] | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT sha256, outcome FROM articles WHERE path = ? AND code = ?",
                                   [str(file.absolute()), _code_fingerprint()]).fetchone()
            # A new article is read once, by read_article; only a known one is hashed here.
            if row is None or file.stat().st_size > MAX_ARTICLE_BYTES:
                return None
            if hashlib.sha256(file.read_bytes()).hexdigest() != row[0]:
                return None
            article, entities = pickle.loads(row[1])
        except Exception:  # unreadable now, or a damaged entry: the article is read as if new
            return None
        return replace(article, path=str(file)), entities  # as given this time

    def put(self, file: Path, outcome: tuple[Article, tuple[Entity, ...]]) -> None:
        if self._db is None:
            return
        self._pending.append((str(file.absolute()), outcome[0].content_hash, _code_fingerprint(),
                              pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)))
        if len(self._pending) >= self._BATCH:
            self._write()

    def _write(self) -> None:
        pending, self._pending = self._pending, []
        if self._db is None or not pending:
            return
        try:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?)", pending)
        except sqlite3.Error:
            self._db = None  # a full disk or a broken file: go on without the cache

    def __enter__(self) -> ArticleCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._write()
        if self._db is not None:
            self._db.close()


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """What reading an article depends on besides its bytes: this package's code and data, the
    language data it reads, and the Python that pickled the result."""
    digest = hashlib.sha256(sys.version.encode())
    for distribution in ("simplemma", "babel"):
        digest.update(f"\0{distribution} {version(distribution)}".encode())
    package = Path(__file__).parent
    for file in sorted([*package.glob("*.py"), *package.glob("data/*")]):
        digest.update(b"\0" + file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def count_article_files(paths: list[Path]) -> int:
    """How many outcomes load_articles_spooled gives for `paths` in all."""
    return sum(1 for _ in _listing(paths))


def _listing(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Each article file under `paths`, or a path that cannot be listed and why."""
    for path in paths:
        try:
            for file in find_articles([path]):
                yield file, None
        except ArticleError as exc:
            yield path, str(exc)


def _load_article(file: Path) -> tuple[Article, tuple[Entity, ...]] | str:
    """The article without its body, and its key entities; or what went wrong."""
    try:
        article = read_article(file)
        return replace(article, body=""), key_entities(article)
    except ArticleError as exc:
        return str(exc)
    except Exception as exc:  # a bug on one article must not cost the others their check
        return f"{file}: cannot be read ({type(exc).__name__}: {exc})"


def read_page(body: bytes, headers: dict[str, str], url: str, entity_sets: tuple[tuple[Entity, ...], ...]
              ) -> tuple[PageText, tuple[Match, ...]]:
    """In a page worker: the page's text and its match against each article's entities."""
    page = extract_page(body, headers, url)
    return page, tuple(_matcher(entities).match(page.title, page.main_text) for entities in entity_sets)


@lru_cache(maxsize=256)
def _matcher(entities: tuple[Entity, ...]) -> EntityMatcher:
    return EntityMatcher(entities)


FRAME_HEADER = struct.Struct("!Q")  # the length of the pickle that follows, between us and page_workers


def serve_pages() -> None:
    """A page worker: read_page requests on stdin, answers on stdout, each a pickled frame (see
    page_workers). Leaves at the end of its input, or when the run that started it is gone."""
    requests = open(0, "rb", closefd=False)
    answers = open(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the answers
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle: it closes our input
    exit_with_parent(os.getppid())
    while len(header := requests.read(FRAME_HEADER.size)) == FRAME_HEADER.size:
        job, body, headers, url, entity_sets = pickle.loads(requests.read(FRAME_HEADER.unpack(header)[0]))
        try:
            answer = (job, True, read_page(body, headers, url, entity_sets))
        except Exception as exc:  # the run judges this link as failed and goes on
            answer = (job, False, exc)
        try:
            payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that cannot be pickled still reaches the run
            payload = pickle.dumps((job, False, RuntimeError(f"{type(answer[2]).__name__}: {answer[2]}"
                                                             f" (and the answer cannot be sent: {exc})")))
        answers.write(FRAME_HEADER.pack(len(payload)))
        answers.write(payload)
        answers.flush()


def exit_with_parent(parent_pid: int) -> None:
    """In a helper: leave when the run that started us is gone (killed runs leave no orphans)."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    serve_pages()
