"""One pure decision from (fetch result, page, match) to a verdict, the rule that fired and a reason.

What each verdict means for history, reports, views and severity is stated once, in VERDICT_FACTS;
every way to reach a verdict is a named Rule with a one-line explanation for editors.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from rapidfuzz import fuzz

from .article import Article, CitedUrl
from .cues import NO_ARTICLE, SHORT_PAGE, Cue, CueKind, address_wall_cue, address_words
from .entities import Entity
from .fetch import FetchError, FetchResult, Hop
from .match import Match
from .page import PageKind, PageText

if TYPE_CHECKING:
    from .repair import Repair


class Verdict(StrEnum):
    OK = "ok"
    DRIFTED = "drifted"
    SOFT_404 = "soft_404"
    MOVED = "moved"
    DEAD = "dead"
    BLOCKED = "blocked"
    UNREACHABLE = "unreachable"
    INVALID = "invalid"
    EXCLUDED = "excluded"


class Outcome(StrEnum):
    """What one run's verdict means for the link's history (see history.py)."""

    SUCCESS = "success"            # the page is there: resets a failure streak
    FAILURE = "failure"            # the page is gone or cannot be reached: one more failed run
    INCONCLUSIVE = "inconclusive"  # the page may well be there: neither counts nor resets
    INVALID = "invalid"            # no waiting can fix the URL: broken at once


@dataclass(frozen=True)
class VerdictFacts:
    """Everything the rest of linkcheck needs to know about a verdict besides its rules."""

    severity: int      # 0 is the worst; the worst verdict over a link's citing articles names the link
    history: Outcome   # what it means for the link's state across runs
    failing: bool      # listed as failing in reports and the archive's views
    style: str         # how the terminal table shows it (a rich style)
    meaning: str       # one line for editors


VERDICT_FACTS: dict[Verdict, VerdictFacts] = {
    Verdict.DEAD: VerdictFacts(0, Outcome.FAILURE, True, "red",
                               "404 / 410, or the host name does not exist"),
    Verdict.SOFT_404: VerdictFacts(1, Outcome.FAILURE, True, "red",
                                   "answers 2xx but is an error / not-found page (text cues, or looks "
                                   "like the host's answer to a random path)"),
    Verdict.MOVED: VerdictFacts(2, Outcome.FAILURE, True, "red",
                                "redirected (HTTP, meta refresh or script) to a home page, section "
                                "front or unrelated page"),
    # A drifted page is there: that it no longer supports the article is a content problem (the
    # unsupported_sources view), not a broken link.
    Verdict.DRIFTED: VerdictFacts(3, Outcome.SUCCESS, False, "yellow",
                                  "reachable and a real page, but its main text no longer supports "
                                  "the article"),
    # IABot's paywall rule: auth codes are never dead; a block neither fails nor resets a streak.
    Verdict.BLOCKED: VerdictFacts(4, Outcome.INCONCLUSIVE, False, "yellow",
                                  "401 / 403 / 451, a bot challenge, a consent, login or subscription "
                                  "wall (also one reached by redirect), a paywalled teaser, or a 429 "
                                  "that never clears"),
    Verdict.UNREACHABLE: VerdictFacts(5, Outcome.FAILURE, True, "yellow",
                                      "timeout, refused or reset connection, persistent 5xx, redirect "
                                      "loop, broken body, network down"),
    Verdict.INVALID: VerdictFacts(6, Outcome.INVALID, True, "red",
                                  "the cited URL is malformed, its scheme is not http(s), or it points "
                                  "into a private or loopback network"),
    Verdict.OK: VerdictFacts(7, Outcome.SUCCESS, False, "green",
                             "reachable, and the main text still mentions enough of the article's key "
                             "entities"),
    # Not checked at all: says nothing about the link, so its state stays as it was.
    Verdict.EXCLUDED: VerdictFacts(8, Outcome.INCONCLUSIVE, False, "dim",
                                   "not checked: the URL matches an exclude pattern or the ignore file, "
                                   "or no include pattern"),
}


def facts(verdict: Verdict | str) -> VerdictFacts:
    """The facts of a verdict (given as a Verdict or its archived name)."""
    return VERDICT_FACTS[Verdict(verdict)]


def failing_verdicts() -> tuple[Verdict, ...]:
    """The verdicts reports and views list as failing, worst first."""
    return tuple(v for v in by_severity() if VERDICT_FACTS[v].failing)


def by_severity() -> tuple[Verdict, ...]:
    """Every verdict, worst first."""
    return tuple(sorted(Verdict, key=lambda v: VERDICT_FACTS[v].severity))


class Rule(StrEnum):
    """Every way a link reaches its verdict: a stable name (archived in `checks.rule`), the verdict
    it gives, and one line that tells an editor why it fired. Names are never assembled."""

    verdict: Verdict
    explanation: str

    def __new__(cls, name: str, verdict: Verdict, explanation: str) -> Rule:
        rule = str.__new__(cls, name)
        rule._value_ = name
        rule.verdict = verdict
        rule.explanation = explanation
        return rule

    # The cited URL itself
    INVALID_URL = ("invalid_url", Verdict.INVALID,
                   "The cited text is not a URL linkcheck can fetch (malformed, or not http/https).")
    PRIVATE_ADDRESS = ("private_address", Verdict.INVALID,
                       "The host is on a private, loopback or link-local network: not a public source.")
    # No usable answer
    DNS = ("dns", Verdict.DEAD, "The host name does not exist (DNS says so).")
    TIMEOUT = ("timeout", Verdict.UNREACHABLE, "The server did not answer in time, after retries.")
    CONNECT = ("connect", Verdict.UNREACHABLE,
               "The connection was refused or the host could not be reached, after retries.")
    RESET = ("reset", Verdict.UNREACHABLE, "The connection was reset or broke the HTTP protocol.")
    TLS = ("tls", Verdict.UNREACHABLE,
           "The TLS handshake failed: the certificate is not valid (expired, self-signed, for another "
           "name, or from an authority not trusted; see ca_bundle) or the server speaks no usable TLS.")
    TOO_MANY_REDIRECTS = ("too_many_redirects", Verdict.UNREACHABLE,
                          "The redirects went on longer than linkcheck follows.")
    REDIRECT_LOOP = ("redirect_loop", Verdict.UNREACHABLE, "The redirects go round in a loop.")
    BAD_REDIRECT = ("bad_redirect", Verdict.UNREACHABLE,
                    "A redirect without a usable target (no or a broken Location).")
    BROKEN_BODY = ("body", Verdict.UNREACHABLE,
                   "The response body broke off or could not be decoded.")
    NO_RESPONSE = ("no_response", Verdict.UNREACHABLE, "No HTTP response arrived.")
    NETWORK_DOWN = ("network_down", Verdict.UNREACHABLE,
                    "The network was down for the whole run (not even well-known names resolved); "
                    "the link's state is unchanged.")
    PAGE_BUDGET = ("page_budget", Verdict.UNREACHABLE,
                   "Reading the page would cost more than a page may (elements nested too deep or too "
                   "many, CPU time, memory, time on the clock, PDF reading time; see page_* in the "
                   "configuration): not judged by its text; the reason says which limit.")
    INTERNAL_ERROR = ("internal_error", Verdict.UNREACHABLE,
                      "A bug in linkcheck stopped the check of this link; the reason names the error.")
    # HTTP errors
    HTTP_404 = ("http_404", Verdict.DEAD, "The server answered 404 Not Found.")
    HTTP_410 = ("http_410", Verdict.DEAD, "The server answered 410 Gone: removed for good.")
    HTTP_4XX = ("http_4xx", Verdict.DEAD, "The server answered with another 4xx client error.")
    HTTP_401 = ("http_401", Verdict.BLOCKED, "The server answered 401: the page needs a login.")
    HTTP_403 = ("http_403", Verdict.BLOCKED, "The server answered 403 Forbidden (often a bot block).")
    HTTP_429 = ("http_429", Verdict.BLOCKED,
                "The server answered 429 Too Many Requests, and it did not clear within the retries.")
    HTTP_451 = ("http_451", Verdict.BLOCKED, "The server answered 451: unavailable for legal reasons.")
    ACCEPTED_STATUS = ("accepted_status", Verdict.BLOCKED,
                       "The server answered a status the configuration accepts for this host (accept): "
                       "blocked, not failing.")
    HTTP_5XX = ("http_5xx", Verdict.UNREACHABLE, "The server kept answering with a 5xx server error.")
    HTTP_UNEXPECTED = ("http_unexpected", Verdict.UNREACHABLE,
                       "The final answer was neither a page nor an error (1xx or an unfollowed 3xx).")
    BOT_WALL = ("bot_wall", Verdict.BLOCKED,
                "A bot challenge, captcha or consent wall stands in front of the page.")
    CONSENT_WALL_REDIRECT = ("consent_wall_redirect", Verdict.BLOCKED,
                             "A redirect leads to a consent page (it names consent in its address or "
                             "words, carries the cited URL back, has no article text): a wall, not a move.")
    LOGIN_REDIRECT = ("login_redirect", Verdict.BLOCKED,
                      "A redirect leads to a login page (login in its address or words, a password "
                      "field, 303 See Other, the cited URL carried back): the page needs an account.")
    SUBSCRIPTION_REDIRECT = ("subscription_redirect", Verdict.BLOCKED,
                             "A redirect leads to a subscription offer (Abo / subscribe in its address "
                             "or words, the cited URL carried back): the page is behind a paywall.")
    PAYWALL = ("paywall", Verdict.BLOCKED,
               "The page is behind a paywall and shows only a teaser, which does not mention the key "
               "entities.")
    # Error pages in disguise
    NOT_FOUND_CUE = ("not_found_cue", Verdict.SOFT_404,
                     "The page answers 200 but says it is not found (title, top heading or text).")
    SAME_AS_NOT_FOUND_PROBE = ("same_as_not_found_probe", Verdict.SOFT_404,
                               "The URL redirects where the host sends a random path that cannot exist.")
    LIKE_NOT_FOUND_PROBE = ("like_not_found_probe", Verdict.SOFT_404,
                            "The page reads like the host's answer to a random path that cannot exist.")
    # Moves
    REDIRECT_TO_HOME = ("redirect_to_home", Verdict.MOVED, "An HTTP redirect leads to the site's home page.")
    REDIRECT_TO_SECTION = ("redirect_to_section", Verdict.MOVED,
                           "An HTTP redirect leads to a section front above the cited page.")
    REDIRECT_TO_OTHER = ("redirect_to_other", Verdict.MOVED,
                         "An HTTP redirect leads to another page that does not mention the key entities.")
    META_REFRESH_TO_HOME = ("meta_refresh_to_home", Verdict.MOVED,
                            "A meta refresh (or a script redirect of a page without text) sends the "
                            "reader to the site's home page.")
    META_REFRESH_TO_SECTION = ("meta_refresh_to_section", Verdict.MOVED,
                               "A meta refresh (or a script redirect of a page without text) sends the "
                               "reader to a section front.")
    META_REFRESH_TO_OTHER = ("meta_refresh_to_other", Verdict.MOVED,
                             "A meta refresh (or a script redirect of a page without text) sends the "
                             "reader to another page that does not mention the key entities.")
    CANONICAL_TO_HOME = ("canonical_to_home", Verdict.MOVED,
                         "The page names the site's home page as its canonical address.")
    CANONICAL_TO_SECTION = ("canonical_to_section", Verdict.MOVED,
                            "The page names a section front as its canonical address.")
    # Pages that answered: what they say
    ENTITIES_FOUND = ("entities_found", Verdict.OK, "The main text mentions enough of the article's key entities.")
    ENTITIES_MISSING = ("entities_missing", Verdict.DRIFTED,
                        "The main text no longer mentions enough of the article's key entities.")
    NO_MAIN_TEXT = ("no_main_text", Verdict.DRIFTED, "The page has no readable main text.")
    EMPTY_PAGE = ("empty_page", Verdict.DRIFTED, "The page answered with an empty body.")
    NO_KEY_ENTITIES = ("no_key_entities", Verdict.OK,
                       "The article names no key entities to look for: checked by status only.")
    NOT_A_TEXT_DOCUMENT = ("not_a_text_document", Verdict.OK,
                           "An image or other non-text document: checked by status only.")
    NO_EXTRACTABLE_TEXT = ("no_extractable_text", Verdict.OK,
                           "A PDF without extractable text (scanned?): checked by status only.")
    STATUS_ONLY = ("status_only", Verdict.OK, "The page answered but was not read: checked by status only.")
    # Not checked
    EXCLUDED = ("excluded", Verdict.EXCLUDED,
                "Not checked: the URL matches an exclude pattern or a line of the ignore file, or no "
                "include pattern.")


@dataclass(frozen=True)
class Decision:
    """The rule that decided a verdict, and a one-line reason for an editor."""

    rule: Rule
    reason: str    # one line: "HTTP 404 at https://…", "… says not found (heading 'Seite nicht gefunden')"

    @property
    def verdict(self) -> Verdict:
        return self.rule.verdict


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
    repair: Repair | None = None  # the archived copies looked at, when the run looked
    entities: tuple[Entity, ...] = ()  # the article's key entities, which the page was matched against


def worst(citations: Iterable[CitationResult]) -> CitationResult | None:
    """The citation with the worst verdict (see VerdictFacts.severity); None for none."""
    return min(citations, key=lambda c: VERDICT_FACTS[c.decision.verdict].severity, default=None)


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
        citation = worst(self.citations)
        if citation is None:
            raise ValueError(f"{self.url} has no citing article, hence no decision")
        return citation.decision


def decide(fetch: FetchResult, page: PageText | None, match: Match | None,
           probe: NotFoundProbe | None = None, accepted: Collection[int] = ()) -> Decision:
    """The verdict for one fetched, read and matched page; `accepted` are the statuses the
    configuration accepts from the final URL's host."""
    if fetch.error is not None:
        return _fetch_failure(fetch)
    status = fetch.status
    if status is None:
        return Decision(Rule.NO_RESPONSE, f"no HTTP response from {fetch.url}")
    if not 200 <= status < 300 and status in accepted:
        return Decision(Rule.ACCEPTED_STATUS, f"HTTP {status} at {fetch.final_url}, accepted for this host")
    if not 200 <= status < 300:
        return _http_failure(fetch, status, page)
    return _answered(fetch, page, match, probe)


