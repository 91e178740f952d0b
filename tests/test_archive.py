"""The SQLite archive: rows, dedupe, history, change detection, locking, migrations, resumption."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlite_utils
import zstandard

from linkcheck import schema
from linkcheck.archive import Archive, ArchiveError, link_state
from linkcheck.config import Config
from linkcheck.verdict import Verdict

from archive_fakes import ENTITIES, T0, article, day, one_run, result, rows

URL = "https://news.example/kim"
DEAD = "https://dead.example/gone"


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive" / "linkcheck.db") as opened:
        yield opened


def test_new_archive_has_schema_views_wal_and_foreign_keys(archive):
    tables = set(archive.db.table_names())
    assert {"runs", "articles", "entities", "links", "citations", "checks", "citation_checks",
            "mentions", "snapshots", "page_texts", "page_texts_fts"} <= tables
    assert set(schema.VIEWS) <= set(archive.db.view_names())
    assert archive.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert archive.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert archive.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert archive.db["checks"].foreign_keys
    assert archive.integrity_check() == "ok"


def test_add_article_stores_article_entities_and_citations(archive):
    art = article(urls=(URL, DEAD, "htp:/broken"))
    article_id = archive.add_article(art, ENTITIES)
    row = archive.db["articles"].get(article_id)
    assert (row["path"], row["version"], row["is_current"], row["date"]) == \
        ("articles/kim.md", 1, 1, "2026-01-02")
    entities = rows(archive, "select name, kind, weight, aliases, rank from entities order by rank")
    assert entities[0] == {"name": "Kim Jong Un", "kind": "person", "weight": 3.0,
                           "aliases": '["Kim"]', "rank": 1}
    citations = rows(archive, "select l.url, c.position, c.problem from citations c "
                              "join links l on l.id = c.link_id order by position")
    assert [c["url"] for c in citations] == [URL, DEAD, "htp:/broken"]
    assert citations[2]["problem"] == "not an http(s) URL"
    assert archive.db["links"].get(1)["host"] == "news.example"


def test_changed_article_gets_a_new_current_version(archive):
    first = archive.add_article(article(urls=(URL,), text="v1"), ENTITIES)
    second = archive.add_article(article(urls=(URL, DEAD), text="v2"), ENTITIES[:1])
    again = archive.add_article(article(urls=(URL, DEAD), text="v2"), ENTITIES[:1])
    assert second == again != first
    versions = rows(archive, "select id, version, is_current from articles order by id")
    assert versions == [{"id": first, "version": 1, "is_current": 0},
                        {"id": second, "version": 2, "is_current": 1}]
    assert archive.db["entities"].count_where("article_id = ?", [second]) == 1


def test_record_link_stores_check_citation_verdicts_and_evidence(archive):
    art = article(urls=(URL,))
    archive.add_article(art, ENTITIES)
    run_id = one_run(archive, result(URL, Verdict.OK, articles=(art,)))
    check = rows(archive, "select * from checks")[0]
    assert check["run_id"] == run_id and check["status"] == 200 and check["verdict"] == "ok"
    assert check["checked_at"] == "2026-01-05T06:00:00Z"
    assert check["remote_ip"] == "192.0.2.10" and check["attempts"] == 1
    assert json.loads(check["chain"]) == [{"url": URL, "status": 200, "location": None}]
    assert ["content-type", "text/html; charset=utf-8"] in json.loads(check["headers"])
    assert check["score"] == 1.0 and check["link_state"] == "healthy"
    assert check["snapshot_id"] and check["page_text_id"] and check["text_changed"] is None
    verdict = rows(archive, "select * from citation_checks")[0]
    assert json.loads(verdict["found"]) == ["Kim Jong Un", "Nordkorea"]
    assert json.loads(verdict["missing"]) == [] and verdict["supports"] == 1
    mentions = rows(archive, "select entity, surface, found_in, snippet from mentions")
    assert mentions[0] == {"entity": "Kim Jong Un", "surface": "Kim", "found_in": "main",
                           "snippet": "… Kim Jong Un …"}
    body = archive.snapshot_body(check["snapshot_id"])
    assert body == b"<p>Kim Jong Un besucht Nordkorea.</p>"
    run = archive.db["runs"].get(run_id)
    assert (run["status"], run["network_up"], run["ok"], run["links_checked"]) == ("finished", 1, 1, 1)


def test_warnings_of_an_exchange_are_kept_on_the_check(archive):
    smuggled = result(URL, Verdict.OK)
    smuggled = replace(smuggled, fetch=replace(smuggled.fetch, warnings=("https://news.example/kim: 120 bytes "
                                                                         "after the end of the response",)))
    one_run(archive, smuggled, result(DEAD, Verdict.DEAD))
    kept = {row["final_url"]: row["warnings"] for row in rows(archive, "select final_url, warnings from checks")}
    assert json.loads(kept[URL]) == ["https://news.example/kim: 120 bytes after the end of the response"]
    assert kept[DEAD] is None


def test_link_decision_is_the_worst_over_citing_articles(archive):
    a, b = article("a.md", (URL,)), article("b.md", (URL,))
    ok, drifted = result(URL, Verdict.OK, articles=(a,)), result(URL, Verdict.DRIFTED, articles=(b,))
    both = ok.__class__(URL, ok.fetch, ok.page, ok.citations + drifted.citations)
    one_run(archive, both)
    assert rows(archive, "select verdict from checks") == [{"verdict": "drifted"}]
    assert archive.db["citation_checks"].count == 2


def test_unchanged_page_adds_checks_but_no_snapshot_or_text(archive):
    one_run(archive, result(URL, at=day(0)))
    one_run(archive, result(URL, at=day(1)))
    assert archive.db["checks"].count == 2
    assert archive.db["snapshots"].count == 1 and archive.db["page_texts"].count == 1
    assert rows(archive, "select text_changed from checks order by id")[1]["text_changed"] == 0
    assert archive.db["changed_links"].count == 0


def test_changed_page_is_flagged_and_shows_in_change_view(archive):
    one_run(archive, result(URL, at=day(0), main_text="Kim Jong Un besucht Nordkorea."))
    one_run(archive, result(URL, at=day(1), main_text="Kim Jong Un besucht Russland."))
    assert archive.db["snapshots"].count == 2
    changed = rows(archive, "select url, run_id from changed_links")
    assert changed == [{"url": URL, "run_id": 2}]


def test_latest_verdict_view_ignores_old_article_versions(archive):
    old = article(urls=(URL,), text="v1")
    new = article(urls=(URL,), text="v2")
    archive.add_article(old, ENTITIES)
    one_run(archive, result(URL, articles=(old,), at=day(0)))
    archive.add_article(new, ENTITIES)
    one_run(archive, result(URL, Verdict.DRIFTED, articles=(new,), at=day(1)))
    latest = rows(archive, "select article, verdict from latest_citation_verdicts")
    assert latest == [{"article": "articles/kim.md", "verdict": "drifted"}]


def test_recording_a_link_twice_in_a_run_replaces_the_check(archive):
    run_id = archive.start_run(Config(), [])
    archive.record_link(run_id, result(URL, Verdict.UNREACHABLE))
    archive.record_link(run_id, result(URL, Verdict.OK))
    assert rows(archive, "select verdict, link_state from checks") == \
        [{"verdict": "ok", "link_state": "healthy"}]
    assert archive.db["citation_checks"].count == 1
    assert archive.db["links"].get(1)["consecutive_failures"] == 0


def test_record_link_is_one_transaction(archive, monkeypatch):
    run_id = archive.start_run(Config(), [])

    def explode(*args):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(archive._writer, "_record_citation", explode)
    with pytest.raises(RuntimeError):
        archive.record_link(run_id, result(URL))
    assert archive.db["checks"].count == 0 and archive.db["snapshots"].count == 0
    assert archive.db["page_texts"].count == 0


def test_failed_record_link_leaves_nothing_behind_and_the_next_one_works(archive, monkeypatch):
    run_id = archive.start_run(Config(), [])

    def explode(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(link_state, "step", explode)  # fails after the article, citation and evidence rows
    with pytest.raises(sqlite3.OperationalError):
        archive.record_link(run_id, result(URL))
    for table in ("articles", "citations", "checks", "citation_checks", "mentions", "links"):
        assert archive.db[table].count == 0, table
    monkeypatch.undo()
    archive.record_link(run_id, result(URL))
    assert archive.db["citation_checks"].count == 1 and archive.integrity_check() == "ok"
    assert archive.db.execute("PRAGMA foreign_key_check").fetchall() == []


def committed_checks(archive) -> int:
    """Checks another process sees (a reader does not see an open transaction)."""
    with sqlite3.connect(archive.path) as reader:
        return reader.execute("SELECT count(*) FROM checks").fetchone()[0]


def test_batched_links_are_committed_together_and_at_the_end(archive):
    run_id = archive.start_run(Config(), [])
    with archive.batched(links=3, seconds=3600):
        for n in range(2):
            archive.record_link(run_id, result(f"{URL}/{n}"))
        assert committed_checks(archive) == 0
        archive.record_link(run_id, result(f"{URL}/2"))
        assert committed_checks(archive) == 3
        archive.record_link(run_id, result(f"{URL}/3"))
    assert committed_checks(archive) == 4


def test_commit_pending_commits_the_open_batch_without_waiting_for_the_next_link(archive):
    run_id = archive.start_run(Config(), [])
    with archive.batched(links=100, seconds=3600):
        archive.record_link(run_id, result(f"{URL}/0"))
        assert committed_checks(archive) == 0
        archive.commit_pending()  # what the run's timer does while it waits on a slow page
        assert committed_checks(archive) == 1
        archive.record_link(run_id, result(f"{URL}/1"))
    assert committed_checks(archive) == 2
    archive.commit_pending()  # outside a batch: nothing to do
    assert not archive.db.conn.in_transaction


def test_a_failed_link_in_a_batch_leaves_the_others(archive, monkeypatch):
    run_id = archive.start_run(Config(), [])
    real_record_citation = archive._writer._record_citation

    def explode_on_second(check_id, citation):
        if citation.cited.url.endswith("/1"):
            raise RuntimeError("disk on fire")
        real_record_citation(check_id, citation)
    monkeypatch.setattr(archive._writer, "_record_citation", explode_on_second)
    with pytest.raises(RuntimeError), archive.batched(links=100):
        for n in range(3):
            archive.record_link(run_id, result(f"{URL}/{n}"))
    assert committed_checks(archive) == 1  # link 0: complete; link 1: rolled back; link 2: never reached
    assert not archive.db.conn.in_transaction


def test_urls_checked_since_for_max_age(archive):
    one_run(archive, result(URL, at=day(0)), result(DEAD, Verdict.DEAD, at=day(2)))
    assert archive.urls_checked_since(day(1)) == {DEAD}
    assert archive.urls_checked_since(T0 - timedelta(hours=1)) == {URL, DEAD}


def test_checks_of_a_network_down_run_are_not_fresh(archive):
    one_run(archive, result(URL, Verdict.UNREACHABLE, at=day(0)), network_up=False)
    assert archive.urls_checked_since(T0 - timedelta(hours=1)) == set()


KILLED_RUN = textwrap.dedent("""
    import os, signal, sys
    sys.path[:0] = [{tests!r}, {repo!r}]
    from archive_fakes import result, day
    from linkcheck.archive import Archive
    from linkcheck.config import Config
    archive = Archive({db!r})
    run_id = archive.start_run(Config(), ["articles"])
    for n in range(3):
        archive.record_link(run_id, result(f"https://news.example/{{n}}", at=day(0)))
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_killed_run_is_marked_interrupted_and_can_be_resumed(tmp_path):
    db = tmp_path / "linkcheck.db"
    tests = Path(__file__).parent
    script = KILLED_RUN.format(tests=str(tests), repo=str(tests.parent), db=str(db))
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.returncode == -9, process.stderr
    with Archive(db) as archive:
        assert archive.integrity_check() == "ok"
        run_id = archive.start_run(Config(), ["articles"], resume=True)
        assert run_id == 1
        done = archive.checked_urls(run_id)
        assert done == {f"https://news.example/{n}" for n in range(3)}
        for n in range(5):
            url = f"https://news.example/{n}"
            if url not in done:
                archive.record_link(run_id, result(url, at=day(0)))
        summary = archive.finish_run(run_id, None, True)
        assert summary.status == "finished" and summary.counts["ok"] == 5
        assert archive.db["checks"].count == 5 and archive.integrity_check() == "ok"


