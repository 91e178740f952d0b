"""The archive as an editor sees it, built by real `linkcheck verify` runs against a local server."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlite_utils
from datasette.app import Datasette
from warcio.checker import Checker

from linkcheck.serve import load_metadata

from .local_server import local_web, page
from .test_verify_e2e import SITE, scholz_article

STORY = (SITE / "story.html").read_bytes()
CHANGED_STORY = STORY.replace(b"weitere 1500 Flugabwehrraketen", b"weitere 2500 Flugabwehrraketen und Panzer")


def linkcheck(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "linkcheck", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def canned(db: Path, path: str) -> list[dict]:
    """Rows of a Datasette page (canned query or view), through Datasette's own client."""
    async def fetch():
        return await Datasette([str(db)], metadata=load_metadata(db)).client.get(path)
    separator = "&" if "?" in path else "?"
    path = f"{path}{separator}_shape=array"
    response = asyncio.run(fetch())
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two runs a few seconds apart; the story page changes in between, the gone page stays gone."""
    work = tmp_path_factory.mktemp("archive_e2e")
    # Let two failed runs make a link broken, so the broken view fills within one test.
    (work / "linkcheck.toml").write_text("failures_to_break = 2\nbroken_after_days = 0\n")
    with local_web(("127.0.0.7",)) as web:
        web.routes.update({"/politik/scholz-macron-paris-123.html": page(STORY),
                           "/politik/elbe-hochwasser.html": page((SITE / "other-story.html").read_bytes())})
        urls = {"story": web.url("/politik/scholz-macron-paris-123.html"),
                "drifted": web.url("/politik/elbe-hochwasser.html"),
                "gone": web.url("/politik/geloescht.html")}
        scholz_article(work / "articles", urls.values())
        db = work / "archive" / "linkcheck.db"
        args = ("verify", "articles", "--allow-private", "--quiet", "--timeout", "5", "--retries", "0",
                "--repair", "off")
        first = linkcheck(work, *args)
        web.routes["/politik/scholz-macron-paris-123.html"] = page(CHANGED_STORY)
        second = linkcheck(work, *args)
    assert (first.returncode, second.returncode) == (1, 1), first.stderr + second.stderr
    return SimpleNamespace(work=work, db=db, urls=urls)


def test_second_run_adds_checks_and_only_the_changed_body(two_runs):
    archive = sqlite_utils.Database(two_runs.db)
    assert archive["runs"].count == 2
    assert archive["checks"].count == 6
    bodies = archive.execute("select count(*) from snapshots").fetchone()[0]
    distinct_bodies_seen = archive.execute("select count(distinct snapshot_id) from checks").fetchone()[0]
    assert bodies == distinct_bodies_seen == 4  # story twice (changed), drifted page, 404 page
    assert archive.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_broken_citations_query_lists_the_gone_page(two_runs):
    rows = canned(two_runs.db, "/linkcheck/broken_citations.json")
    assert [row["url"] for row in rows] == [two_runs.urls["gone"]]


def test_unsupported_sources_query_lists_the_drifted_page(two_runs):
    rows = canned(two_runs.db, "/linkcheck/unsupported_sources.json")
    assert [row["url"] for row in rows] == [two_runs.urls["drifted"]]
    assert "Olaf Scholz" in rows[0]["missing"]


def test_changed_since_last_run_query_lists_the_changed_story(two_runs):
    rows = canned(two_runs.db, "/linkcheck/changed_since_last_run.json")
    assert [row["url"] for row in rows] == [two_runs.urls["story"]]


def test_url_history_query_has_one_row_per_run(two_runs):
    rows = canned(two_runs.db, f"/linkcheck/url_history.json?url={two_runs.urls['story']}")
    assert [row["verdict"] for row in rows] == ["ok", "ok"]


def test_search_query_finds_archived_text(two_runs):
    rows = canned(two_runs.db, "/linkcheck/search.json?q=Flugabwehrraketen")
    assert {row["url"] for row in rows} == {two_runs.urls["story"]}


@pytest.mark.parametrize("view", ["latest_citation_verdicts", "broken_citations", "failing_citations",
                                  "unsupported_sources", "changed_links", "link_history"])
def test_every_view_answers_in_datasette(two_runs, view):
    rows = canned(two_runs.db, f"/linkcheck/{view}.json")
    assert rows, f"view {view} is empty after two runs with ok, drifted, dead and changed links"


def test_diff_command_shows_what_changed(two_runs):
    completed = linkcheck(two_runs.work, "diff", two_runs.urls["story"], "--db", str(two_runs.db))
    assert completed.returncode == 0, completed.stderr
    assert "-" in completed.stdout and "1500" in completed.stdout and "2500" in completed.stdout


def test_warc_export_passes_warcio_check(two_runs):
    out = two_runs.work / "snapshots.warc.gz"
    completed = linkcheck(two_runs.work, "export", "--warc", str(out), "--db", str(two_runs.db))
    assert completed.returncode == 0, completed.stderr
    assert Checker(SimpleNamespace(inputs=[str(out)], verbose=False)).process_all() == 0
