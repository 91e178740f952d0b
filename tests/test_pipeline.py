"""pipeline.verify in-process, with httpx.MockTransport standing in for the web."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
from collections import Counter
from pathlib import Path

import httpx
import pytest

from linkcheck.archive import Archive, ArchiveFull
from linkcheck.config import Config
from linkcheck.pipeline import round_robin_by_host, verify
from linkcheck.verdict import Verdict

STORY = (Path(__file__).parent / "fixtures" / "site" / "story.html").read_bytes()
ARTICLE = (Path(__file__).parent / "fixtures" / "article_fixture_site.txt").read_text()


def write_article(folder: Path, name: str, urls: list[str]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(ARTICLE.replace("{URLS}", " - ".join(urls)))


def name_not_found(request: httpx.Request) -> httpx.Response:
    try:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    except socket.gaierror as exc:
        raise httpx.ConnectError(str(exc), request=request) from exc


def run(tmp_path: Path, handler, config: Config):
    archive = Archive(tmp_path / "archive.db")
    results = []
    try:
        with archive.lock():
            outcome = asyncio.run(verify([tmp_path / "articles"], config, archive, results.append,
                                         transport=httpx.MockTransport(handler)))
    finally:
        archive.close()
    return outcome, results


def test_network_down_is_not_a_dead_link(tmp_path):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a", "https://other.example/b"])
    config = Config(network_canaries=("linkcheck-canary.invalid",), workers=1)

    outcome, results = run(tmp_path, name_not_found, config)

    assert not outcome.network_up
    assert {c.decision.verdict for r in results for c in r.citations} == {Verdict.UNREACHABLE}
    assert all(c.decision.rule == "network_down" for r in results for c in r.citations)


def test_unknown_host_is_dead_when_the_network_is_up(tmp_path):
    write_article(tmp_path / "articles", "a.txt", ["https://gone.example/a"])
    config = Config(network_canaries=("localhost",), workers=1)

    outcome, results = run(tmp_path, name_not_found, config)

    assert outcome.network_up
    assert results[0].decision.verdict is Verdict.DEAD


def test_url_cited_by_two_articles_is_fetched_once_and_judged_for_each(tmp_path):
    url = "https://news.example/politik/scholz-macron-paris-123.html"
    write_article(tmp_path / "articles", "a.txt", [url])
    write_article(tmp_path / "articles", "b.txt", [url])
    requests = Counter()

    def handler(request: httpx.Request) -> httpx.Response:
        requests[str(request.url)] += 1
        if request.url.path == "/politik/scholz-macron-paris-123.html":
            return httpx.Response(200, content=STORY, headers={"content-type": "text/html; charset=utf-8"})
        return httpx.Response(404)

    outcome, results = run(tmp_path, handler, Config(allow_private=True, workers=1))

    assert requests[url] == 1
    assert len(results) == 1 and len(results[0].citations) == 2
    assert outcome.counts[Verdict.OK] == 2 and outcome.all_ok


def test_invalid_url_is_judged_without_a_request(tmp_path):
    write_article(tmp_path / "articles", "a.txt", ["htp://news.example/a"])

    def handler(request: httpx.Request) -> httpx.Response:
        pytest.fail(f"no request expected, got {request.url}")

    outcome, results = run(tmp_path, handler, Config(workers=1))

    assert results[0].decision.verdict is Verdict.INVALID
    assert outcome.counts[Verdict.INVALID] == 1


def test_round_robin_puts_different_hosts_next_to_each_other():
    urls = [f"https://a.example/{i}" for i in range(3)] + ["https://b.example/0", "https://c.example/0"]
    ordered = round_robin_by_host(urls)
    assert ordered[:3] == ["https://a.example/0", "https://b.example/0", "https://c.example/0"]
    assert sorted(ordered) == sorted(urls)


def test_each_citation_knows_its_place_in_the_article(tmp_path):
    urls = ["https://news.example/a", "https://news.example/b", "https://news.example/c"]
    write_article(tmp_path / "articles", "a.txt", urls)

    _, results = run(tmp_path, lambda request: httpx.Response(404), Config(allow_private=True, workers=1))

    positions = {r.url: r.citations[0].position for r in results}
    assert positions == {url: place for place, url in enumerate(urls, 1)}


def test_a_run_keeps_its_article_cache_beside_the_archive(tmp_path):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])

    run(tmp_path, lambda request: httpx.Response(404), Config(allow_private=True, workers=1))

    with sqlite3.connect(tmp_path / "archive.db-article-cache") as cache:
        cached = [os.fsdecode(path) for (path,) in cache.execute("SELECT path FROM entries")]
    assert cached == [str(tmp_path / "articles" / "a.txt")]


HOME = (Path(__file__).parent / "fixtures" / "site" / "home.html").read_bytes()
CITED = "https://news.example/politik/scholz-macron-paris-123.html"


def refresh_to(target: str, delay: int = 0) -> bytes:
    return (f"<html><head><meta http-equiv='refresh' content='{delay}; url={target}'></head>"
            "<body><p>Weiter</p></body></html>").encode()


def script_to(target: str) -> bytes:
    return f"<html><head><script>window.location.href = '{target}';</script></head><body></body></html>".encode()


def site(routes: dict[str, bytes]):
    def handler(request: httpx.Request) -> httpx.Response:
        body = routes.get(request.url.path)
        if body is None:
            return httpx.Response(404)
        return httpx.Response(200, content=body, headers={"content-type": "text/html; charset=utf-8"})
    return handler


def judged_link(tmp_path: Path, routes: dict[str, bytes], config: Config | None = None):
    write_article(tmp_path / "articles", "a.txt", [CITED])
    _, results = run(tmp_path, site(routes), config or Config(allow_private=True, workers=1, probe_soft_404=False))
    (result,) = results
    return result


def test_meta_refresh_to_the_same_story_at_a_new_path_is_followed_and_ok(tmp_path):
    result = judged_link(tmp_path, {"/politik/scholz-macron-paris-123.html": refresh_to("/neu/scholz-macron.html"),
                                    "/neu/scholz-macron.html": STORY})
    assert result.decision.rule == "entities_found", result.decision.reason
    assert result.fetch.final_url == "https://news.example/neu/scholz-macron.html"
    assert [(hop.url, hop.status, hop.location) for hop in result.fetch.chain] == [
        (CITED, 200, "https://news.example/neu/scholz-macron.html"),
        ("https://news.example/neu/scholz-macron.html", 200, None)]


def test_script_redirect_to_the_home_page_is_a_move(tmp_path):
    result = judged_link(tmp_path, {"/politik/scholz-macron-paris-123.html": script_to("/"), "/": HOME})
    assert result.decision.rule == "meta_refresh_to_home", result.decision.reason
    assert result.fetch.final_url == "https://news.example/" and len(result.fetch.chain) == 2


def test_refresh_after_an_http_redirect_is_one_chain(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/politik/scholz-macron-paris-123.html":
            return httpx.Response(301, headers={"location": "/alt/scholz.html"})
        return site({"/alt/scholz.html": refresh_to("/"), "/": HOME})(request)

    write_article(tmp_path / "articles", "a.txt", [CITED])
    _, (result,) = run(tmp_path, handler, Config(allow_private=True, workers=1, probe_soft_404=False))
    assert [hop.status for hop in result.fetch.chain] == [301, 200, 200]
    assert result.decision.rule == "meta_refresh_to_home", result.decision.reason


def test_refreshes_that_go_round_are_a_redirect_loop(tmp_path):
    result = judged_link(tmp_path, {"/politik/scholz-macron-paris-123.html": refresh_to("/b.html"),
                                    "/b.html": refresh_to("/politik/scholz-macron-paris-123.html")})
    assert result.decision.rule == "redirect_loop", result.decision.reason


def test_refreshes_count_against_max_redirects(tmp_path):
    routes = {f"/{n}.html": refresh_to(f"/{n + 1}.html") for n in range(10)}
    routes["/politik/scholz-macron-paris-123.html"] = refresh_to("/0.html")
    config = Config(allow_private=True, workers=1, probe_soft_404=False, max_redirects=3)
    result = judged_link(tmp_path, routes, config)
    assert result.decision.rule == "too_many_redirects", result.decision.reason
    assert len(result.fetch.chain) == 4


def test_a_late_refresh_on_a_page_with_text_is_not_followed(tmp_path):
    late = STORY.replace(b"</head>", b"<meta http-equiv='refresh' content='600; url=/'></head>")
    result = judged_link(tmp_path, {"/politik/scholz-macron-paris-123.html": late, "/": HOME})
    assert result.decision.rule == "entities_found", result.decision.reason
    assert len(result.fetch.chain) == 1


def test_a_refresh_into_a_private_network_is_refused_like_a_redirect(tmp_path):
    result = judged_link(tmp_path, {"/politik/scholz-macron-paris-123.html": refresh_to("http://127.0.0.1/admin")},
                         Config(workers=1, probe_soft_404=False))
    assert result.decision.rule == "private_address", result.decision.reason


def test_excluded_links_are_not_fetched_and_get_a_row_that_says_so(tmp_path):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a", "https://twitter.com/x/status/1"])
    fetched: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        return httpx.Response(404)

    config = Config(allow_private=True, workers=1, probe_soft_404=False, repair="off", exclude=(r"twitter\.com",))
    outcome, results = run(tmp_path, handler, config)
    by_url = {r.url: r.decision for r in results}
    assert by_url["https://twitter.com/x/status/1"].verdict is Verdict.EXCLUDED
    assert by_url["https://twitter.com/x/status/1"].reason == r"not checked: exclude pattern: 'twitter\\.com'"
    assert fetched == ["https://news.example/a"]
    with sqlite3.connect(tmp_path / "archive.db") as db:
        assert db.execute("SELECT verdict, status FROM checks c JOIN links l ON l.id = c.link_id "
                          "WHERE l.url LIKE '%twitter%'").fetchall() == [("excluded", None)]


def test_a_run_whose_only_other_links_are_excluded_is_all_ok(tmp_path):
    write_article(tmp_path / "articles", "a.txt", ["https://twitter.com/x/status/1"])
    config = Config(allow_private=True, workers=1, repair="off", include=("^https://news",))
    outcome, (result,) = run(tmp_path, lambda request: httpx.Response(500), config)
    assert result.decision.reason == "not checked: matches no include pattern" and outcome.all_ok


@pytest.mark.parametrize(("accept", "rule"), [
    ((("", 999),), "accepted_status"),
    ((("news.example", 999),), "accepted_status"),        # the host itself
    ((("example", 999),), "accepted_status"),             # a domain above it
    ((("other.example", 999),), "http_5xx"),
    ((("", 403),), "http_5xx"),
])
def test_accepted_statuses_are_blocked_not_failing(tmp_path, accept, rule):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    config = Config(allow_private=True, workers=1, probe_soft_404=False, repair="off", accept=accept, retries=0)
    _, (result,) = run(tmp_path, lambda request: httpx.Response(999), config)
    assert result.decision.rule == rule, result.decision.reason
    if rule == "accepted_status":
        assert result.decision.verdict is Verdict.BLOCKED
        assert result.decision.reason == "HTTP 999 at https://news.example/a, accepted for this host"


def test_a_page_nested_too_deep_is_unreachable_by_its_budget_and_the_run_goes_on(tmp_path):
    good, deep = "https://news.example/politik/scholz-macron-paris-123.html", "https://deep.example/a"
    write_article(tmp_path / "articles", "a.txt", [good, deep])
    nested = b"<html><body>" + b"<div>" * 100_000 + b"</body></html>"

    def handler(request: httpx.Request) -> httpx.Response:
        body = nested if request.url.host == "deep.example" else STORY
        status = 200 if request.url.path in ("/a", "/politik/scholz-macron-paris-123.html") else 404
        return httpx.Response(status, content=body, headers={"content-type": "text/html; charset=utf-8"})

    outcome, results = run(tmp_path, handler, Config(workers=1, repair="off"))

    by_url = {r.url: r.decision for r in results}
    assert by_url[deep].rule == "page_budget" and by_url[deep].verdict is Verdict.UNREACHABLE
    assert "more than 1,000 deep" in by_url[deep].reason
    assert by_url[good].verdict is Verdict.OK


def test_an_article_the_archive_refuses_costs_the_others_nothing(tmp_path, monkeypatch):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    write_article(tmp_path / "articles", "b.txt", ["https://news.example/b"])
    add_article = Archive.add_article

    def refuse_a(self, article, entities):
        if article.path.endswith("a.txt"):
            raise sqlite3.IntegrityError("UNIQUE constraint failed: entities.article_id, entities.name")
        return add_article(self, article, entities)

    monkeypatch.setattr(Archive, "add_article", refuse_a)
    outcome, results = run(tmp_path, lambda request: httpx.Response(404), Config(allow_private=True, workers=1))

    assert [r.url for r in results] == ["https://news.example/b"]
    assert len(outcome.input_errors) == 1 and "a.txt: cannot be stored in the archive" in outcome.input_errors[0]


def test_a_commit_that_fails_while_the_run_waits_stops_the_run_with_that_error(tmp_path, monkeypatch):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/quick", "https://slow.example/wait"])

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "slow.example":
            await asyncio.sleep(60)  # far longer than the run may wait once its disk is full
        return httpx.Response(404)

    def disk_full(self):
        raise ArchiveFull("the disk holding the archive is full: the run stopped; 1 check(s) of run 1 are kept")

    monkeypatch.setattr(Archive, "commit_pending", disk_full)
    with pytest.raises(ArchiveFull, match="1 check\\(s\\) of run 1 are kept"):
        run(tmp_path, handler, Config(allow_private=True, workers=1, timeout=120, probe_soft_404=False))