# PRIVATE_ADDRESS is `invalid`: a source on a loopback or private network is not a public source,
# and retrying will not change that (unlike `unreachable`, which may clear on the next run).
FETCH_ERROR_RULES: dict[FetchError, tuple[Rule, str]] = {
    FetchError.INVALID_URL: (Rule.INVALID_URL, "the URL is malformed or not http(s)"),
    FetchError.PRIVATE_ADDRESS: (Rule.PRIVATE_ADDRESS, "the host is on a private or loopback network"),
    FetchError.DNS: (Rule.DNS, "the host name does not exist"),
    FetchError.TIMEOUT: (Rule.TIMEOUT, "the server did not answer in time"),
    FetchError.CONNECT: (Rule.CONNECT, "the connection was refused or the host is unreachable"),
    FetchError.RESET: (Rule.RESET, "the connection was reset"),
    FetchError.TLS: (Rule.TLS, "the TLS handshake failed"),
    FetchError.TOO_MANY_REDIRECTS: (Rule.TOO_MANY_REDIRECTS, "too many redirects"),
    FetchError.REDIRECT_LOOP: (Rule.REDIRECT_LOOP, "the redirects go round in a loop"),
    FetchError.BAD_REDIRECT: (Rule.BAD_REDIRECT, "a redirect without a usable target"),
    FetchError.BODY: (Rule.BROKEN_BODY, "the response body was broken"),
}
_GONE = {404: Rule.HTTP_404, 410: Rule.HTTP_410}
_BLOCKING_STATUSES = {401: (Rule.HTTP_401, "needs a login"), 403: (Rule.HTTP_403, "forbidden"),
                      451: (Rule.HTTP_451, "unavailable for legal reasons"),
                      429: (Rule.HTTP_429, "rate limited, did not clear within the retries")}
