"""Repair: for a citation that is not ok, the archived capture of the cited page closest to the
article's date that still supports the article, offered as its replacement.

Captures are looked up (repair.captures), fetched in their raw form through the run's fetcher,
read with the same page extraction and entity matching as live pages, and judged by the same
`verdict.decide`: only a capture the rules call `ok` because it mentions the article's key
entities is a replacement; a soft 404, a wall or another story is not. The live verdict is never
changed by any of this.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from functools import partial
from urllib.parse import urlsplit

from ..claims import ClaimTerms
from ..entities import Entity
from ..fetch import FetchResult
from ..match import Match, judge_claim
from ..page import PageText
from ..page_budget import PageBudgetExceeded
from ..verdict import Decision, Rule, decide
from .captures import WAYBACK, Capture, Get, Lookup, memento, parse_timestamp, wayback_available, wayback_cdx

__all__ = ["Capture", "CaptureCheck", "Lookup", "Repair", "RepairSettings", "find_replacement"]

# Reads a fetched page and matches it against one article's entities (the run's page workers).
Read = Callable[[FetchResult, tuple[tuple[Entity, ...], ...]], Awaitable[tuple[PageText | None, tuple[Match, ...]]]]

_RAW_TIMESTAMP = re.compile(r"/(\d{4,14})id_/")


@dataclass(frozen=True)
class RepairSettings:
    """Which archives to ask and how hard to try (from Config)."""

    archives: tuple[str, ...] = (WAYBACK,)       # "wayback" and/or "memento"
    wayback_api: str = "https://archive.org/wayback/available"
    wayback_cdx: str = "https://web.archive.org/cdx/search/cdx"
    wayback_web: str = "https://web.archive.org/web/"
    memento_timegates: tuple[str, ...] = ()
    max_captures: int = 3                        # captures read before giving up


@dataclass(frozen=True)
class CaptureCheck:
    """One capture fetched, read and judged against the article."""

    capture: Capture
    fetch: FetchResult
    page: PageText | None
    decision: Decision
    match: Match | None

    @property
    def supports(self) -> bool:
        return self.decision.rule is Rule.ENTITIES_FOUND

    def days_from(self, published: date) -> int:
        """Days between the capture and the article's date (negative: before it)."""
        return (self.capture.captured_at.date() - published).days


@dataclass(frozen=True)
class Repair:
    """Everything asked and read for one citation, and the replacement if one was found."""

    lookups: tuple[Lookup, ...]
    checks: tuple[CaptureCheck, ...]
    replacement: CaptureCheck | None
    reason: str                  # one line: why this replacement, or why there is none

    @property
    def looked_up(self) -> bool:
        """False when no archive could be asked: the answer is unknown, not 'no capture'."""
        return any(lookup.reached for lookup in self.lookups)


async def find_replacement(url: str, published: date | datetime, entities: tuple[Entity, ...],
                           settings: RepairSettings, get: Get, read: Read, claim: ClaimTerms | None = None
                           ) -> Repair:
    """The nearest capture of `url` to `published` that supports the article, trying at most
    `settings.max_captures` captures, nearest first (before the date ahead of after it)."""
    around = published if isinstance(published, datetime) else datetime.combine(published, time(12), UTC)
    lookups: list[Lookup] = []
    checks: list[CaptureCheck] = []
    tried: set[str] = set()

    async def try_captures(captures: tuple[Capture, ...]) -> CaptureCheck | None:
        for capture in captures:
            if capture.raw_url in tried or len(checks) >= settings.max_captures:
                continue
            tried.add(capture.raw_url)
            check = await _check_capture(url, capture, entities, get, read, claim)
            checks.append(check)
            if check.supports:
                return check
        return None

    for source in _sources(url, around, settings, get):
        lookup = await source()
        lookups.append(lookup)
        found = await try_captures(lookup.captures)
        if found is not None:
            when = found.capture.captured_at.date().isoformat()
            return Repair(tuple(lookups), tuple(checks), found,
                          f"capture of {when} ({found.capture.archive}) mentions "
                          f"{', '.join(found.match.found[:5]) if found.match else 'the article'}")
        if len(checks) >= settings.max_captures:
            break
    return Repair(tuple(lookups), tuple(checks), None, _no_replacement(lookups, checks))


