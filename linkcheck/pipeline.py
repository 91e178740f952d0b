"""Run the pipeline: articles -> entities -> fetch -> page text -> match -> verdict -> archive."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sqlite3
import string
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from .archive import Archive, ArchiveError
from .article import Article, CitedUrl
from .article_loader import ArticleBudget, load_articles
from .config import Config
from .entities import Entity
from .fetch import Fetcher, FetchError, FetchResult, host_key, network_is_up
from .link_filter import LinkFilter, link_filter
from .match import Match, judge_claim
from .page import PageText
from .page_budget import PageBudgetExceeded, PageLimits
from .page_workers import PageWorkers
from .repair import Read, RepairSettings, find_replacement
from .repair.captures import Get
from .repair.save import credentials_problem, save_page_now
from .verdict import CitationResult, Decision, LinkResult, NotFoundProbe, Rule, Verdict, decide, refresh_hop

_TRANSPORT_FAILURES = {FetchError.DNS, FetchError.CONNECT, FetchError.TIMEOUT, FetchError.RESET}


@dataclass(frozen=True, slots=True)
class Citation:
    """An article citing a URL, with what is needed to judge the page for that article."""

    article: Article              # without its body (see load_articles)
    cited: CitedUrl
    entities: tuple[Entity, ...]
    position: int                 # 1-based place in the article's sources

    def judged(self, decision: Decision, match: Match | None = None) -> CitationResult:
        return CitationResult(self.article, self.cited, decision, match, self.position, entities=self.entities)


@dataclass
class RunOutcome:
    """What a run did, for the summary line and the exit status."""

    run_id: int | None
    articles: int = 0
    skipped_recent: int = 0
    # What the archive knows of the skipped citations. Out of the repr: asyncio.run builds the repr of
    # its finished main task, whose result this is, when it restores the SIGINT handler (Python 3.11's
    # signal.getsignal formats a ValueError with it); for 100,000 skipped citations that was 300 MB.
    skipped: list[dict] = field(default_factory=list, repr=False)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    input_errors: list[str] = field(default_factory=list)
    network_up: bool = True

    @property
    def citations(self) -> int:
        return sum(self.counts.values())

    @property
    def skipped_counts(self) -> Counter[str]:
        """Skipped citations per verdict of their latest check."""
        return Counter(row["verdict"] for row in self.skipped)

    @property
    def all_ok(self) -> bool:
        """Every citation ok (or excluded): those checked now and, as last checked, those skipped."""
        return all(verdict in (Verdict.OK, Verdict.EXCLUDED)
                   for verdict, n in (*self.counts.items(), *self.skipped_counts.items()) if n)


async def verify(
    paths: Sequence[Path],
    config: Config,
    archive: Archive,
    on_result: Callable[[LinkResult], None] = lambda result: None,
    on_error: Callable[[str], None] = lambda message: None,
    transport: httpx.AsyncBaseTransport | None = None,
    on_start: Callable[[int], None] = lambda links: None,
) -> RunOutcome:
    """Check every URL cited by the articles under `paths` and archive what was seen; `on_start`
    is told how many links will be checked once the articles are read."""
    outcome = RunOutcome(run_id=None)
    # Before anything is read or a run is started: a bad pattern or request option stops at once.
    checked_links = link_filter(config)
    fetcher = Fetcher(config, transport)

    def input_error(message: str) -> None:
        outcome.input_errors.append(message)
        on_error(message)

    articles = load_articles(paths, input_error, on_error, config.workers, archive.article_cache_path,
                             ArticleBudget(config.max_article_bytes, config.article_cpu_seconds),
                             while_waiting=archive.heartbeat)
    outcome.articles = len(articles)
    # A run killed part-way over the same inputs is picked up where it stopped.
    run_id = archive.start_run(config, [str(p) for p in paths], resume=True)
    outcome.run_id = run_id
    already_checked = archive.checked_urls(run_id)

    citations_by_url: dict[str, list[Citation]] = defaultdict(list)
    with archive.batched():
        for article, entities in articles:
            try:
                archive.add_article(article, entities)
            except sqlite3.IntegrityError as exc:  # one article's data must not cost the others their check
                input_error(f"{article.path}: cannot be stored in the archive ({exc}); its links are not checked")
                continue
            for position, cited in enumerate(article.cited_urls, 1):
                citations_by_url[cited.url].append(Citation(article, cited, entities, position))
    del articles

    # Excluded links get their row in every run, however recently they were 'checked'.
    excluded = list(_excluded_results(citations_by_url, checked_links))
    for result in excluded:
        del citations_by_url[result.url]
    skip = set(already_checked)
    if config.max_age is not None:
        skip |= archive.urls_checked_since(datetime.now(UTC) - timedelta(seconds=config.max_age))
    if skip:
        skipped = [(c.article.path, url) for url, cs in citations_by_url.items() if url in skip for c in cs]
        outcome.skipped_recent = len({url for _, url in skipped})
        outcome.skipped = archive.latest_verdicts(skipped)
        citations_by_url = {u: c for u, c in citations_by_url.items() if u not in skip}
    on_start(len(citations_by_url))

    limits = PageLimits(config.page_cpu_seconds, config.page_seconds, config.page_memory_mb, config.pdf_seconds)
    checker = _LinkChecker(config, PageWorkers(config.workers, limits))
    try:
        async with fetcher:
            checker.fetcher = fetcher
            repairs = _Repairs(config, fetcher, checker.read, archive, on_result, on_error)
            for result in _invalid_results(citations_by_url):
                _record(archive, run_id, result, outcome, repairs)
            for result in excluded:
                _record(archive, run_id, result, outcome, repairs)
            valid = {u: c for u, c in citations_by_url.items() if c[0].cited.is_valid}
            del citations_by_url  # check_all lets go of each link once it is done
            with archive.batched(), _committing_every(COMMIT_SECONDS, archive):
                async for result in checker.check_all(valid):
                    _record(archive, run_id, result, outcome, repairs)
                await repairs.finish()
            if checker.only_transport_failures and checker.fetched:
                outcome.network_up = await checker.network_up()
            else:
                outcome.network_up = checker.network_known_up is not False
    finally:
        await checker.page_workers.aclose()
    # Not reached when the run is interrupted: it stays 'running', and the next run resumes it.
    archive.finish_run(run_id, None, outcome.network_up)  # counted from the archive: resumed runs too
    return outcome


# Longest a reached verdict waits uncommitted, also while the run waits on a slow or stuck page.
COMMIT_SECONDS = 1.0


@contextlib.contextmanager
def _committing_every(seconds: float, archive: Archive) -> Iterator[None]:
    """Context manager: a timer on the running loop commits the archive's open batch every `seconds`.

    When a commit fails (a full disk), the run is stopped with that error, also while it waits."""
    run = asyncio.current_task()
    failure: list[ArchiveError] = []

    async def tick() -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                archive.commit_pending()
            except ArchiveError as exc:
                failure.append(exc)
                if run is not None:
                    run.cancel()
                return

    timer = asyncio.create_task(tick())
    try:
        yield
    except asyncio.CancelledError:
        if not failure:
            raise
        if run is not None:
            run.uncancel()
        raise failure[0] from None
    finally:
        timer.cancel()


def _record(archive: Archive, run_id: int, result: LinkResult, outcome: RunOutcome, repairs: _Repairs) -> None:
    check_id = archive.record_link(run_id, result)
    for citation in result.citations:
        outcome.counts[citation.decision.verdict] += 1
    repairs.start(check_id, result)


# Verdicts whose rule says no archive can help: the URL is not one, or nothing was reached at all.
_NOTHING_TO_REPAIR = frozenset({Rule.INVALID_URL, Rule.PRIVATE_ADDRESS, Rule.NETWORK_DOWN, Rule.EXCLUDED})


class _Repairs:
    """Archived replacements for the citations that need one, looked up while other links are
    checked; a link is reported (on_result) once its lookups are done, with what they found."""

    def __init__(self, config: Config, fetcher: Fetcher, read: Read, archive: Archive,
                 on_result: Callable[[LinkResult], None], on_error: Callable[[str], None]) -> None:
        self.config, self.archive = config, archive
        self._on_result, self._on_error = on_result, on_error
        self._get: Get = fetcher.fetch
        self._read = read
        self._settings = RepairSettings(config.archives, config.wayback_api, config.wayback_cdx,
                                        config.wayback_web, config.memento_timegates, config.max_captures)
        # Lookups wait in a queue for a fixed set of workers: thousands of waiting lookups cost a
        # queue entry each, not a coroutine with its retry state (the archives' politeness is the
        # real limit anyway).
        self._waiting: asyncio.Queue[tuple[int, LinkResult, list[CitationResult], bool] | None] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._today = datetime.now(UTC).date()
        self._saving = config.save_page_now
        if self._saving and (problem := credentials_problem(config.ia_access_key, config.ia_secret_key)):
            on_error(f"warning: {problem}; no page is submitted")
            self._saving = False

    def wanted(self, citation: CitationResult) -> bool:
        if self.config.repair == "off" or citation.decision.rule in _NOTHING_TO_REPAIR:
            return False
        return self.config.repair == "all" or citation.decision.verdict is not Verdict.OK

    def start(self, check_id: int, result: LinkResult) -> None:
        """Report `result` now, or once the lookups for its citations are done."""
        wanted = [c for c in result.citations if self.wanted(c)]
        saving = self._saving and result.fetch is not None and result.decision.verdict is Verdict.OK
        if not wanted and not saving:
            self._on_result(result)
            return
        # A waiting lookup must not hold the page: its body and text are archived already.
        light = replace(result, fetch=replace(result.fetch, body=b"") if result.fetch else None, page=None)
        self._waiting.put_nowait((check_id, light, wanted, saving))
        if not self._workers:
            lookups = max(4, 4 * self.config.per_host * len(self.config.archives))
            self._workers = [asyncio.create_task(self._work()) for _ in range(lookups)]

    async def _work(self) -> None:
        while (job := await self._waiting.get()) is not None:
            await self._repair(*job)

    async def finish(self) -> None:
        """Wait for the lookups still going."""
        for _ in self._workers:
            self._waiting.put_nowait(None)
        await asyncio.gather(*self._workers)
        self._workers = []

    async def _repair(self, check_id: int, result: LinkResult, wanted: list[CitationResult], saving: bool) -> None:
        try:
            if saving:
                request = await save_page_now(self._get, self.config.save_page_now_endpoint, result.url,
                                              self.config.ia_access_key, self.config.ia_secret_key)
                self.archive.record_save_request(check_id, request)
                if request.rate_limited:
                    self._saving = False
                    self._on_error(f"warning: {request.reason}; no more pages are submitted in this run")
            repaired = {}
            for citation in wanted:
                around = citation.article.date or self._today
                repair = await find_replacement(citation.cited.url, around, citation.entities, self._settings,
                                                self._get, self._read, citation.cited.claim_terms)
                self.archive.record_repair(check_id, citation, repair, around)
                repaired[id(citation)] = repair
            result = replace(result, citations=tuple(replace(c, repair=repaired.get(id(c))) for c in result.citations))
        except Exception as exc:  # a bug in a lookup must not cost the live verdict its report
            self._on_error(f"warning: archive lookup for {result.url} failed: {type(exc).__name__}: {exc}")
        self._on_result(result)


def _invalid_results(citations_by_url: dict[str, list[Citation]]) -> Iterable[LinkResult]:
    for url, citations in citations_by_url.items():
        cited = citations[0].cited
        if not cited.is_valid:
            decision = Decision(Rule.INVALID_URL, f"not a checkable URL: {cited.problem}")
            yield _judged_alike(url, None, citations, decision)


def _excluded_results(citations_by_url: dict[str, list[Citation]], checked: LinkFilter) -> Iterable[LinkResult]:
    for url, citations in citations_by_url.items():
        if citations[0].cited.is_valid and (why := checked.excluded_by(url)) is not None:
            yield _judged_alike(url, None, citations, Decision(Rule.EXCLUDED, f"not checked: {why}"))


def accepted_statuses(accept: Iterable[tuple[str, int]], url: str) -> frozenset[int]:
    """The statuses `accept` accepts from the URL's host: entries for every host ("") and for the
    host or a domain above it."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    return frozenset(status for domain, status in accept
                     if not domain or host == domain or host.endswith("." + domain))


