"""Archived captures of a URL near a date: the Wayback Machine's availability and CDX APIs and
Memento TimeGates (RFC 7089), asked through a GET the caller provides (the run's fetcher).

Each lookup is one question to one endpoint and never raises: it answers with the captures it
found (nearest first, closest before the date ahead of those after it, as InternetArchiveBot
does) or with the reason it found none ("no lookup": the archive could not be asked; "no capture":
it was asked and has none).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

from ..fetch import FetchResult

# A GET through the run's fetcher: (url, extra request headers) -> what came back.
Get = Callable[[str, Mapping[str, str]], Awaitable[FetchResult]]

WAYBACK = "wayback"
GOOD_STATUSES = frozenset({200, 203, 206})   # captures worth reading (IABot's choice)
_TIMESTAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?$")
_LINK = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')


@dataclass(frozen=True)
class Capture:
    """One archived copy of a page."""

    archive: str               # "wayback", or the host of the Memento TimeGate that named it
    url: str                   # the capture as a reader should follow it
    raw_url: str               # the capture's original bytes, without the archive's toolbar
    captured_at: datetime      # UTC
    status: int | None         # the status the archive recorded for it, when it says


@dataclass(frozen=True)
class Lookup:
    """What one endpoint said about one URL."""

    archive: str
    endpoint: str              # the request made (without credentials)
    captures: tuple[Capture, ...]
    problem: str | None = None  # why there are no captures; None when the answer was read
    reached: bool = True       # False: the archive could not be asked (network, 5xx, 429, bad answer)


def wayback_timestamp(moment: date | datetime) -> str:
    """The Wayback Machine's 14-digit timestamp (UTC) of a date or time."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(12, 0), tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def parse_timestamp(text: str) -> datetime | None:
    """A Wayback timestamp (8 to 14 digits) as a UTC datetime; None when it is not one."""
    found = _TIMESTAMP.match(text.strip())
    if not found:
        return None
    year, month, day, hour, minute, second = (int(part or default) for part, default in
                                              zip(found.groups(), ("0", "1", "1", "0", "0", "0"), strict=True))
    try:
        return datetime(year, month or 1, day or 1, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def wayback_capture(web: str, timestamp: str, url: str, status: int | None) -> Capture | None:
    """The capture of `url` at `timestamp` on the Wayback Machine at `web` (its /web/ prefix)."""
    captured_at = parse_timestamp(timestamp)
    if captured_at is None:
        return None
    prefix = web if web.endswith("/") else web + "/"
    return Capture(WAYBACK, f"{prefix}{timestamp}/{url}", f"{prefix}{timestamp}id_/{url}",
                   captured_at, status)


def order_by_distance(captures: list[Capture], around: datetime) -> tuple[Capture, ...]:
    """Captures closest before `around` first (nearest first), then those after it (nearest first)."""
    before = sorted((c for c in captures if c.captured_at <= around), key=lambda c: around - c.captured_at)
    after = sorted((c for c in captures if c.captured_at > around), key=lambda c: c.captured_at - around)
    unique: dict[str, Capture] = {}
    for capture in [*before, *after]:
        unique.setdefault(capture.raw_url, capture)
    return tuple(unique.values())


async def wayback_available(get: Get, api: str, web: str, url: str, around: datetime,
                            closest: str) -> Lookup:
    """The availability API's closest 200-class capture before or after `around`."""
    query = urlencode([("url", url), ("timestamp", wayback_timestamp(around)), ("closest", closest),
                       *(("statuscodes", str(s)) for s in sorted(GOOD_STATUSES))])
    endpoint = f"{api}?{query}"
    answer, problem = await _json_answer(get, endpoint)
    if problem is not None:
        return Lookup(WAYBACK, endpoint, (), problem, reached=False)
    snapshots = answer.get("archived_snapshots") if isinstance(answer, dict) else None
    closest_capture = snapshots.get("closest") if isinstance(snapshots, dict) else None
    if not isinstance(closest_capture, dict) or not closest_capture.get("available"):
        return Lookup(WAYBACK, endpoint, (), "the availability API knows no capture")
    status = _int(closest_capture.get("status"))
    capture = wayback_capture(web, str(closest_capture.get("timestamp", "")), url, status)
    if capture is None:
        return Lookup(WAYBACK, endpoint, (), "the availability API gave no usable timestamp", reached=False)
    if status not in GOOD_STATUSES:
        return Lookup(WAYBACK, endpoint, (), f"the closest capture has status {status}")
    wrong_side = capture.captured_at > around if closest == "before" else capture.captured_at < around
    if wrong_side:
        return Lookup(WAYBACK, endpoint, (), f"no capture {closest} the article's date")
    return Lookup(WAYBACK, endpoint, (capture,))


async def wayback_cdx(get: Get, cdx: str, web: str, url: str, around: datetime, limit: int = 50) -> Lookup:
    """Several 200-class captures around `around` from the CDX API (JSON or plain-text output)."""
    year = around.year
    query = urlencode([("url", url), ("output", "json"), ("fl", "timestamp,original,statuscode"),
                       ("filter", "statuscode:20[036]"), ("from", str(year - 2)), ("to", str(year + 2)),
                       ("collapse", "timestamp:8"), ("limit", str(limit))])
    endpoint = f"{cdx}?{query}"
    fetch = await get(endpoint, {})
    problem = _unreachable(fetch)
    if problem is not None:
        return Lookup(WAYBACK, endpoint, (), problem, reached=False)
    try:
        rows = _cdx_rows(fetch.body.decode("utf-8", "replace"))
    except ValueError as exc:
        return Lookup(WAYBACK, endpoint, (), f"the CDX API's answer cannot be read: {exc}", reached=False)
    captures = []
    for timestamp, original, status in rows:
        capture = wayback_capture(web, timestamp, original or url, _int(status))
        if capture is not None and capture.status in GOOD_STATUSES:
            captures.append(capture)
    if not captures:
        return Lookup(WAYBACK, endpoint, (), "the CDX API lists no 200-class capture")
    return Lookup(WAYBACK, endpoint, order_by_distance(captures, around))


async def memento(get: Get, timegate: str, url: str, around: datetime) -> Lookup:
    """The memento a TimeGate negotiates for `around` (Accept-Datetime), from the Memento-Datetime
    and Link headers of where it leads."""
    endpoint = timegate + url  # a TimeGate is a prefix the original URL is appended to
    archive = urlsplit(timegate).hostname or timegate
    fetch = await get(endpoint, {"Accept-Datetime": _http_date(around)})
    problem = _unreachable(fetch)
    if problem is not None:
        return Lookup(archive, endpoint, (), problem, reached=False)
    links = parse_link_header(fetch.header("link") or "")
    moment = _memento_datetime(fetch.header("memento-datetime"))
    memento_url = fetch.final_url if moment is not None else None
    if memento_url is None:
        # A TimeGate that answered without redirecting names the memento in its Link header.
        for target, relations, attributes in links:
            if "memento" in relations and (moment := _memento_datetime(attributes.get("datetime"))):
                memento_url = target
                break
    if memento_url is None or moment is None:
        return Lookup(archive, endpoint, (), "the TimeGate named no memento")
    if urlsplit(memento_url).hostname != urlsplit(timegate).hostname:
        return Lookup(archive, endpoint, (), f"the memento {memento_url} is not on the TimeGate's host")
    status = fetch.status if fetch.final_url == memento_url else None
    return Lookup(archive, endpoint, (Capture(archive, memento_url, memento_url, moment, status),))


def parse_link_header(value: str) -> list[tuple[str, set[str], dict[str, str]]]:
    """RFC 8288 Link header entries: (target, relation types, other parameters)."""
    entries = []
    for found in _LINK.finditer(value):
        params: dict[str, str] = {}
        for part in found.group(2).split(";"):
            name, _, raw = part.strip().partition("=")
            if name:
                params[name.strip().lower()] = raw.strip().strip('"')
        entries.append((found.group(1).strip(), set(params.pop("rel", "").split()), params))
    return entries


def _cdx_rows(text: str) -> list[tuple[str, str, str]]:
    """(timestamp, original, statuscode) rows of a CDX answer: JSON with a header row, or the
    space-separated plain-text form (whose columns follow the `fl` asked for)."""
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        data = json.loads(stripped)
        if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
            raise ValueError("not a list of rows")
        if not data:
            return []
        header, *rows = data
        try:
            at = [header.index(name) for name in ("timestamp", "original", "statuscode")]
        except ValueError:
            raise ValueError(f"unexpected columns {header!r}") from None
        return [tuple(str(row[i]) for i in at) for row in rows if len(row) == len(header)]  # type: ignore[misc]
    rows = []
    for line in stripped.splitlines():
        fields = line.split()
        if len(fields) != 3 or parse_timestamp(fields[0]) is None:
            raise ValueError(f"unexpected line {line[:80]!r}")
        rows.append((fields[0], fields[1], fields[2]))
    return rows


async def _json_answer(get: Get, endpoint: str) -> tuple[object, str | None]:
    fetch = await get(endpoint, {})
    problem = _unreachable(fetch)
    if problem is not None:
        return None, problem
    content_type = (fetch.header("content-type") or "").lower()
    if "json" not in content_type and not fetch.body.lstrip().startswith(b"{"):
        return None, f"the answer is not JSON ({content_type or 'no content type'})"
    try:
        return json.loads(fetch.body), None
    except ValueError as exc:
        return None, f"the answer is not valid JSON ({exc})"


def _unreachable(fetch: FetchResult) -> str | None:
    """Why an archive's answer cannot be used; None for a 2xx answer."""
    if fetch.error is not None:
        return f"archive not reached: {fetch.error_detail or fetch.error}"
    if fetch.status == 429:
        return "the archive is rate limiting (HTTP 429)"
    if fetch.status is None or not 200 <= fetch.status < 300:
        return f"the archive answered HTTP {fetch.status}"
    return None


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _http_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _memento_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