def test_resume_only_reopens_a_run_over_the_same_inputs(tmp_path):
    db = tmp_path / "linkcheck.db"
    with Archive(db) as archive:
        archive.start_run(Config(), ["articles/a"])
        archive.release_lock()
    with Archive(db) as archive:
        assert archive.start_run(Config(), ["articles/b"], resume=True) == 2
        assert archive.run_summary(1).status == "interrupted"


def test_next_run_marks_a_killed_run_interrupted(tmp_path):
    db = tmp_path / "linkcheck.db"
    with Archive(db) as archive:
        killed = archive.start_run(Config(), [])
        archive.record_link(killed, result(URL))
        archive.release_lock()  # as if the process had died
    with Archive(db) as archive:
        assert archive.interrupted_run_id() is None  # not yet known: still marked running
        fresh = archive.start_run(Config(), [])
        assert archive.run_summary(killed).status == "interrupted"
        assert archive.run_summary(killed).finished is None
        assert fresh != killed and archive.interrupted_run_id() is None
        assert archive.checked_urls(killed) == {URL}


def test_old_archive_is_migrated_on_open(tmp_path):
    path = tmp_path / "linkcheck.db"
    old = sqlite_utils.Database(path)
    schema.MIGRATIONS[0](old)
    old.execute("PRAGMA user_version = 1")
    old["page_texts"].insert({"main_text_hash": "abc", "length": 20, "first_seen": "2025-01-01",
                              "main_text": "Kim Jong Un in Pjöngjang", "title": "Alt"})
    old.close()
    with Archive(path) as archive:
        assert archive.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        hits = list(archive.db["page_texts"].search("Pjöngjang"))
        assert [h["title"] for h in hits] == ["Alt"]
        assert archive.integrity_check() == "ok"