_MAX_NAMES = 5
_PROBE_SIMILARITY = 90.0   # rapidfuzz ratio (0..100) above which a page is the host's not-found page
_PROBE_MIN_TEXT = 50       # characters both texts need before their similarity means anything
# A paywall flag (JSON-LD isAccessibleForFree, a subscribe box) on a page whose text is there
# anyway says nothing: publishers flag pages they serve in full. Teasers behind the flags of the
# corpus had 260-970 characters of main text, the full texts behind such flags 1,790 and more.
PAYWALL_TEASER_MAX = 1200
_INDEX_PAGES = frozenset(("index.html", "index.htm", "index.php", "default.aspx", "start.html"))


class Redirection(StrEnum):
    """How a page sends its reader elsewhere."""

    REDIRECT = "redirect"
    META_REFRESH = "refresh"     # a meta refresh, or a script redirect of a page without text
    CANONICAL = "canonical"


def refresh_hop(hop: Hop, target: str) -> Hop:
    """The hop of a page that answered 2xx and refreshed to `target`, as a followed refresh is
    recorded in a chain: a 2xx hop that names a location (an HTTP redirect is a 3xx hop)."""
    return replace(hop, location=target)


def is_refresh_hop(hop: Hop) -> bool:
    """A hop recorded by refresh_hop."""
    return hop.location is not None and 200 <= hop.status < 300


