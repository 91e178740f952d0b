"""Datasette on the archive: every canned query and view answers, and no archived HTML renders."""

from __future__ import annotations

import asyncio
import html
import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils
from datasette.app import Datasette

from linkcheck import schema
from linkcheck.archive import Archive, ArchiveError
from linkcheck.archive.evidence import Snippet, highlight
from linkcheck.config import Config
from linkcheck.serve import bring_up_to_date, cell_rendering_plugins, datasette_command, load_metadata, serve
from linkcheck.serve_pages import ARCHIVED_PAGE_CSP, PLUGIN_DIR, PLUGIN_NAME, TEMPLATE_DIR, archived_page_content
from linkcheck.verdict import Verdict

from archive_fakes import ENTITIES, RULES, article, day, result

OK = "https://news.example/kim"
DEAD = "https://dead.example/gone"
DRIFT = "https://drift.example/story"
WALL = "https://wall.example/story"
MALFORMED = "htp://kaputt.example"
SCRIPT = "Kim Jong Un besucht Nordkorea. <script>alert('pwned')</script>"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("ds") / "linkcheck.db"
    art = article(urls=(OK, DEAD, DRIFT))
    with Archive(path) as archive:
        archive.add_article(art, ENTITIES)
        texts = ["Kim Jong Un besucht Nordkorea.", "Kim Jong Un besucht Nordkorea.",
                 "Kim Jong Un besucht Nordkorea.", SCRIPT]
        for n, text in enumerate(texts):
            run_id = archive.start_run(Config(), ["articles"])
            archive.record_link(run_id, result(OK, at=day(n), articles=(art,), main_text=text,
                                               body=f"<html><body>{text}</body></html>".encode()))
            archive.record_link(run_id, result(DEAD, Verdict.DEAD, at=day(n), articles=(art,),
                                               main_text="Seite nicht gefunden", body=b"404"))
            archive.record_link(run_id, result(DRIFT, Verdict.DRIFTED, at=day(n), articles=(art,),
                                               main_text="Ganz andere Geschichte aus Seoul."))
            archive.finish_run(run_id, None, True)
    return path


def get(db: Path, path: str, metadata: dict | None = None):
    async def fetch():
        ds = Datasette([str(db)], metadata=metadata or load_metadata(db), plugins_dir=str(PLUGIN_DIR),
                       template_dir=str(TEMPLATE_DIR))
        return await ds.client.get(path)
    return asyncio.run(fetch())


def rows(db: Path, path: str) -> list[dict]:
    separator = "&" if "?" in path else "?"
    response = get(db, f"{path}{separator}_shape=array")
    assert response.status_code == 200, response.text
    return response.json()


def test_broken_citations_query(db):
    found = rows(db, "/linkcheck/broken_citations.json")
    assert [(r["url"], r["verdict"], r["broken_since"]) for r in found] == \
        [(DEAD, "dead", "2026-01-08T06:00:00Z")]


def test_unsupported_sources_query(db):
    found = rows(db, "/linkcheck/unsupported_sources.json")
    assert [(r["url"], json.loads(r["missing"])) for r in found] == [(DRIFT, ["Nordkorea"])]


def test_changed_since_last_run_query(db):
    found = rows(db, "/linkcheck/changed_since_last_run.json")
    assert [r["url"] for r in found] == [OK]


def test_url_history_query(db):
    found = rows(db, f"/linkcheck/url_history.json?url={DEAD}")
    assert [r["link_state"] for r in found] == ["broken", "flaky", "flaky", "flaky"]
    assert [r["run_id"] for r in found] == [4, 3, 2, 1]


def test_search_query(db):
    found = rows(db, "/linkcheck/search.json?q=Seoul")
    assert [r["url"] for r in found] == [DRIFT]
    assert "[Seoul]" in found[0]["excerpt"]
    assert [r["url"] for r in rows(db, '/linkcheck/search.json?q="andere Geschichte"')] == [DRIFT]


@pytest.mark.parametrize("path", ["/linkcheck/search", "/linkcheck/search.json?q=",
                                  '/linkcheck/search.json?q=Kim"', "/linkcheck/url_history"])
def test_canned_queries_without_or_with_odd_parameters_answer(db, path):
    assert get(db, path).status_code == 200


