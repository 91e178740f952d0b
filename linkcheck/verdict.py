"""One pure decision from (fetch result, page, match) to a verdict and a reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from .article import Article, CitedUrl
from .fetch import FetchError, FetchResult
from .match import Match
from .page import PageKind, PageText


class Verdict(StrEnum):
    OK = "ok"
    DRIFTED = "drifted"
    SOFT_404 = "soft_404"
    MOVED = "moved"
    DEAD = "dead"
    BLOCKED = "blocked"
    UNREACHABLE = "unreachable"
    INVALID = "invalid"


# Worst first: when one link gets several verdicts (one per citing article), the worst names the link.
SEVERITY = (Verdict.DEAD, Verdict.SOFT_404, Verdict.MOVED, Verdict.DRIFTED, Verdict.BLOCKED,
            Verdict.UNREACHABLE, Verdict.INVALID, Verdict.OK)


@dataclass(frozen=True)
class Decision:
    """A verdict with the rule that decided it and a one-line reason for an editor."""

    verdict: Verdict
    rule: str      # machine-readable rule name: "http_404", "not_found_cue", "redirect_to_root", ...
    reason: str    # one line: "HTTP 404 at https://…", "title says 'Seite nicht gefunden'", ...


@dataclass(frozen=True)
class NotFoundProbe:
    """How a host answers a random path that cannot exist: its not-found page, learned once per run."""

    url: str
    fetch: FetchResult
    page: PageText | None


@dataclass(frozen=True)
class CitationResult:
    """The verdict for one (article, cited URL) pair."""

    article: Article
    cited: CitedUrl
    decision: Decision
    match: Match | None        # None when the page could not be read
    position: int = 0          # 1-based place of the URL in the article's sources


@dataclass(frozen=True)
class LinkResult:
    """One URL checked in one run, with the verdict of every article citing it."""

    url: str
    fetch: FetchResult | None  # None for invalid URLs and for network-down runs that never fetched
    page: PageText | None
    citations: tuple[CitationResult, ...]

    @property
    def decision(self) -> Decision:
        """The worst of the citations' decisions: what the link as a whole looks like."""
        return min((c.decision for c in self.citations), key=lambda d: SEVERITY.index(d.verdict))


def decide(fetch: FetchResult, page: PageText | None, match: Match | None,
           probe: NotFoundProbe | None = None) -> Decision:
    """The verdict for one fetched, read and matched page."""
    if fetch.error is not None:
        return _fetch_failure(fetch)
    status = fetch.status
    if status is None:
        return Decision(Verdict.UNREACHABLE, "no_response", f"no HTTP response from {fetch.url}")
    if not 200 <= status < 300:
        return _http_failure(fetch, status, page)
    return _answered(fetch, page, match, probe)


# PRIVATE_ADDRESS is `invalid`: a source on a loopback or private network is not a public source,
# and retrying will not change that (unlike `unreachable`, which may clear on the next run).
_FETCH_ERRORS = {
    FetchError.INVALID_URL: (Verdict.INVALID, "the URL is malformed or not http(s)"),
    FetchError.PRIVATE_ADDRESS: (Verdict.INVALID, "the host is on a private or loopback network"),
    FetchError.DNS: (Verdict.DEAD, "the host name does not exist"),
    FetchError.TIMEOUT: (Verdict.UNREACHABLE, "the server did not answer in time"),
    FetchError.CONNECT: (Verdict.UNREACHABLE, "the connection was refused or the host is unreachable"),
    FetchError.RESET: (Verdict.UNREACHABLE, "the connection was reset"),
    FetchError.TOO_MANY_REDIRECTS: (Verdict.UNREACHABLE, "too many redirects"),
    FetchError.REDIRECT_LOOP: (Verdict.UNREACHABLE, "the redirects go round in a loop"),
    FetchError.BAD_REDIRECT: (Verdict.UNREACHABLE, "a redirect without a usable target"),
    FetchError.BODY: (Verdict.UNREACHABLE, "the response body was broken"),
}
_BLOCKING_STATUSES = {401: "needs a login", 403: "forbidden", 451: "unavailable for legal reasons",
                      429: "rate limited, did not clear within the retries"}