class MoveTarget(StrEnum):
    """Where a move leads, relative to the cited page."""

    HOME = "home"
    SECTION = "section"
    OTHER = "other"


_MOVE_RULES = {
    (Redirection.REDIRECT, MoveTarget.HOME): Rule.REDIRECT_TO_HOME,
    (Redirection.REDIRECT, MoveTarget.SECTION): Rule.REDIRECT_TO_SECTION,
    (Redirection.REDIRECT, MoveTarget.OTHER): Rule.REDIRECT_TO_OTHER,
    (Redirection.META_REFRESH, MoveTarget.HOME): Rule.META_REFRESH_TO_HOME,
    (Redirection.META_REFRESH, MoveTarget.SECTION): Rule.META_REFRESH_TO_SECTION,
    (Redirection.META_REFRESH, MoveTarget.OTHER): Rule.META_REFRESH_TO_OTHER,
    (Redirection.CANONICAL, MoveTarget.HOME): Rule.CANONICAL_TO_HOME,
    (Redirection.CANONICAL, MoveTarget.SECTION): Rule.CANONICAL_TO_SECTION,
}


def _fetch_failure(fetch: FetchResult) -> Decision:
    assert fetch.error is not None
    rule, what = FETCH_ERROR_RULES[fetch.error]
    detail = f" ({fetch.error_detail})" if fetch.error_detail else ""
    return Decision(rule, f"{what}{detail}: {fetch.url}")