def test_archive_from_a_newer_linkcheck_is_refused(tmp_path):
    path = tmp_path / "linkcheck.db"
    Archive(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ArchiveError, match="newer than this linkcheck"):
        Archive(path)


def test_full_text_search_finds_page_texts(archive):
    one_run(archive, result(URL, main_text="Raketenstart in Nordkorea bestätigt."))
    hits = list(archive.db["page_texts"].search("Raketenstart"))
    assert len(hits) == 1


def _empty_page_result(url: str, title: str, at=T0):
    seen = result(url, Verdict.DEAD, at=at, main_text="")
    return dataclasses.replace(seen, page=dataclasses.replace(seen.page, title=title))


def test_pages_without_main_text_keep_a_row_and_title_of_their_own(archive):
    one_run(archive, _empty_page_result(URL, "Nicht gefunden – Zeitung A"),
            _empty_page_result(DEAD, "Page not found – Paper B"))
    one_run(archive, _empty_page_result(URL, "Nicht gefunden – Zeitung A", at=day(1)))
    titles = rows(archive, "select l.url, pt.title from checks c join links l on l.id = c.link_id "
                           "join page_texts pt on pt.id = c.page_text_id order by c.id")
    assert [(r["url"], r["title"]) for r in titles] == [
        (URL, "Nicht gefunden – Zeitung A"), (DEAD, "Page not found – Paper B"),
        (URL, "Nicht gefunden – Zeitung A")]
    assert archive.db["page_texts"].count == 2
    assert rows(archive, "select text_changed from checks order by id")[2]["text_changed"] == 0