_MAX_NAMES = 5
_PROBE_SIMILARITY = 90.0   # rapidfuzz ratio (0..100) above which a page is the host's not-found page
_PROBE_MIN_TEXT = 50       # characters both texts need before their similarity means anything
_INDEX_PAGES = frozenset(("index.html", "index.htm", "index.php", "default.aspx", "start.html"))


def _fetch_failure(fetch: FetchResult) -> Decision:
    verdict, what = _FETCH_ERRORS.get(fetch.error, (Verdict.UNREACHABLE, "the fetch failed"))
    detail = f" ({fetch.error_detail})" if fetch.error_detail else ""
    return Decision(verdict, str(fetch.error), f"{what}{detail}: {fetch.url}")


def _http_failure(fetch: FetchResult, status: int, page: PageText | None) -> Decision:
    at = f"HTTP {status} at {fetch.final_url}"
    if page is not None and page.bot_wall_cues and status in (403, 429, 503):
        return Decision(Verdict.BLOCKED, "bot_wall", f"{at}: bot challenge ({page.bot_wall_cues[0]})")
    if status in (404, 410):
        return Decision(Verdict.DEAD, f"http_{status}", at)
    if status in _BLOCKING_STATUSES:
        return Decision(Verdict.BLOCKED, f"http_{status}", f"{at}: {_BLOCKING_STATUSES[status]}")
    if 400 <= status < 500:
        return Decision(Verdict.DEAD, "http_4xx", at)
    if status >= 500:
        return Decision(Verdict.UNREACHABLE, "http_5xx", f"{at}: server error")
    return Decision(Verdict.UNREACHABLE, "http_unexpected", f"{at}: no page to read")


def _answered(fetch: FetchResult, page: PageText | None, match: Match | None,
              probe: NotFoundProbe | None) -> Decision:
    """A 2xx answer: is it the article, an error page in disguise, a wall, or something else?"""
    at = f"HTTP {fetch.status} at {fetch.final_url}"
    if page is None and not fetch.body:
        return Decision(Verdict.DRIFTED, "empty_page", f"{at} has an empty body: nothing there "
                        "supports the article")
    if page is None:
        return Decision(Verdict.OK, "status_only", f"{at}; the page was not read")
    if page.bot_wall_cues:
        return Decision(Verdict.BLOCKED, "bot_wall",
                        f"{at} is a challenge page ({page.bot_wall_cues[0]})")
    supports = match is not None and match.supports
    if page.not_found_cues and not (supports and _weak_cues_only(page)):
        return Decision(Verdict.SOFT_404, "not_found_cue",
                        f"{at} says not found ({page.not_found_cues[0]})")
    like_probe = _like_probe(fetch, page, probe)
    if like_probe:
        return Decision(Verdict.SOFT_404, like_probe, f"{at} looks like the host's not-found answer "
                        f"to {probe.url}")
    how, target = _redirect_target(fetch, page)
    kind = _move_kind(fetch.url, target) if target else ""
    # Without key entities to miss, only a real redirect to a front page proves a move: nothing
    # tells an unrelated target from a copy at a new address, and a canonical link alone can be
    # a template's mistake (href="index.html").
    sure_move = how != "canonical" and kind != "other"
    if target and not supports and (sure_move or _has_entities(match)):
        return Decision(Verdict.MOVED, f"{how}_to_{kind}",
                        f"{fetch.url} now leads ({how.replace('_', ' ')}) to the {kind} page "
                        f"{target}{_missing(match)}")
    moved = f" (moved to {target})" if target else ""
    # Images and scanned PDFs cannot be read; calling them drifted would be a false alarm.
    if page.kind is PageKind.OTHER and not page.main_text:
        return Decision(Verdict.OK, "not_a_text_document", f"{at}{moved}: not a text document, "
                        "checked by status only")
    if page.kind is PageKind.PDF and not page.main_text.strip():
        return Decision(Verdict.OK, "no_extractable_text", f"{at}{moved}: a PDF without extractable "
                        "text (scanned?), checked by status only")
    if match is None:
        return Decision(Verdict.OK, "status_only", f"{at}{moved}; the text was not matched")
    if not _has_entities(match):
        # Nothing to look for (a how-to or a recipe without names): no evidence either way.
        return Decision(Verdict.OK, "no_key_entities", f"{at}{moved}: the article names no key "
                        "entities to look for, checked by status only")
    if supports:
        paywall = "; behind a paywall, the visible teaser" if page.paywall else ";"
        return Decision(Verdict.OK, "entities_found", f"{at}{moved}{paywall} mentions "
                        f"{_names(match.found)}")
    if page.paywall:
        return Decision(Verdict.BLOCKED, "paywall", f"{at}{moved}: the text is behind a paywall and "
                        f"the visible part does not mention {_names(match.missing)}")
    if not page.main_text.strip():
        return Decision(Verdict.DRIFTED, "no_main_text", f"{at}{moved} has no readable main text")
    return Decision(Verdict.DRIFTED, "entities_missing", f"{at}{moved} no longer mentions "
                    f"{_names(match.missing)}{_found(match)}")