@pytest.mark.parametrize("view, expected", [
    ("latest_citation_verdicts", {(OK, "ok"), (DEAD, "dead"), (DRIFT, "drifted")}),
    ("broken_citations", {(DEAD, "dead")}),
    ("failing_citations", {(DEAD, "dead")}),
    ("unsupported_sources", {(DRIFT, None)}),
    ("changed_links", {(OK, "ok")}),
])
def test_views(db, view, expected):
    found = rows(db, f"/linkcheck/{view}.json")
    assert {(r["url"], r.get("verdict")) for r in found} == expected


def test_link_history_view_has_one_row_per_check(db):
    assert len(rows(db, "/linkcheck/link_history.json?_size=max")) == 12


def test_every_view_and_canned_query_is_covered():
    metadata = load_metadata("linkcheck.db")["databases"]["linkcheck"]
    assert set(schema.VIEWS) <= set(metadata["tables"])
    assert {"broken_citations", "unsupported_sources", "changed_since_last_run", "url_history",
            "search"} <= set(metadata["queries"])


def test_metadata_titles_show(db):
    page = get(db, "/linkcheck/broken_citations")
    assert page.status_code == 200 and "Broken citations" in page.text


def test_metadata_follows_the_database_file_name(tmp_path, db):
    other = tmp_path / "newsroom.db"
    other.write_bytes(db.read_bytes())
    metadata = load_metadata(other)
    assert "newsroom" in metadata["databases"] and "linkcheck" not in metadata["databases"]
    response = get(other, "/newsroom/broken_citations.json?_shape=array", metadata)
    assert [r["url"] for r in response.json()] == [DEAD]


def test_archived_html_is_escaped_not_rendered(db):
    page = get(db, "/linkcheck/page_texts")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text


def test_snapshot_bodies_are_binary_downloads(db):
    page = get(db, "/linkcheck/snapshots")
    assert page.status_code == 200
    assert "<html><body>" not in page.text and ".blob" in page.text
    blob = get(db, "/linkcheck/snapshots/1.blob?_blob_column=body")
    assert blob.status_code == 200
    assert not blob.headers["content-type"].startswith("text/html")
    assert blob.content.startswith(b"\x28\xb5\x2f\xfd")  # zstandard frame, not HTML


def test_no_plugin_but_linkcheck_s_own_renders_cells():
    assert cell_rendering_plugins() == []
    assert [p["name"] for p in json.loads(get_plugins_json())] in ([], [PLUGIN_NAME])


def get_plugins_json():
    async def fetch():
        return (await Datasette([]).client.get("/-/plugins.json")).text
    return asyncio.run(fetch())


def test_serve_command_uses_packaged_metadata(tmp_path):
    command = datasette_command(tmp_path / "linkcheck.db", tmp_path / "m.json", 9000, "0.0.0.0")
    assert command[1:4] == ["-m", "datasette", "serve"]
    assert ["--metadata", str(tmp_path / "m.json")] == command[5:7]
    assert "9000" in command and "0.0.0.0" in command


def test_serve_refuses_a_missing_archive(tmp_path):
    with pytest.raises(ArchiveError, match="no archive"):
        serve(tmp_path / "missing.db")


def test_rules_table_explains_the_rule_of_each_failing_citation(db):
    failing = rows(db, "/linkcheck.json?sql=select+rule,+rule_explained+from+failing_citations")
    assert failing and all(row["rule_explained"] for row in failing)
    rules = rows(db, "/linkcheck/rules.json?_size=max")
    assert {row["name"] for row in rules} >= {row["rule"] for row in failing}


@pytest.fixture(scope="module")
def day_one(tmp_path_factory):
    """One run today: a dead link, a blocked one, an ok one and a malformed one (broken at once)."""
    path = tmp_path_factory.mktemp("day-one") / "linkcheck.db"
    art = article(urls=(OK, DEAD, WALL, MALFORMED))
    now = datetime.now(UTC)
    with Archive(path) as archive:
        archive.add_article(art, ENTITIES)
        run_id = archive.start_run(Config(), ["articles"])
        for url, verdict in ((OK, Verdict.OK), (DEAD, Verdict.DEAD), (WALL, Verdict.BLOCKED),
                             (MALFORMED, Verdict.INVALID)):
            archive.record_link(run_id, result(url, verdict, at=now, articles=(art,)))
        archive.finish_run(run_id, None, True)
    return path