def _http_failure(fetch: FetchResult, status: int, page: PageText | None) -> Decision:
    at = f"HTTP {status} at {fetch.final_url}"
    if page is not None and page.bot_wall_cues and status in (403, 429, 503):
        return Decision(Rule.BOT_WALL, f"{at}: bot challenge ({page.bot_wall_cues[0]})")
    if status in _GONE:
        return Decision(_GONE[status], at)
    if status in _BLOCKING_STATUSES:
        rule, what = _BLOCKING_STATUSES[status]
        return Decision(rule, f"{at}: {what}")
    if 400 <= status < 500:
        return Decision(Rule.HTTP_4XX, at)
    if status >= 500:
        return Decision(Rule.HTTP_5XX, f"{at}: server error")
    return Decision(Rule.HTTP_UNEXPECTED, f"{at}: no page to read")


def _answered(fetch: FetchResult, page: PageText | None, match: Match | None,
              probe: NotFoundProbe | None) -> Decision:
    """A 2xx answer: is it the article, an error page in disguise, a wall, or something else?"""
    at = f"HTTP {fetch.status} at {fetch.final_url}"
    if page is None and not fetch.body:
        return Decision(Rule.EMPTY_PAGE, f"{at} has an empty body: nothing there supports the article")
    if page is None:
        return Decision(Rule.STATUS_ONLY, f"{at}; the page was not read")
    supports = match is not None and match.supports
    wall = None if supports else _wall_redirect(fetch, page)
    if wall is not None:
        return wall
    if page.bot_wall_cues:
        return Decision(Rule.BOT_WALL, f"{at} is a challenge page ({page.bot_wall_cues[0]})")
    if page.not_found_cues and not (supports and _weak_cues_only(page)):
        return Decision(Rule.NOT_FOUND_CUE, f"{at} says not found ({page.not_found_cues[0]})")
    like_probe = _like_probe(fetch, page, probe)
    if like_probe is not None and probe is not None:
        return Decision(like_probe, f"{at} looks like the host's not-found answer to {probe.url}")
    how, target = _redirect_target(fetch, page)
    kind = _move_kind(fetch.url, target) if target else None
    # Without key entities to miss, only a real redirect to a front page proves a move: nothing
    # tells an unrelated target from a copy at a new address, and a canonical link alone can be
    # a template's mistake (href="index.html").
    sure_move = how is not Redirection.CANONICAL and kind is not MoveTarget.OTHER
    if how is not None and kind is not None and not supports and (sure_move or _has_entities(match)):
        return Decision(_MOVE_RULES[how, kind], f"{fetch.url} now leads ({how}) to the {kind} page "
                        f"{target}{_missing(match)}")
    moved = f" (moved to {target})" if target else ""
    # Images and scanned PDFs cannot be read; calling them drifted would be a false alarm.
    if page.kind is PageKind.OTHER and not page.main_text:
        return Decision(Rule.NOT_A_TEXT_DOCUMENT, f"{at}{moved}: not a text document, checked by "
                        "status only")
    if page.kind is PageKind.PDF and not page.main_text.strip():
        return Decision(Rule.NO_EXTRACTABLE_TEXT, f"{at}{moved}: a PDF without extractable text "
                        "(scanned?), checked by status only")
    if match is None:
        return Decision(Rule.STATUS_ONLY, f"{at}{moved}; the text was not matched")
    if not _has_entities(match):
        # Nothing to look for (a how-to or a recipe without names): no evidence either way.
        return Decision(Rule.NO_KEY_ENTITIES, f"{at}{moved}: the article names no key entities to "
                        "look for, checked by status only")
    teaser = page.paywall and len(page.main_text.strip()) < PAYWALL_TEASER_MAX
    if supports:
        paywall = "; behind a paywall, the visible teaser" if teaser else ";"
        return Decision(Rule.ENTITIES_FOUND, f"{at}{moved}{paywall} mentions {_names(match.found)}")
    if teaser:
        return Decision(Rule.PAYWALL, f"{at}{moved}: the text is behind a paywall and the visible "
                        f"part does not mention {_names(match.missing)}")
    if not page.main_text.strip():
        return Decision(Rule.NO_MAIN_TEXT, f"{at}{moved} has no readable main text")
    return Decision(Rule.ENTITIES_MISSING, f"{at}{moved} no longer mentions "
                    f"{_names(match.missing)}{_found(match)}")