def test_migration_gives_each_page_of_a_shared_empty_text_its_own_row(tmp_path):
    path = tmp_path / "linkcheck.db"
    old = sqlite_utils.Database(path)
    for step in schema.MIGRATIONS[:3]:
        step(old)
    old.execute("PRAGMA user_version = 3")
    run = old["runs"].insert({"started": "2026-01-05T06:00:00Z"}).last_pk
    empty = old["page_texts"].insert({"main_text_hash": hashlib.sha256(b"").hexdigest(), "kind": "html",
                                      "title": "Nicht gefunden – Zeitung A", "length": 0,
                                      "first_seen": "2026-01-05T06:00:00Z", "main_text": ""}).last_pk
    for url, title in ((URL, "Nicht gefunden – Zeitung A"), (DEAD, "Page not found – Paper B")):
        body = f"<html><head><title>{title}</title></head><body><h1>404</h1></body></html>".encode()
        snapshot = old["snapshots"].insert({
            "sha256": hashlib.sha256(body).hexdigest(), "size": len(body), "compressed_size": 0,
            "first_seen": "2026-01-05T06:00:00Z", "body": zstandard.ZstdCompressor().compress(body)}).last_pk
        link = old["links"].insert({"url": url, "first_seen": "2026-01-05T06:00:00Z"}).last_pk
        old["checks"].insert({"run_id": run, "link_id": link, "checked_at": "2026-01-05T06:00:00Z",
                              "status": 404, "final_url": url, "snapshot_id": snapshot, "page_text_id": empty,
                              "headers": json.dumps([["content-type", "text/html"]])})
    old.close()
    with Archive(path) as archive:
        titles = rows(archive, "select l.url, pt.title from checks c join links l on l.id = c.link_id "
                               "join page_texts pt on pt.id = c.page_text_id order by c.id")
        assert [(r["url"], r["title"]) for r in titles] == [
            (URL, "Nicht gefunden – Zeitung A"), (DEAD, "Page not found – Paper B")]
        assert archive.integrity_check() == "ok"
        assert archive.db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert archive.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert rows(archive, "select count(*) as n from changed_links") == [{"n": 0}]