def test_a_citation_failing_for_the_first_time_is_in_the_main_list_with_its_state(day_one):
    main = next(iter(load_metadata(day_one)["databases"]["linkcheck"]["queries"]))
    assert main == "failing_citations"
    found = rows(day_one, "/linkcheck/failing_citations.json")
    assert {(r["url"], r["verdict"], r["state"]) for r in found} == {
        (DEAD, "dead", "failing since today, 1 of 3 checks"),
        (MALFORMED, "invalid", "broken since today, failing since today, 1 check")}
    assert [r["url"] for r in rows(day_one, "/linkcheck/broken_citations.json")] == [MALFORMED]


def test_blocked_citations_have_a_query_of_their_own(day_one):
    found = rows(day_one, "/linkcheck/blocked_citations.json")
    assert [(r["url"], r["status"]) for r in found] == [(WALL, 403)]
    assert found[0]["rule_explained"] == RULES[Verdict.BLOCKED].explanation


def test_failing_state_after_two_checks_and_when_broken(db):
    states = [r["state"] for r in rows(db, "/linkcheck.json?sql=select+state+from+latest_citation_verdicts"
                                           "+where+url+=+:url&url=" + DEAD)]
    assert states == ["broken since 2026-01-08, failing since 2026-01-05, 4 checks"]


def test_canned_queries_link_each_row_to_its_citation_check_page(db):
    page = get(db, "/linkcheck/broken_citations")
    assert page.status_code == 200
    evidence = re.search(r'href="(/-/linkcheck/linkcheck/citation/\d+)"', page.text)
    assert evidence, page.text
    assert get(db, evidence.group(1)).status_code == 200


def _latest_citation_check(path: Path, url: str) -> int:
    found = rows(path, "/linkcheck.json?sql=select+citation_check_id+from+latest_citation_verdicts+where+url+=+:url"
                       "&url=" + url)
    return found[0]["citation_check_id"]


def test_citation_check_page_shows_the_verdict_the_reason_and_the_rule_in_words(db):
    page = get(db, f"/-/linkcheck/linkcheck/citation/{_latest_citation_check(db, DRIFT)}")
    assert page.status_code == 200
    assert 'data-verdict="drifted"' in page.text
    assert "drifted because test says so" in page.text
    assert RULES[Verdict.DRIFTED].explanation in html.unescape(page.text)


def test_citation_check_page_highlights_each_hit_and_lists_the_missing(db):
    page = get(db, f"/-/linkcheck/linkcheck/citation/{_latest_citation_check(db, DRIFT)}")
    found = page.text[page.text.index('class="found"'):page.text.index('class="missing"')]
    missing = page.text[page.text.index('class="missing"'):]
    assert "<h3>Kim Jong Un</h3>" in found and "<mark>Kim</mark>" in found
    assert "<li>Nordkorea</li>" in missing.split("</section>")[0]


def test_citation_check_page_links_the_previous_check_the_rows_and_the_snapshot(db):
    check_id = _latest_citation_check(db, OK)
    page = get(db, f"/-/linkcheck/linkcheck/citation/{check_id}")
    previous = re.search(r'class="previous" href="(/-/linkcheck/linkcheck/citation/(\d+))"', page.text)
    assert previous and int(previous.group(2)) < check_id
    for table in ("runs", "links", "checks", "snapshots", "page_texts", "articles", "citations"):
        assert f'href="/linkcheck/{table}/' in page.text, table
    archived = re.search(r'href="(/-/linkcheck/linkcheck/snapshot/\d+)"', page.text)
    assert archived and get(db, archived.group(1)).status_code == 200
    assert get(db, archived.group(1) + "/raw").status_code == 200


def test_citation_check_page_shows_the_text_diff_since_the_previous_check(db):
    page = get(db, f"/-/linkcheck/linkcheck/citation/{_latest_citation_check(db, OK)}")
    assert '<span class="diff-added">+' in page.text
    assert "&lt;script&gt;alert" in page.text and "<script>alert" not in page.text


def test_citation_check_page_of_an_unknown_check_is_not_found(db):
    assert get(db, "/-/linkcheck/linkcheck/citation/999999").status_code == 404
    assert get(db, "/-/linkcheck/linkcheck/snapshot/999999").status_code == 404
    assert get(db, "/-/linkcheck/nosuchdb/citation/1").status_code == 404


