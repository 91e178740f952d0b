"""Datasette on the archive: every canned query and view answers, and no archived HTML renders."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from datasette.app import Datasette

from linkcheck import schema
from linkcheck.archive import Archive, ArchiveError
from linkcheck.config import Config
from linkcheck.serve import cell_rendering_plugins, datasette_command, load_metadata, serve
from linkcheck.serve_pages import PLUGIN_DIR, PLUGIN_NAME, TEMPLATE_DIR
from linkcheck.verdict import Verdict

from archive_fakes import ENTITIES, article, day, result

OK = "https://news.example/kim"
DEAD = "https://dead.example/gone"
DRIFT = "https://drift.example/story"
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
