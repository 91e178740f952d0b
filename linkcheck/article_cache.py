"""The article cache: articles already read, with their key entities, kept beside the archive."""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import sys
from dataclasses import replace
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from .article import MAX_ARTICLE_BYTES, Article
from .entities import Entity


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
        """The article at `file` and its key entities as last read, if neither it nor linkcheck changed."""
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
        """Keep the article read from `file` and its key entities (written in batches)."""
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
