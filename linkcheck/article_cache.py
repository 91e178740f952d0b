"""The article cache: articles already read, with their key entities, kept beside the archive as
checked JSON while the code that decides them (found by following its imports) is unchanged."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distributions, packages_distributions, version
from pathlib import Path, PurePosixPath
from typing import Any

from .article import MAX_ARTICLE_BYTES, Article, CitedUrl, read_article, shown_path
from .claims import ClaimTerms
from .entities import Entity, EntityKind, key_entities


class ArticleCache:
    """Articles already read, with their key entities, in an SQLite file (kept beside the archive):
    a cron run over thousands of unchanged articles reads each file's bytes and finds the rest
    here, instead of extracting entities again. An entry holds while the file's bytes and the
    code that decides its entities (see entity_code) are the same; articles that could not be
    read are not kept. Entries are JSON, checked field by field when read: anything else found in
    the file is a miss (the article is read again), never code that runs.

    `None`, or a file that cannot be opened, is an empty cache that keeps nothing."""

    _BATCH = 200  # entries written per transaction: bounded memory, short write locks

    def __init__(self, path: Path | None) -> None:
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[bytes, str, str, str]] = []
        if path is None:
            return
        try:
            self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a power cut may cost entries, never the file
            self._db.execute("DROP TABLE IF EXISTS articles")  # earlier linkchecks' pickles: never read
            # The path is the file system's bytes: a name need not be valid UTF-8.
            self._db.execute("CREATE TABLE IF NOT EXISTS entries "
                             "(path BLOB PRIMARY KEY, sha256 TEXT, code TEXT, entry TEXT)")
            self._db.execute("DELETE FROM entries WHERE code != ?", [code_fingerprint()])
        except (sqlite3.Error, OSError):
            self._db = None

    def get(self, file: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> tuple[Article, tuple[Entity, ...]] | None:
        """The article at `file` and its key entities as last read, if neither it nor their code changed."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT sha256, entry FROM entries WHERE path = ? AND code = ?",
                                   [os.fsencode(file.absolute()), code_fingerprint()]).fetchone()
            # A new article is read once, by read_article; only a known one is hashed here.
            if row is None or file.stat().st_size > max_bytes:
                return None
            sha256, entry = row
            if hashlib.sha256(file.read_bytes()).hexdigest() != sha256:
                return None
            return _from_json(entry, shown_path(file), sha256)  # the path as given this time
        except Exception:  # unreadable now, or a damaged or planted entry: the article is read as if new
            return None

    def put(self, file: Path, outcome: tuple[Article, tuple[Entity, ...]]) -> None:
        """Keep the article read from `file` and its key entities (written in batches)."""
        if self._db is None:
            return
        article, entities = outcome
        self._pending.append((os.fsencode(file.absolute()), article.content_hash, code_fingerprint(),
                              _to_json(article, entities)))
        if len(self._pending) >= self._BATCH:
            self._write()

    def _write(self) -> None:
        pending, self._pending = self._pending, []
        if self._db is None or not pending:
            return
        try:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", pending)
        except sqlite3.Error:
            self._db = None  # a full disk or a broken file: go on without the cache

    def __enter__(self) -> ArticleCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._write()
        if self._db is not None:
            self._db.close()


_ENTRY_FIELDS = {"title", "date", "cited_urls", "warnings", "entities"}


def _to_json(article: Article, entities: tuple[Entity, ...]) -> str:
    """An entry: the article without its path, body and hash (the row has those), and its entities."""
    return json.dumps({
        "title": article.title,
        "date": article.date.isoformat() if article.date is not None else None,
        "cited_urls": [[cited.url, cited.problem, cited.claim, _claim_json(cited.claim_terms)]
                       for cited in article.cited_urls],
        "warnings": list(article.warnings),
        "entities": [[entity.name, entity.kind.value, float(entity.weight), list(entity.aliases), entity.country,
                      entity.common]
                     for entity in entities],
    })  # ASCII: a string that is not valid Unicode (a lone surrogate) is escaped, not refused


def _from_json(entry: object, path: str, content_hash: str) -> tuple[Article, tuple[Entity, ...]]:
    """The article and entities that _to_json wrote; ValueError (RecursionError for absurd nesting)
    for anything else."""
    fields = _typed(json.loads(_typed(entry, str)), dict)
    if fields.keys() != _ENTRY_FIELDS:
        raise ValueError(f"not an entry: {sorted(fields)}")
    date_text = fields["date"]
    article = Article(path, _typed(fields["title"], str),
                      None if date_text is None else date.fromisoformat(_typed(date_text, str)), "",
                      tuple(map(_cited_url, _typed(fields["cited_urls"], list))), content_hash,
                      _strings(fields["warnings"]))
    return article, tuple(map(_entity, _typed(fields["entities"], list)))


def _cited_url(item: object) -> CitedUrl:
    url, problem, claim, terms = _typed(item, list)
    return CitedUrl(_typed(url, str), None if problem is None else _typed(problem, str),
                    None if claim is None else _typed(claim, str), None if terms is None else _claim_terms(terms))


def _claim_json(terms: ClaimTerms | None) -> list[object] | None:
    if terms is None:
        return None
    return [terms.lang, [[stem, float(weight)] for stem, weight in terms.terms], list(terms.numbers)]


