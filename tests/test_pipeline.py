"""pipeline.verify in-process, with httpx.MockTransport standing in for the web."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections import Counter
from pathlib import Path

import httpx
import pytest

from linkcheck.archive import Archive
from linkcheck.config import Config
from linkcheck import worker
from linkcheck.pipeline import _read_spools, load_articles, round_robin_by_host, verify
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


def test_many_articles_are_read_by_several_loaders_in_order_and_each_error_is_reported_once(tmp_path):
    folder = tmp_path / "articles"
    for n in range(250):
        write_article(folder, f"a{n:03d}.txt", [f"https://news.example/{n}"])
    (folder / "broken.txt").write_bytes(b"")
    errors, warnings = [], []

    articles = load_articles([folder, tmp_path / "missing"], errors.append, warnings.append, loaders=2)

    assert [a.path for a, _ in articles] == [str(folder / f"a{n:03d}.txt") for n in range(250)]
    assert [a.cited_urls[0].url for a, _ in articles[:2]] == ["https://news.example/0", "https://news.example/1"]
    assert all(entities for _, entities in articles)
    assert len(errors) == 2 and "broken.txt" in errors[0] and "missing" in errors[1]


LOAD_ARTICLE = worker._load_article


def load_counting_reads(paths: list[Path], cache: Path, monkeypatch) -> tuple[list, list[str]]:
    """Articles as one loader reads them in-process with `cache`, and the files it read afresh."""
    read = []

    def counted(file: Path):
        read.append(file.name)
        return LOAD_ARTICLE(file)

    monkeypatch.setattr(worker, "_load_article", counted)
    spool = worker.load_articles_spooled(paths, cache=cache)
    return list(_read_spools([spool], pytest.fail, lambda warning: None)), read


def test_unchanged_articles_come_from_the_cache_and_changed_ones_are_read_again(tmp_path, monkeypatch):
    folder, cache = tmp_path / "articles", tmp_path / "archive.db-article-cache"
    for name in ("a.txt", "b.txt", "c.txt"):
        write_article(folder, name, [f"https://news.example/{name}"])
    first, read_first = load_counting_reads([folder], cache, monkeypatch)
    write_article(folder, "b.txt", ["https://news.example/b-corrected"])

    second, read_second = load_counting_reads([folder], cache, monkeypatch)

    assert read_first == ["a.txt", "b.txt", "c.txt"] and read_second == ["b.txt"]
    assert second[0] == first[0] and second[2] == first[2]
    assert second[1][0].cited_urls[0].url == "https://news.example/b-corrected"


def test_a_cached_article_keeps_the_path_given_this_time(tmp_path, monkeypatch):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    cache = tmp_path / "cache"
    monkeypatch.chdir(tmp_path)
    load_counting_reads([Path("articles")], cache, monkeypatch)

    [(article, _)], read = load_counting_reads([tmp_path / "articles"], cache, monkeypatch)

    assert read == [] and article.path == str(tmp_path / "articles" / "a.txt")


def test_a_new_linkcheck_reads_every_article_again(tmp_path, monkeypatch):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    cache = tmp_path / "cache"
    load_counting_reads([tmp_path / "articles"], cache, monkeypatch)
    monkeypatch.setattr(worker, "_code_fingerprint", lambda: "other code")

    _, read = load_counting_reads([tmp_path / "articles"], cache, monkeypatch)

    assert read == ["a.txt"]


def test_a_cache_that_cannot_be_used_costs_nothing_but_time(tmp_path, monkeypatch):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    not_a_database = tmp_path / "cache"
    not_a_database.write_bytes(b"these bytes are no SQLite database" * 100)

    for _ in range(2):
        (article, entities), = load_counting_reads([tmp_path / "articles"], not_a_database, monkeypatch)[0]
        assert article.cited_urls[0].url == "https://news.example/a" and entities
    assert not_a_database.read_bytes().startswith(b"these bytes")


def test_a_run_keeps_its_article_cache_beside_the_archive(tmp_path):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])

    run(tmp_path, lambda request: httpx.Response(404), Config(allow_private=True, workers=1))

    with sqlite3.connect(tmp_path / "archive.db-article-cache") as cache:
        cached = [path for (path,) in cache.execute("SELECT path FROM articles")]
    assert cached == [str(tmp_path / "articles" / "a.txt")]