_WALL_RULES = {CueKind.CONSENT: (Rule.CONSENT_WALL_REDIRECT, "a consent page"),
               CueKind.LOGIN: (Rule.LOGIN_REDIRECT, "a login page"),
               CueKind.SUBSCRIPTION: (Rule.SUBSCRIPTION_REDIRECT, "a subscription offer")}


def _wall_redirect(fetch: FetchResult, page: PageText) -> Decision | None:
    """A redirect (or refresh) that leads to a consent, login or subscription page instead of a new
    place of the cited page. The kind of wall comes from words of the addresses led through (not
    those of the cited URL) or of the page (a password field, a heading); a word in an address is
    trusted with one more piece of evidence (the cited URL carried back in a query, 303 See Other,
    no article text, a sign on a page with little text), a sign on a page with little text only
    with the cited URL carried back, a 303, or no article text on a page that is not a front page."""
    if _comparable(fetch.final_url) == _comparable(fetch.url):
        return None  # a bounce that came back (A -> consent -> A): the page itself is judged
    cited_words = frozenset(address_words(fetch.url))
    targets = list(dict.fromkeys([hop.url for hop in fetch.chain[1:]] + [fetch.final_url]))
    in_address = next(filter(None, (_address_cue(url, cited_words) for url in targets)), None)
    on_page = next((c for c in (*page.wall_cues, *page.bot_wall_cues)
                    if c.kind in _WALL_RULES), None)
    evidence = []
    if any(_carries(url, fetch.url) for url in targets):
        evidence.append("it carries the cited URL back")
    if any(hop.status == 303 for hop in fetch.chain[:-1]):
        evidence.append("HTTP 303 See Other")
    text = len(page.main_text.strip())
    if in_address is not None:
        cue = in_address
        if text < NO_ARTICLE:
            evidence.append("no article text")
        if on_page is not None and text < SHORT_PAGE:
            evidence.append(str(on_page))
    elif on_page is not None and text < SHORT_PAGE:
        cue = on_page
        if text < NO_ARTICLE and _move_kind(fetch.url, fetch.final_url) is MoveTarget.OTHER:
            evidence.append("no article text")
    else:
        return None
    if not evidence:
        return None
    rule, what = _WALL_RULES[cue.kind]
    how = "refresh" if is_refresh_hop(fetch.chain[0]) else f"HTTP {fetch.chain[0].status}"
    return Decision(rule, f"{fetch.url} leads ({how}) to {what} {fetch.final_url}: a wall, not a move "
                    f"({cue}; {'; '.join(evidence)})")