def _claim_terms(item: object) -> ClaimTerms:
    lang, pairs, numbers = _typed(item, list)
    weighted = tuple((_typed(stem, str), _typed(weight, float))
                     for stem, weight in (_typed(pair, list) for pair in _typed(pairs, list)))
    return ClaimTerms(_typed(lang, str), weighted, _strings(numbers))


def _entity(item: object) -> Entity:
    name, kind, weight, aliases, country, common = _typed(item, list)
    return Entity(_typed(name, str), EntityKind(_typed(kind, str)), _typed(weight, float), _strings(aliases),
                  _typed(country, bool), _typed(common, bool))


def _strings(value: object) -> tuple[str, ...]:
    return tuple(_typed(item, str) for item in _typed(value, list))


def _typed(value: object, kind: type) -> Any:
    """`value` if it is exactly of `kind` (True is no number here), else ValueError."""
    if type(value) is not kind:
        raise ValueError(f"{kind.__name__} expected, not {type(value).__name__}")
    return value


_PACKAGE = Path(__file__).parent
# What decides an entry: reading the article, finding its key entities, and storing them here;
# with all that these modules import from linkcheck.
_ENTRY_MAKERS = (read_article.__module__, key_entities.__module__, "linkcheck.article_loader", __name__)


@dataclass(frozen=True)
class EntityCode:
    """What an article's entities depend on besides its bytes: linkcheck's modules and data files
    (relative to the package folder) and the third-party modules those import."""

    files: tuple[PurePosixPath, ...]
    third_party: tuple[str, ...]   # top-level module names: "babel", "simplemma", ...


def entity_code(package: Path = _PACKAGE) -> EntityCode:
    """The modules of `package` reachable from _ENTRY_MAKERS by imports (relative or absolute, at
    any depth of the code), the files in its data folder that they name, and the third-party
    modules they import."""
    sources: dict[PurePosixPath, bytes] = {}
    third_party: set[str] = set()
    waiting = [_module_file(package, tuple(name.split(".")[1:])) for name in _ENTRY_MAKERS]
    while waiting:
        file = waiting.pop()
        if file is None or file in sources:
            continue
        sources[file] = source = (package / file).read_bytes()
        for target in _imports(ast.parse(source, str(file)).body, (package.name, *file.with_suffix("").parts)):
            if target[0] != package.name:
                if target[0] not in sys.stdlib_module_names:
                    third_party.add(target[0])
            elif (found := _module_file(package, target[1:])) is not None:
                # A module of a subpackage runs the subpackage's __init__ first.
                waiting.extend([found, *(_module_file(package, parent.parts) for parent in found.parents[:-1])])
    data = [PurePosixPath(file.relative_to(package).as_posix()) for file in (package / "data").rglob("*")
            if file.is_file() and any(file.name.encode() in source for source in sources.values())]
    return EntityCode(tuple(sorted([*sources, *data])), tuple(sorted(third_party)))


def _imports(statements: list[ast.stmt], importer: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The dotted names that these statements of the module at `importer` (its path parts) may
    import, in nested blocks too; for `from x import y` both x and x.y (y may be a submodule)."""
    for node in statements:
        if isinstance(node, ast.Import):
            yield from (tuple(alias.name.split(".")) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level < len(importer):
            base = importer[:len(importer) - node.level] if node.level else ()
            target = (*base, *(node.module.split(".") if node.module else ()))
            yield target
            yield from ((*target, alias.name) for alias in node.names)
        for block in ("body", "orelse", "finalbody", "handlers", "cases"):
            yield from _imports(getattr(node, block, []), importer)


def _module_file(package: Path, name: tuple[str, ...]) -> PurePosixPath | None:
    """The file of the package's module `name` (a module or a subpackage), if it is one of them."""
    if not name:
        return None  # the package's own __init__: it names the package, it decides nothing
    for candidate in (PurePosixPath(*name[:-1], f"{name[-1]}.py"), PurePosixPath(*name, "__init__.py")):
        if (package / candidate).is_file():
            return candidate
    return None


@lru_cache(maxsize=4)
def code_fingerprint(package: Path = _PACKAGE) -> str:
    """A digest of everything an entry depends on besides the article's bytes (see entity_code):
    those files' bytes, the versions of the distributions they import, and the Python."""
    code = entity_code(package)
    digest = hashlib.sha256(sys.version.encode())
    for module in code.third_party:
        digest.update(f"\0{module} {_installed_version(module)}".encode())
    for file in code.files:
        digest.update(b"\0" + str(file).encode() + b"\0" + (package / file).read_bytes())
    return digest.hexdigest()


def _installed_version(module: str) -> str:
    """The version of the distribution that provides the top-level `module`."""
    try:
        return version(module)
    except PackageNotFoundError:  # named apart from its module (ahocorasick is pyahocorasick's)
        pass
    providers = {f"{dist.metadata['Name']} {dist.version}" for dist in distributions()
                 if module in (dist.read_text("top_level.txt") or "").split()}
    if not providers:  # no top_level.txt: every distribution's file list (a tenth of a second)
        providers = {f"{name} {version(name)}" for name in packages_distributions().get(module, [])}
    return ", ".join(sorted(providers)) or "not installed"