def test_archived_page_is_served_as_html_under_a_sandbox_that_runs_no_script(db):
    snapshot = rows(db, "/linkcheck.json?sql=select+id+from+snapshots+where+body+is+not+null+order+by+id+desc")
    for row in snapshot:
        page = get(db, f"/-/linkcheck/linkcheck/snapshot/{row['id']}")
        if b"<script>" in page.content:
            break
    else:
        pytest.fail("no snapshot with a script in the fixture")
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "allow-scripts" not in policy
    assert "default-src 'none'" in policy and page.headers["x-content-type-options"] == "nosniff"


def test_raw_snapshot_is_plain_text_under_the_same_policy(db):
    page = get(db, "/-/linkcheck/linkcheck/snapshot/1/raw")
    assert page.headers["content-type"].startswith("text/plain")
    assert page.headers["content-security-policy"] == ARCHIVED_PAGE_CSP
    assert page.content.startswith(b"<html>")


@pytest.mark.parametrize("body, content_type, shown_as", [
    (b"<!doctype html><p>Hi</p>", "text/html; charset=ISO-8859-1", "text/html; charset=ISO-8859-1"),
    (b"<html><p>Hi</p></html>", "application/octet-stream", "text/html"),
    (b"%PDF-1.7 ...", "application/pdf", "application/octet-stream"),
    (b"plain words", "text/plain", "text/plain"),
    (b"<p>x</p>", 'text/html; charset="utf-8"; x=<script>', "text/html; charset=utf-8"),
])
def test_archived_page_content_types(body, content_type, shown_as):
    assert archived_page_content(body, content_type) == (body, shown_as)


@pytest.mark.parametrize("text, surface, offset, stored, expected", [
    ("Kim Jong Un besucht Nordkorea.", "Nordkorea", 20, "", Snippet("Kim Jong Un besucht ", "Nordkorea", ".")),
    ("Heute:\n\nKim  in Seoul", "Kim", 8, "", Snippet("Heute: ", "Kim", " in Seoul")),
    ("x" * 200 + " Kim " + "y" * 200, "Kim", 201, "", Snippet("…" + "x" * 47 + " ", "Kim", " " + "y" * 47 + "…")),
    ("changed text", "Kim", 3, "… sagte Kim gestern …", Snippet("… sagte ", "Kim", " gestern …")),
    ("", "Kim", 0, "… sagte kim gestern …", Snippet("… sagte ", "kim", " gestern …")),
    ("", "Kim", None, "no hit here", Snippet("no hit here", "", "")),
])
def test_highlight(text, surface, offset, stored, expected):
    assert highlight(text, surface, offset, stored) == expected


def test_serve_brings_an_older_archive_up_to_date_first(tmp_path):
    path = tmp_path / "linkcheck.db"
    old = sqlite_utils.Database(path)
    for step in schema.MIGRATIONS[:3]:
        step(old)
    old.execute("PRAGMA user_version = 3")
    old.close()
    bring_up_to_date(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert conn.execute("select count(*) from blocked_citations").fetchone() == (0,)


def test_every_column_of_the_editor_views_is_described_and_no_description_is_stale(db):
    tables = load_metadata(db)["databases"]["linkcheck"]["tables"]
    archive = sqlite_utils.Database(db)
    for name in ("latest_citation_verdicts", "broken_citations", "failing_citations", "blocked_citations",
                 "unsupported_sources", "citations_to_repair"):
        assert set(tables[name]["columns"]) == {c.name for c in archive[name].columns}, name
    for name, table in tables.items():
        assert set(table.get("columns", {})) <= {c.name for c in archive[name].columns}, name


def test_column_descriptions_show_on_the_view_page(db):
    page = get(db, "/linkcheck/latest_citation_verdicts")
    assert "<dt>state</dt>" in page.text and "failing since today, 1 of 3 checks" in html.unescape(page.text)


def test_citation_check_page_of_a_url_never_fetched_says_so(day_one):
    page = get(day_one, f"/-/linkcheck/linkcheck/citation/{_latest_citation_check(day_one, MALFORMED)}")
    assert page.status_code == 200 and 'data-verdict="invalid"' in page.text
    assert "no snapshot" in page.text and "this is the first check" in page.text
    assert "Nothing to compare" in page.text


def test_citation_check_page_says_when_the_text_did_not_change(db):
    page = get(db, f"/-/linkcheck/linkcheck/citation/{_latest_citation_check(db, DRIFT)}")
    assert "The main text is the same as at the previous check." in page.text