def test_an_entity_list_naming_one_entity_twice_is_stored_once(archive):
    twice = (*ENTITIES, dataclasses.replace(ENTITIES[0], aliases=("other",)))
    article_id = archive.add_article(article(urls=(URL,)), twice)
    names = [row[0] for row in archive.db.execute(
        "SELECT name FROM entities WHERE article_id = ? ORDER BY rank", [article_id])]
    assert names == [e.name for e in ENTITIES]


def test_a_full_database_stops_the_writes_and_keeps_what_was_committed(tmp_path):
    path = tmp_path / "full.db"
    with Archive(path) as archive:
        run_id = archive.start_run(Config(), ["articles"])
        pages = archive.db.execute("PRAGMA page_count").fetchone()[0]
        archive.db.execute(f"PRAGMA max_page_count = {pages + 40}")  # a disk that fills up soon
        body = bytes(range(256)) * 64  # incompressible enough to take pages
        with pytest.raises(ArchiveError, match=r"is full: the run stopped; \d+ check\(s\) of run 1 are kept"):
            with archive.batched(links=3, seconds=3600):
                for n in range(10_000):
                    archive.record_link(run_id, result(f"{URL}/{n}", body=body + str(n).encode() * 300))
        kept = committed_checks(archive)
        assert kept > 0
        with pytest.raises(ArchiveError, match="is full"):  # nothing more is written
            archive.record_link(run_id, result(f"{URL}/late"))
    with Archive(path) as freed:  # a new connection: the space is back
        assert freed.integrity_check() == "ok"
        assert freed.start_run(Config(), ["articles"], resume=True) == run_id
        assert len(freed.checked_urls(run_id)) == kept
