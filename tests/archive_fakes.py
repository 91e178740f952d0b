"""Small hand-made pipeline results for the archive, WARC and Datasette tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from linkcheck.article import Article, CitedUrl
from linkcheck.config import Config
from linkcheck.entities import Entity, EntityKind
from linkcheck.fetch import FetchError, FetchResult, Hop
from linkcheck.match import Match, Mention
from linkcheck.page import PageKind, PageText
from linkcheck.verdict import CitationResult, Decision, LinkResult, Rule, Verdict

T0 = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    """T0 plus n days: runs are spaced in days so history rules apply."""
    return T0 + timedelta(days=n)


def article(path: str = "articles/kim.md", urls: tuple[str, ...] = ("https://news.example/kim",),
            title: str = "Kim trifft Putin", text: str = "v1") -> Article:
    cited = tuple(CitedUrl(u, None if u.startswith("http") else "not an http(s) URL") for u in urls)
    return Article(path=path, title=title, date=date(2026, 1, 2), body=f"Body {text}",
                   cited_urls=cited, content_hash=hashlib.sha256(f"{path}{text}".encode()).hexdigest())


ENTITIES = (
    Entity("Kim Jong Un", EntityKind.PERSON, 3.0, ("Kim",)),
    Entity("Nordkorea", EntityKind.PLACE, 2.0, ("North Korea", "nordkoreanisch")),
)


def fetch(url: str, status: int | None = 200, body: bytes = b"<html><p>Kim in Nordkorea</p></html>",
          at: datetime = T0, chain: tuple[Hop, ...] | None = None,
          headers: tuple[tuple[str, str], ...] | None = None,
          error: FetchError | None = None, remote_ip: str | None = "192.0.2.10") -> FetchResult:
    if headers is None:
        headers = (("content-type", "text/html; charset=utf-8"), ("content-encoding", "gzip"),
                   ("transfer-encoding", "chunked"), ("server", "fake"))
    if chain is None:
        chain = (Hop(url, status),) if status is not None else ()
    return FetchResult(url=url, final_url=chain[-1].url if chain else url, status=status,
                       chain=chain, headers=headers if status is not None else (),
                       body=body if status is not None else b"", truncated=False, error=error,
                       error_detail=str(error or ""), started_at=at, elapsed=0.25, attempts=1,
                       remote_ip=remote_ip if status is not None else None, http_version="HTTP/1.1")


def page(main_text: str = "Kim Jong Un besucht Nordkorea.", title: str = "Kim in Pjöngjang") -> PageText:
    return PageText(kind=PageKind.HTML, title=title, main_text=main_text, charset="utf-8",
                    language="de", canonical_url=None, meta_refresh_url=None, not_found_cues=(),
                    bot_wall_cues=(), paywall=False)


def match(found: tuple[str, ...] = ("Kim Jong Un", "Nordkorea"), missing: tuple[str, ...] = ()) -> Match:
    mentions = tuple(Mention(name, name.split()[0], "main", 0, f"… {name} …") for name in found)
    score = len(found) / max(len(found) + len(missing), 1)
    return Match(found=found, missing=missing, mentions=mentions, score=score, supports=not missing)


# One rule of each verdict.
RULES = {verdict: next(rule for rule in Rule if rule.verdict is verdict) for verdict in Verdict}


def result(url: str, verdict: Verdict = Verdict.OK, at: datetime = T0,
           articles: tuple[Article, ...] | None = None, main_text: str | None = None,
           body: bytes | None = None, status: int | None = None,
           chain: tuple[Hop, ...] | None = None) -> LinkResult:
    """A LinkResult for `url` as seen at `at`, with `verdict` for every citing article."""
    articles = articles or (article(urls=(url,)),)
    if verdict is Verdict.INVALID:
        f, p, m = None, None, None
    elif verdict is Verdict.UNREACHABLE:
        f, p, m = fetch(url, None, at=at, error=FetchError.TIMEOUT), None, None
    else:
        if status is None:
            status = {Verdict.DEAD: 404, Verdict.BLOCKED: 403}.get(verdict, 200)
        text = main_text if main_text is not None else "Kim Jong Un besucht Nordkorea."
        f = fetch(url, status, body=body if body is not None else f"<p>{text}</p>".encode(),
                  at=at, chain=chain)
        p = page(text)
        m = match() if verdict is Verdict.OK else match(("Kim Jong Un",), ("Nordkorea",))
    decision = Decision(RULES[verdict], f"{verdict.value} because test says so")
    citations = tuple(CitationResult(a, next(c for c in a.cited_urls if c.url == url), decision, m)
                      for a in articles)
    return LinkResult(url=url, fetch=f, page=p, citations=citations)


def one_run(archive, *results: LinkResult, network_up: bool = True) -> int:
    """A whole run over `results` (with the default Config); returns its id."""
    run_id = archive.start_run(Config(), ["articles"])
    for link_result in results:
        archive.record_link(run_id, link_result)
    archive.finish_run(run_id, None, network_up)
    return run_id


def rows(archive, sql: str, params=()) -> list[dict]:
    """The rows `sql` selects from the archive, as dicts."""
    return [dict(r) for r in archive.db.query(sql, params)]