def _has_entities(match: Match | None) -> bool:
    return match is None or bool(match.found or match.missing)


def _weak_cues_only(page: PageText) -> bool:
    """Only words a real article may use too ("nicht verfügbar" in a headline, a quoted phrase)."""
    return not any(cue.startswith("heading") for cue in page.not_found_cues)


def _like_probe(fetch: FetchResult, page: PageText, probe: NotFoundProbe | None) -> str | None:
    """The rule name when the page is what the host answers for a path that cannot exist."""
    if probe is None or probe.fetch.status is None or not 200 <= probe.fetch.status < 300:
        return None
    if not _segments(fetch.url):
        return None  # a cited home page is what hosts show for unknown paths, and still fine
    redirected = _comparable(fetch.final_url) != _comparable(fetch.url)
    if redirected and _comparable(fetch.final_url) == _comparable(probe.fetch.final_url):
        return "same_as_not_found_probe"
    if probe.page is None:
        return None
    ours, theirs = page.main_text[:5000], probe.page.main_text[:5000]
    if len(ours) >= _PROBE_MIN_TEXT and len(theirs) >= _PROBE_MIN_TEXT:
        if fuzz.ratio(ours, theirs) >= _PROBE_SIMILARITY:
            return "like_not_found_probe"
    elif not ours and not theirs and page.title and page.title == probe.page.title:
        return "like_not_found_probe"
    return None


def _redirect_target(fetch: FetchResult, page: PageText) -> tuple[str, str | None]:
    """How and where a redirect, a meta refresh or a canonical link to a front page sends the reader."""
    cited = _comparable(fetch.url)
    if page.meta_refresh_url and _comparable(page.meta_refresh_url) not in (cited, _comparable(fetch.final_url)):
        return "meta_refresh", page.meta_refresh_url
    if _comparable(fetch.final_url) != cited:
        return "redirect", fetch.final_url
    canonical = page.canonical_url
    if (canonical and _comparable(canonical) != cited and _same_host(canonical, fetch.final_url)
            and _move_kind(fetch.url, canonical) != "other"):
        return "canonical", canonical
    return "", None


def _same_host(url: str, other: str) -> bool:
    """Both URLs on one host (www. aside). A canonical link to another host names the original of a
    syndicated or mirrored copy (or the desktop site of a mobile page): the copy has not moved."""
    return _comparable(url)[0] == _comparable(other)[0]


def _move_kind(cited: str, target: str) -> str:
    """'home' for the site root, 'section' for a front above the cited path, else 'other'."""
    cited_path, target_path = _segments(cited), _segments(target)
    if not target_path:
        return "home"
    if len(target_path) < len(cited_path) and (cited_path[: len(target_path)] == target_path
                                               or len(target_path) == 1):
        return "section"
    return "other"


def _segments(url: str) -> list[str]:
    segments = [s for s in urlsplit(url).path.lower().split("/") if s]
    return segments[:-1] if segments and segments[-1] in _INDEX_PAGES else segments


def _comparable(url: str) -> tuple[str, tuple[str, ...], str]:
    """A URL without the differences a reader does not notice: scheme, www., case, trailing slash."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host, tuple(_segments(url)), parts.query


def _names(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:_MAX_NAMES])
    return shown + (f" and {len(names) - _MAX_NAMES} more" if len(names) > _MAX_NAMES else "")


def _found(match: Match) -> str:
    return f" (still mentions {_names(match.found)})" if match.found else ""


def _missing(match: Match | None) -> str:
    return f"; it does not mention {_names(match.missing)}" if match is not None and match.missing else ""
