"""The archive's storage: connection settings, tables, migrations (user_version), views."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import sqlite_utils
import zstandard

from .errors import ArchiveError
from .verdict import VERDICT_FACTS, Rule, Verdict, failing_verdicts

BUSY_TIMEOUT_MS = 10_000


def utc_iso(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, to the second: the archive's one timestamp format."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def open_database(path: Path | str, readonly: bool = False) -> sqlite_utils.Database:
    """A sqlite-utils Database with foreign keys on and a busy timeout (read-only on request)."""
    if readonly:
        if not Path(path).exists():
            raise ArchiveError(f"no archive at {path}")
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return sqlite_utils.Database(conn)


def read_only_uri(path: Path | str) -> str:
    """The SQLite URI that reads `path` without writing it: mode=ro, or immutable=1 for a file that
    nothing here can write (read-only mount or file) and that mode=ro cannot open."""
    location = quote(str(Path(path).resolve()))
    if needs_immutable(path):
        return f"file:{location}?immutable=1"
    return f"file:{location}?mode=ro"


def needs_immutable(path: Path | str) -> bool:
    """Whether `path` can only be read as an immutable file: a WAL archive needs its -shm file
    written even to be read, which a read-only mount or folder refuses."""
    path = Path(path).resolve()
    if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        return False  # writable: another process may write it, immutable would read stale pages
    probe = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        probe.execute("PRAGMA schema_version").fetchone()
    except sqlite3.OperationalError:
        return True
    except sqlite3.Error:
        return False  # not a database at all: whoever opens it says so
    finally:
        probe.close()
    return False


def read_snapshot_body(db: sqlite_utils.Database, snapshot_id: int) -> bytes:
    """The decoded body of snapshot `snapshot_id`."""
    row = db.execute("SELECT body FROM snapshots WHERE id = ?", [snapshot_id]).fetchone()
    if row is None:
        raise ArchiveError(f"no snapshot {snapshot_id}")
    return zstandard.ZstdDecompressor().decompressobj().decompress(row[0])


# Verdicts that say "the cited page is not there now" (VerdictFacts.failing).
FAILING_VERDICTS_SQL = "(" + ", ".join(f"'{v}'" for v in failing_verdicts()) + ")"

_TABLES_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL DEFAULT 'running',      -- running, finished, interrupted
    network_up INTEGER,                          -- 1, 0, or NULL while unknown
    linkcheck_version TEXT,
    pid INTEGER,
    options TEXT,                                -- JSON: the run's Config
    inputs TEXT,                                 -- JSON: paths given on the command line
    links_checked INTEGER,
    citations_checked INTEGER,
    ok INTEGER, drifted INTEGER, soft_404 INTEGER, moved INTEGER, dead INTEGER,
    blocked INTEGER, unreachable INTEGER, invalid INTEGER  -- citations per verdict (see ensure_derived)
);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    version INTEGER NOT NULL,                    -- 1, 2, ... each time the file's content changes
    is_current INTEGER NOT NULL DEFAULT 1,       -- 1 for the version last seen
    content_hash TEXT NOT NULL,
    title TEXT,
    date TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (path, content_hash)
);
CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    rank INTEGER NOT NULL,                       -- 1 = most salient
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    weight REAL NOT NULL,
    aliases TEXT,                                -- JSON list of surface forms
    UNIQUE (article_id, name)
);
CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    host TEXT,
    first_seen TEXT NOT NULL,
    last_checked TEXT,
    last_verdict TEXT,
    state TEXT NOT NULL DEFAULT 'unknown',       -- unknown, healthy, flaky, broken
    state_since TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since TEXT
);
CREATE TABLE citations (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    link_id INTEGER NOT NULL REFERENCES links(id),
    position INTEGER NOT NULL,                   -- 1-based order among the article's cited URLs
    problem TEXT,                                -- why the URL is malformed, NULL when usable
    UNIQUE (article_id, link_id)
);
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,                 -- of the decoded body
    content_type TEXT,
    size INTEGER NOT NULL,
    compressed_size INTEGER NOT NULL,
    compression TEXT NOT NULL DEFAULT 'zstd',
    first_seen TEXT NOT NULL,
    body BLOB NOT NULL                           -- zstandard-compressed, never rendered
);
CREATE TABLE page_texts (
    id INTEGER PRIMARY KEY,
    main_text_hash TEXT NOT NULL UNIQUE,         -- sha256 of main_text
    kind TEXT,
    title TEXT,
    language TEXT,
    length INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    main_text TEXT NOT NULL
);
CREATE TABLE checks (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    link_id INTEGER NOT NULL REFERENCES links(id),
    checked_at TEXT NOT NULL,
    status INTEGER,
    final_url TEXT,
    redirects INTEGER NOT NULL DEFAULT 0,
    chain TEXT,                                  -- JSON list of {url, status, location}
    headers TEXT,                                -- JSON list of [name, value] of the final response
    error TEXT,
    error_detail TEXT,
    elapsed REAL,
    attempts INTEGER,
    remote_ip TEXT,
    http_version TEXT,
    truncated INTEGER NOT NULL DEFAULT 0,
    verdict TEXT,                                -- worst verdict over the citing articles
    rule TEXT,
    reason TEXT,
    score REAL,
    snapshot_id INTEGER REFERENCES snapshots(id),
    page_text_id INTEGER REFERENCES page_texts(id),
    main_text_hash TEXT,
    previous_main_text_hash TEXT,                -- of this link's previous check with a text
    text_changed INTEGER,                        -- 1 changed, 0 same, NULL nothing to compare
    link_state TEXT,                             -- the link's state after this check
    UNIQUE (run_id, link_id)
);
CREATE TABLE citation_checks (
    id INTEGER PRIMARY KEY,
    check_id INTEGER NOT NULL REFERENCES checks(id),
    citation_id INTEGER NOT NULL REFERENCES citations(id),
    verdict TEXT NOT NULL,
    rule TEXT,
    reason TEXT,
    score REAL,
    supports INTEGER,
    found TEXT,                                  -- JSON list of entity names
    missing TEXT,                                -- JSON list of entity names
    UNIQUE (check_id, citation_id)
);
CREATE TABLE mentions (
    id INTEGER PRIMARY KEY,
    citation_check_id INTEGER NOT NULL REFERENCES citation_checks(id),
    entity TEXT NOT NULL,
    surface TEXT NOT NULL,
    found_in TEXT NOT NULL,                      -- title or main
    "offset" INTEGER,
    snippet TEXT
);
CREATE INDEX idx_articles_path ON articles(path);
CREATE INDEX idx_entities_article ON entities(article_id);
CREATE INDEX idx_links_host ON links(host);
CREATE INDEX idx_links_state ON links(state);
CREATE INDEX idx_citations_link ON citations(link_id);
CREATE INDEX idx_checks_link_time ON checks(link_id, checked_at);
CREATE INDEX idx_checks_run ON checks(run_id);
CREATE INDEX idx_checks_checked_at ON checks(checked_at);
CREATE INDEX idx_checks_verdict ON checks(verdict);
CREATE INDEX idx_checks_snapshot ON checks(snapshot_id);
CREATE INDEX idx_checks_page_text ON checks(page_text_id);
CREATE INDEX idx_citation_checks_citation ON citation_checks(citation_id);
CREATE INDEX idx_mentions_citation_check ON mentions(citation_check_id);
CREATE INDEX idx_runs_status ON runs(status);
"""