def _sources(url: str, around: datetime, settings: RepairSettings, get: Get
             ) -> list[Callable[[], Awaitable[Lookup]]]:
    """The lookups to make, in order: the availability API's closest capture before the date; the
    CDX list (the next ones before it, then those after it, nearest first); the availability
    API's closest after it (when the CDX list could not be had); then each Memento TimeGate."""
    sources: list[Callable[[], Awaitable[Lookup]]] = []
    if WAYBACK in settings.archives:
        available = partial(wayback_available, get, settings.wayback_api, settings.wayback_web, url, around)
        sources += [partial(available, "before"),
                    partial(wayback_cdx, get, settings.wayback_cdx, settings.wayback_web, url, around),
                    partial(available, "after")]
    if "memento" in settings.archives:
        sources += [partial(memento, get, timegate, url, around) for timegate in settings.memento_timegates]
    return sources


async def _check_capture(cited: str, capture: Capture, entities: tuple[Entity, ...], get: Get, read: Read,
                         claim: ClaimTerms | None) -> CaptureCheck:
    fetch = await get(capture.raw_url, {})
    archive_host = urlsplit(capture.raw_url).hostname
    off_archive = next((hop.url for hop in fetch.chain if urlsplit(hop.url).hostname != archive_host), None)
    if off_archive is not None:
        return CaptureCheck(capture, fetch, None, Decision(Rule.REDIRECT_TO_OTHER, f"the capture leads "
                                                           f"off the archive to {off_archive}"), None)
    capture = _as_served(capture, fetch)
    # Judged as the page it was, at its own address: the archive's own hops are not moves.
    as_original = replace(fetch, url=cited, final_url=cited)
    try:
        page, matches = (None, ()) if fetch.status is None or not fetch.body else await read(as_original, (entities,))
    except PageBudgetExceeded as exc:  # this capture only: the others are still looked at
        return CaptureCheck(capture, fetch, None, Decision(Rule.PAGE_BUDGET, f"the capture was not read: {exc}"),
                            None)
    match = matches[0] if matches else None
    if match is not None and page is not None:
        match = judge_claim(match, claim, page.main_text, page.language)
    return CaptureCheck(capture, fetch, page, decide(as_original, page, match), match)


def _as_served(capture: Capture, fetch: FetchResult) -> Capture:
    """The capture the archive served: it may answer for a nearby moment (a redirect to another
    timestamp), and the status is what it replayed."""
    status = fetch.status if fetch.status is not None else capture.status
    served, asked = _RAW_TIMESTAMP.search(fetch.final_url), _RAW_TIMESTAMP.search(capture.raw_url)
    if served and asked and served.group(1) != asked.group(1) and (at := parse_timestamp(served.group(1))):
        return replace(capture, captured_at=at, raw_url=fetch.final_url, status=status,
                       url=capture.url.replace(f"/{asked.group(1)}/", f"/{served.group(1)}/", 1))
    return replace(capture, status=status)


def _no_replacement(lookups: list[Lookup], checks: list[CaptureCheck]) -> str:
    if not any(lookup.reached for lookup in lookups):
        problems = "; ".join(dict.fromkeys(lookup.problem or "" for lookup in lookups))
        return f"no lookup: {problems or 'no archive configured'}"
    if not checks:
        return "no capture of this page in the archives asked"
    rejected = "; ".join(f"{c.capture.captured_at.date().isoformat()}: {c.decision.verdict} "
                         f"({c.decision.rule})" for c in checks)
    return f"no capture supports the article ({rejected})"
