"""One pure decision from (fetch result, page, match) to a verdict and a reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .article import Article, CitedUrl
from .fetch import FetchResult
from .match import Match
from .page import PageText


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
    raise NotImplementedError