def _v1_tables(db: sqlite_utils.Database) -> None:
    for statement in _TABLES_V1.split(";"):
        if statement.strip():
            db.execute(statement)


def _v2_full_text_search(db: sqlite_utils.Database) -> None:
    db.table("page_texts").enable_fts(["title", "main_text"], create_triggers=True)


_TABLES_V3 = """
CREATE TABLE archive_lookups (
    id INTEGER PRIMARY KEY,
    citation_check_id INTEGER NOT NULL REFERENCES citation_checks(id),
    archive TEXT NOT NULL,                       -- wayback, or the host of a Memento TimeGate
    endpoint TEXT NOT NULL,                      -- the request made (never with credentials)
    reached INTEGER NOT NULL,                    -- 0: the archive could not be asked (no lookup)
    captures INTEGER NOT NULL,                   -- captures it named
    problem TEXT                                 -- why it named none
);
CREATE TABLE capture_checks (
    id INTEGER PRIMARY KEY,
    citation_check_id INTEGER NOT NULL REFERENCES citation_checks(id),
    archive TEXT NOT NULL,
    capture_url TEXT NOT NULL,                   -- what a reader should follow
    raw_url TEXT NOT NULL,                       -- the original bytes (Wayback's id_ form)
    captured_at TEXT NOT NULL,
    days_from_article INTEGER,                   -- negative: before the article's date
    capture_status INTEGER,                      -- the status the archive replayed
    verdict TEXT NOT NULL,                       -- the capture judged as the page it was
    rule TEXT NOT NULL,
    reason TEXT,
    supports INTEGER NOT NULL,                   -- 1: a replacement that supports the article
    is_replacement INTEGER NOT NULL,             -- 1: the one offered
    found TEXT,                                  -- JSON list of entity names
    missing TEXT,                                -- JSON list of entity names
    snapshot_id INTEGER REFERENCES snapshots(id),
    page_text_id INTEGER REFERENCES page_texts(id)
);
CREATE TABLE repairs (
    id INTEGER PRIMARY KEY,
    citation_check_id INTEGER NOT NULL UNIQUE REFERENCES citation_checks(id),
    looked_up INTEGER NOT NULL,                  -- 0: no archive could be asked, so try again next run
    replacement_id INTEGER REFERENCES capture_checks(id),
    reason TEXT NOT NULL
);
CREATE TABLE save_requests (
    id INTEGER PRIMARY KEY,
    check_id INTEGER NOT NULL REFERENCES checks(id),
    url TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    status INTEGER,
    reason TEXT NOT NULL                         -- never the credentials
);
CREATE INDEX idx_archive_lookups_citation_check ON archive_lookups(citation_check_id);
CREATE INDEX idx_capture_checks_citation_check ON capture_checks(citation_check_id);
"""