def _address_cue(url: str, ignore: frozenset[str]) -> Cue | None:
    parts = urlsplit(url)
    names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    return address_wall_cue(parts.hostname or "", unquote(parts.path), names, ignore)


def _carries(url: str, cited: str) -> bool:
    """Whether a query or fragment value of `url` is the cited URL (or its path), plainly or
    percent-encoded once or more: the page means to send the reader back after the wall."""
    parts = urlsplit(url)
    cited_host, cited_path, _ = _comparable(cited)
    for _, value in parse_qsl(f"{parts.query}&{parts.fragment}", keep_blank_values=True):
        for _ in range(3):
            if "%" not in value:
                break
            value = unquote(value)
        value = value.strip()
        if not value:
            continue
        if "://" in value or value.startswith("//"):
            host, path, _ = _comparable(value if "://" in value else f"https:{value}")
            if host == cited_host and path == cited_path:
                return True
        elif value.startswith("/") and cited_path and tuple(_segments(value)) == cited_path:
            return True
    return False


def _has_entities(match: Match | None) -> bool:
    return match is None or bool(match.found or match.missing)


def _weak_cues_only(page: PageText) -> bool:
    """Only words a real article may use too ("nicht verfügbar" in a headline, a quoted phrase)."""
    return not any(cue.kind is CueKind.HEADING for cue in page.not_found_cues)


def _like_probe(fetch: FetchResult, page: PageText, probe: NotFoundProbe | None) -> Rule | None:
    """The rule when the page is what the host answers for a path that cannot exist."""
    if probe is None or probe.fetch.status is None or not 200 <= probe.fetch.status < 300:
        return None
    if not _segments(fetch.url):
        return None  # a cited home page is what hosts show for unknown paths, and still fine
    redirected = _comparable(fetch.final_url) != _comparable(fetch.url)
    if redirected and _comparable(fetch.final_url) == _comparable(probe.fetch.final_url):
        return Rule.SAME_AS_NOT_FOUND_PROBE
    if probe.page is None:
        return None
    ours, theirs = page.main_text[:5000], probe.page.main_text[:5000]
    if len(ours) >= _PROBE_MIN_TEXT and len(theirs) >= _PROBE_MIN_TEXT:
        if fuzz.ratio(ours, theirs) >= _PROBE_SIMILARITY:
            return Rule.LIKE_NOT_FOUND_PROBE
    elif not ours and not theirs and page.title and page.title == probe.page.title:
        return Rule.LIKE_NOT_FOUND_PROBE
    return None


def _redirect_target(fetch: FetchResult, page: PageText) -> tuple[Redirection | None, str | None]:
    """How and where a redirect, a meta refresh or a canonical link to a front page sends the reader."""
    cited = _comparable(fetch.url)
    # A refresh the pipeline did not follow (see pipeline._LinkChecker.follow_refreshes) still moves.
    refresh = page.meta_refresh_url or page.script_redirect_url
    if refresh and _comparable(refresh) not in (cited, _comparable(fetch.final_url)):
        return Redirection.META_REFRESH, refresh
    if _comparable(fetch.final_url) != cited:
        refreshed = any(is_refresh_hop(hop) for hop in fetch.chain)
        return (Redirection.META_REFRESH if refreshed else Redirection.REDIRECT), fetch.final_url
    canonical = page.canonical_url
    if (canonical and _comparable(canonical) != cited and _same_host(canonical, fetch.final_url)
            and _move_kind(fetch.url, canonical) is not MoveTarget.OTHER):
        return Redirection.CANONICAL, canonical
    return None, None


def _same_host(url: str, other: str) -> bool:
    """Both URLs on one host (www. aside). A canonical link to another host names the original of a
    syndicated or mirrored copy (or the desktop site of a mobile page): the copy has not moved."""
    return _comparable(url)[0] == _comparable(other)[0]


def _move_kind(cited: str, target: str) -> MoveTarget:
    """The site root, a section front above the cited path, or another page."""
    cited_path, target_path = _segments(cited), _segments(target)
    if not target_path:
        return MoveTarget.HOME
    if len(target_path) < len(cited_path) and (cited_path[: len(target_path)] == target_path
                                               or len(target_path) == 1):
        return MoveTarget.SECTION
    return MoveTarget.OTHER


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