def round_robin_by_host(urls: Iterable[str]) -> list[str]:
    """URLs reordered so that consecutive ones go to different hosts (no head-of-line waiting)."""
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        by_host[host_key(url)].append(url)
    queues = [list(reversed(q)) for q in by_host.values()]
    ordered: list[str] = []
    while queues:
        ordered.extend(q.pop() for q in queues)
        queues = [q for q in queues if q]
    return ordered


class _LinkChecker:
    """Fetches, reads and judges links with bounded concurrency; learns each host's not-found page."""

    def __init__(self, config: Config, page_workers: PageWorkers) -> None:
        self.config = config
        self.page_workers = page_workers
        self.fetcher: Fetcher | None = None
        self.probes: dict[str, asyncio.Task[NotFoundProbe | None]] = {}
        self.network_known_up: bool | None = None
        self._network_check: asyncio.Task[bool] | None = None
        self.fetched = 0
        self.only_transport_failures = True

    async def check_all(self, citations_by_url: dict[str, list[Citation]]) -> AsyncIterator[LinkResult]:
        """Yield a LinkResult per URL as soon as it is done; at most `concurrency` in flight."""
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        for url in round_robin_by_host(citations_by_url):
            queue.put_nowait(url)
        results: asyncio.Queue[LinkResult] = asyncio.Queue()
        workers = max(1, min(self.config.concurrency, len(citations_by_url)))
        for _ in range(workers):
            queue.put_nowait(None)

        async def worker() -> None:
            while (url := await queue.get()) is not None:
                citations = citations_by_url.pop(url)  # done links hold no memory
                try:
                    results.put_nowait(await self.check(url, citations))
                except Exception as exc:  # a bug for one link must not stop the run
                    results.put_nowait(_crashed(url, citations, exc))

        tasks = [asyncio.create_task(worker()) for _ in range(workers)]
        try:
            for _ in range(queue.qsize() - workers):
                yield await results.get()
        finally:
            for task in tasks:
                task.cancel()
            for probe in self.probes.values():
                probe.cancel()

    async def check(self, url: str, citations: list[Citation]) -> LinkResult:
        assert self.fetcher is not None
        fetch = await self.fetcher.fetch(url)
        self.fetched += 1
        if fetch.status is not None or fetch.error not in _TRANSPORT_FAILURES:
            self.only_transport_failures = False
        if fetch.error == FetchError.DNS and not await self.network_up():
            decision = Decision(Rule.NETWORK_DOWN,
                                "network unavailable: no host name resolves, not even well-known ones; "
                                "link state unchanged")
            return _judged_alike(url, fetch, citations, decision)

        entity_sets = tuple(c.entities for c in citations)
        try:
            page, matches = await self.read(fetch, entity_sets)
            fetch, page, matches = await self.follow_refreshes(fetch, page, matches, entity_sets)
        except PageBudgetExceeded as exc:  # this page only: the run goes on
            decision = Decision(Rule.PAGE_BUDGET, f"HTTP {fetch.status} at {fetch.final_url}, but the page was "
                                f"not read: {exc}")
            return _judged_alike(url, fetch, citations, decision)
        probe = await self.not_found_probe(fetch) if _wants_probe(fetch, page) and self.config.probe_soft_404 else None
        results = []
        for citation, match in zip(citations, matches or (None,) * len(citations)):
            if match is not None and page is not None:
                match = judge_claim(match, citation.cited.claim_terms, page.main_text, page.language)
            decision = decide(fetch, page, match, probe, accepted_statuses(self.config.accept, fetch.final_url))
            results.append(citation.judged(decision, match))
        return LinkResult(url, fetch, page, tuple(results))

    async def read(self, fetch: FetchResult, entity_sets: tuple[tuple[Entity, ...], ...] = ()
                   ) -> tuple[PageText | None, tuple[Match, ...]]:
        """The page's text, and how it matches each of the given articles' key entities; read in
        a worker process, so that big pages neither stall the event loop nor hold its GIL."""
        if fetch.status is None or not fetch.body:
            return None, ()
        return await self.page_workers.read(fetch.body, dict(fetch.headers), fetch.final_url, entity_sets)

    async def follow_refreshes(self, fetch: FetchResult, page: PageText | None, matches: tuple[Match, ...],
                               entity_sets: tuple[tuple[Entity, ...], ...]
                               ) -> tuple[FetchResult, PageText | None, tuple[Match, ...]]:
        """Follow a page's meta refresh or script redirect like a redirect hop, with the same fetcher
        (same safety and politeness), so that the verdict is decided on the page the reader ends up
        on. The hops count against max_redirects; a refresh back to a page already seen is a loop
        (once more is allowed after a cookie was set, as for a consent bounce)."""
        visits = Counter(_without_fragment(hop.url) for hop in fetch.chain)
        cookies_seen = False
        while page is not None and fetch.error is None and fetch.status is not None and 200 <= fetch.status < 300:
            target = page.meta_refresh_url or page.script_redirect_url
            if target is None or not target.lower().startswith(("http://", "https://")):
                break
            target = _without_fragment(target)
            if target == _without_fragment(fetch.final_url):
                break  # a page that reloads itself
            cookies_seen = cookies_seen or fetch.header("set-cookie") is not None
            visits[target] += 1
            if visits[target] > (2 if cookies_seen else 1):
                return _refresh_failed(fetch, FetchError.REDIRECT_LOOP, f"refresh loop back to {target}"), page, matches
            if len(fetch.chain) > self.config.max_redirects:
                return (_refresh_failed(fetch, FetchError.TOO_MANY_REDIRECTS,
                                        f"more than {self.config.max_redirects} redirects and refreshes"),
                        page, matches)
            assert self.fetcher is not None
            refreshed = await self.fetcher.fetch(target)
            fetch = replace(refreshed, url=fetch.url, started_at=fetch.started_at,
                            chain=(*fetch.chain[:-1], refresh_hop(fetch.chain[-1], target), *refreshed.chain),
                            elapsed=fetch.elapsed + refreshed.elapsed)
            visits.update(_without_fragment(hop.url) for hop in refreshed.chain[1:])
            page, matches = await self.read(fetch, entity_sets)
        return fetch, page, matches

    async def network_up(self) -> bool:
        """Whether well-known names resolve; asked once per run, only after a DNS failure."""
        if self._network_check is None:
            self._network_check = asyncio.create_task(network_is_up(self.config))
        self.network_known_up = await self._network_check
        return self.network_known_up

    async def not_found_probe(self, fetch: FetchResult) -> NotFoundProbe | None:
        """The host's answer to a path that cannot exist, fetched once per host per run."""
        host = host_key(fetch.final_url)
        if host not in self.probes:
            self.probes[host] = asyncio.create_task(self._probe(fetch.final_url))
        try:
            return await asyncio.shield(self.probes[host])
        except Exception:
            return None

    async def _probe(self, url: str) -> NotFoundProbe | None:
        assert self.fetcher is not None
        parsed = httpx.URL(url)
        letters = "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))
        probe_url = str(parsed.copy_with(path=f"/{letters}", query=None, fragment=None))
        fetch = await self.fetcher.fetch(probe_url)
        page, _ = await self.read(fetch)
        # Kept for the whole run, one per host: its text is what counts, not its body.
        return NotFoundProbe(probe_url, replace(fetch, body=b""), page)


def _without_fragment(url: str) -> str:
    return url.partition("#")[0]


def _refresh_failed(fetch: FetchResult, error: FetchError, detail: str) -> FetchResult:
    """The result of a refresh not followed: the page stays as it was read, the link fails."""
    return replace(fetch, error=error, error_detail=detail)


def _wants_probe(fetch: FetchResult, page: PageText | None) -> bool:
    return page is not None and fetch.status is not None and 200 <= fetch.status < 300


def _crashed(url: str, citations: list[Citation], exc: Exception) -> LinkResult:
    decision = Decision(Rule.INTERNAL_ERROR,
                        f"linkcheck failed on this link: {type(exc).__name__}: {exc}")
    return _judged_alike(url, None, citations, decision)


def _judged_alike(url: str, fetch: FetchResult | None, citations: list[Citation], decision: Decision) -> LinkResult:
    """A link whose verdict does not depend on the citing article (invalid, network down, crashed,
    a page too costly to read)."""
    return LinkResult(url, fetch, None, tuple(c.judged(decision) for c in citations))