def _v3_repairs(db: sqlite_utils.Database) -> None:
    for statement in _TABLES_V3.split(";"):
        if statement.strip():
            db.execute(statement)


def page_hash(kind: str, title: str | None, language: str | None, main_text: str) -> str:
    """The identity of a page_texts row: the whole extracted page, not its main text alone, so
    that pages without main text (404 bodies, redirects) keep a row and a title of their own."""
    return hashlib.sha256(json.dumps([kind, title, language, main_text], ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


_PAGE_TEXTS_V4 = """
CREATE TABLE page_texts_v4 (
    id INTEGER PRIMARY KEY,
    page_hash TEXT NOT NULL UNIQUE,              -- sha256 of kind, title, language and main text
    main_text_hash TEXT NOT NULL,                -- sha256 of main_text (checks.main_text_hash)
    kind TEXT,
    title TEXT,
    language TEXT,
    length INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    main_text TEXT NOT NULL
)"""


def _v4_page_texts_per_page(db: sqlite_utils.Database) -> None:
    """page_texts keyed by page_hash instead of a unique main_text_hash (SQLite's rebuild of a
    table, foreign keys off: see migrate); a row of empty text that checks of several links shared
    is split by reading their snapshots again."""
    triggers = [sql for (sql,) in db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'page_texts'").fetchall()]
    for (view,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall():
        db.execute(f"DROP VIEW {view}")  # ensure_views makes them again; a rename checks every view
    db.execute(_PAGE_TEXTS_V4)
    rows = db.execute("SELECT id, main_text_hash, kind, title, language, length, first_seen, main_text "
                      "FROM page_texts").fetchall()
    db.conn.executemany("INSERT INTO page_texts_v4 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(row[0], page_hash(row[2] or "", row[3], row[4], row[7]), *row[1:]) for row in rows])
    db.execute("DROP TABLE page_texts")
    db.execute("ALTER TABLE page_texts_v4 RENAME TO page_texts")
    db.execute("CREATE INDEX idx_page_texts_main_text_hash ON page_texts(main_text_hash)")
    for sql in triggers:
        db.execute(sql)
    _split_shared_empty_page_texts(db)


def _split_shared_empty_page_texts(db: sqlite_utils.Database) -> None:
    from .page import extract_page
    from .page_budget import PageBudgetExceeded

    shared = db.execute(
        "SELECT c.id, c.final_url, c.headers, c.snapshot_id, pt.first_seen FROM checks c "
        "JOIN page_texts pt ON pt.id = c.page_text_id WHERE pt.length = 0 AND c.snapshot_id IS NOT NULL "
        "AND c.page_text_id IN (SELECT page_text_id FROM checks GROUP BY page_text_id "
        "HAVING count(DISTINCT link_id) > 1)").fetchall()
    for check_id, final_url, headers, snapshot_id, first_seen in shared:
        try:
            page = extract_page(read_snapshot_body(db, snapshot_id), dict(json.loads(headers or "[]")),
                                final_url or "")
        except PageBudgetExceeded:  # a hostile page: leave its check as it was recorded
            continue
        if page.main_text:
            continue  # today's reader finds a text: leave the check as it was recorded
        key = page_hash(str(page.kind), page.title, page.language, "")
        found = db.execute("SELECT id FROM page_texts WHERE page_hash = ?", [key]).fetchone()
        if found:
            page_text_id = found[0]
        else:
            page_text_id = db.execute(
                "INSERT INTO page_texts (page_hash, main_text_hash, kind, title, language, length, first_seen, "
                "main_text) VALUES (?, ?, ?, ?, ?, 0, ?, '')",
                [key, hashlib.sha256(b"").hexdigest(), str(page.kind), page.title, page.language,
                 first_seen]).lastrowid
        db.execute("UPDATE checks SET page_text_id = ? WHERE id = ?", [page_text_id, check_id])


def _v5_check_warnings(db: sqlite_utils.Database) -> None:
    # What was wrong with an exchange that still answered (bytes smuggled after a response ...).
    db.execute("ALTER TABLE checks ADD COLUMN warnings TEXT")  # JSON list of strings, NULL when none


# Append only: MIGRATIONS[i] brings an archive from user_version i to i + 1.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_tables, _v2_full_text_search, _v3_repairs, _v4_page_texts_per_page, _v5_check_warnings]
SCHEMA_VERSION = len(MIGRATIONS)

_LATEST_CHECK_OF_CITATION = """
    SELECT cc2.id FROM citation_checks cc2 JOIN checks c2 ON c2.id = cc2.check_id
    WHERE cc2.citation_id = ci.id ORDER BY c2.checked_at DESC, c2.id DESC LIMIT 1"""

def _day(column: str) -> str:
    return (f"CASE date({column}) WHEN date('now') THEN 'today' WHEN date('now', '-1 day') THEN 'yesterday' "
            f"ELSE date({column}) END")


# The link's state in words, as of the citation's latest check: "failing since today, 1 of 3 checks".
_STATE_IN_WORDS = f"""CASE
           WHEN l.state = 'broken' AND l.consecutive_failures > 0 THEN 'broken since ' || {_day('l.state_since')}
                || ', failing since ' || {_day('l.failing_since')} || ', ' || l.consecutive_failures
                || CASE l.consecutive_failures WHEN 1 THEN ' check' ELSE ' checks' END
           WHEN l.state = 'broken' THEN 'broken since ' || {_day('l.state_since')}
           WHEN l.consecutive_failures > 0 THEN 'failing since ' || {_day('l.failing_since')} || ', '
                || l.consecutive_failures || ' of '
                || coalesce(json_extract(ru.options, '$.failures_to_break'), 3) || ' checks'
           WHEN cc.verdict = 'blocked' THEN 'blocked: not counted for or against the link'
           ELSE l.state END"""

VIEWS: dict[str, str] = {
    "latest_citation_verdicts": f"""
SELECT a.path AS article, a.title AS article_title, l.url, cc.verdict, cc.reason, cc.score,
       cc.found, cc.missing, c.status, c.final_url, c.checked_at, l.state AS link_state,
       {_STATE_IN_WORDS} AS state,
       l.consecutive_failures, l.failing_since, l.state_since, cc.rule, r.explanation AS rule_explained,
       c.run_id, ci.id AS citation_id, cc.id AS citation_check_id, c.id AS check_id
FROM citations ci
JOIN articles a ON a.id = ci.article_id AND a.is_current = 1
JOIN links l ON l.id = ci.link_id
JOIN citation_checks cc ON cc.id = ({_LATEST_CHECK_OF_CITATION})
JOIN checks c ON c.id = cc.check_id
LEFT JOIN runs ru ON ru.id = c.run_id
LEFT JOIN rules r ON r.name = cc.rule""",
    "broken_citations": """
SELECT article, article_title, url, verdict, reason, status, final_url, failing_since,
       state_since AS broken_since, checked_at, rule, rule_explained, citation_id, citation_check_id, check_id
FROM latest_citation_verdicts WHERE link_state = 'broken'""",
    "failing_citations": f"""
SELECT article, article_title, url, verdict, reason, state, status, final_url, link_state,
       consecutive_failures, failing_since, checked_at, rule, rule_explained, citation_id,
       citation_check_id, check_id
FROM latest_citation_verdicts WHERE verdict IN {FAILING_VERDICTS_SQL}""",
    "blocked_citations": """
SELECT article, article_title, url, reason, status, final_url, state, link_state, checked_at,
       rule, rule_explained, citation_id, citation_check_id, check_id
FROM latest_citation_verdicts WHERE verdict = 'blocked'""",
    "unsupported_sources": """
SELECT article, article_title, url, reason, score, found, missing, final_url, checked_at,
       rule, rule_explained, citation_id, citation_check_id, check_id
FROM latest_citation_verdicts WHERE verdict = 'drifted'""",
    "changed_links": """
SELECT l.url, c.checked_at, c.run_id, pt.title, c.verdict, c.previous_main_text_hash,
       c.main_text_hash, c.id AS check_id
FROM links l
JOIN checks c ON c.id = (SELECT id FROM checks WHERE link_id = l.id
                         ORDER BY checked_at DESC, id DESC LIMIT 1)
LEFT JOIN page_texts pt ON pt.id = c.page_text_id
WHERE c.text_changed = 1""",
    "link_history": """
SELECT l.url, c.checked_at, c.run_id, c.status, c.verdict, c.reason, c.link_state,
       c.final_url, c.error, c.elapsed, c.text_changed, c.main_text_hash, c.snapshot_id,
       c.id AS check_id
FROM checks c JOIN links l ON l.id = c.link_id""",
    "citations_to_repair": """
SELECT v.article, v.article_title, v.url, v.verdict, v.reason, cap.capture_url AS replacement_url,
       cap.captured_at AS capture_date, cap.days_from_article, cap.archive, cap.found AS capture_mentions,
       r.reason AS repair_reason, r.looked_up, v.checked_at, v.citation_id, v.citation_check_id,
       cap.id AS capture_check_id
FROM latest_citation_verdicts v
LEFT JOIN repairs r ON r.citation_check_id = v.citation_check_id
LEFT JOIN capture_checks cap ON cap.id = r.replacement_id
WHERE v.verdict != 'ok'""",
}


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the archive to SCHEMA_VERSION, one transaction per step; return the old version."""
    old = db.execute("PRAGMA user_version").fetchone()[0]
    if old > SCHEMA_VERSION:
        raise ValueError(f"archive schema version {old} is newer than this linkcheck "
                         f"({SCHEMA_VERSION}); upgrade linkcheck")
    if old == SCHEMA_VERSION:
        return old
    # Foreign keys off while a step rebuilds a table (SQLite's documented procedure), checked
    # before each step commits.
    enforced = db.execute("PRAGMA foreign_keys").fetchone()[0]
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        for version in range(old, SCHEMA_VERSION):
            with db.atomic():
                MIGRATIONS[version](db)
                violation = db.execute("PRAGMA foreign_key_check").fetchone()
                if violation:
                    raise ArchiveError(f"migrating the archive to version {version + 1} broke a "
                                       f"reference from {violation[0]} row {violation[1]}")
                db.execute(f"PRAGMA user_version = {version + 1}")
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")
    return old


# Tables that hold linkcheck's own knowledge, not observations: rewritten whenever linkcheck's
# verdict facts or rules differ from what the archive holds, so Datasette can explain a check.
_KNOWLEDGE_TABLES = """
CREATE TABLE IF NOT EXISTS verdicts (
    name TEXT PRIMARY KEY,
    severity INTEGER NOT NULL,                   -- 0 = worst
    history TEXT NOT NULL,                       -- success, failure, inconclusive, invalid
    failing INTEGER NOT NULL,                    -- listed as failing in the views
    meaning TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rules (
    name TEXT PRIMARY KEY,                       -- as in checks.rule and citation_checks.rule
    verdict TEXT NOT NULL REFERENCES verdicts(name),
    explanation TEXT NOT NULL
);
"""


def ensure_derived(db: sqlite_utils.Database) -> None:
    """Bring everything derived from linkcheck's code up to date: a count column in `runs` for
    every verdict, the `verdicts` and `rules` tables, and the editor views."""
    counted = {column.name for column in db["runs"].columns}
    missing = [v for v in Verdict if v.value not in counted]
    verdicts = [(v.value, f.severity, f.history.value, int(f.failing), f.meaning)
                for v, f in VERDICT_FACTS.items()]
    rules = [(rule.value, rule.verdict.value, rule.explanation) for rule in Rule]
    with db.atomic():
        for verdict in missing:
            db.execute(f'ALTER TABLE runs ADD COLUMN "{verdict.value}" INTEGER')
        for statement in _KNOWLEDGE_TABLES.split(";"):
            if statement.strip():
                db.execute(statement)
        if sorted(verdicts) != sorted(db.execute("SELECT * FROM verdicts").fetchall()):
            db.execute("DELETE FROM rules")
            db.execute("DELETE FROM verdicts")
            db.conn.executemany("INSERT INTO verdicts VALUES (?, ?, ?, ?, ?)", verdicts)
        if sorted(rules) != sorted(db.execute("SELECT * FROM rules").fetchall()):
            db.execute("DELETE FROM rules")
            db.conn.executemany("INSERT INTO rules VALUES (?, ?, ?)", rules)
    ensure_views(db)


def ensure_views(db: sqlite_utils.Database) -> None:
    """Create or replace the editor views whose definition changed (views hold no data)."""
    existing = {row[0]: row[1] for row in
                db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'")}
    wanted = {name: f"CREATE VIEW {name} AS{sql}" for name, sql in VIEWS.items()}
    if all(existing.get(name) == sql for name, sql in wanted.items()):
        return
    with db.atomic():
        for name in reversed(list(VIEWS)):  # dependants first
            db.execute(f"DROP VIEW IF EXISTS {name}")
        for sql in wanted.values():
            db.execute(sql)
