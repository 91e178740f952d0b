"""A link's state across runs (healthy, flaky, broken since ...) from its dated verdicts.

Like InternetArchiveBot: one failed run is not a dead link. A link becomes broken only after
`config.failures_to_break` failed runs in a row that span at least `config.broken_after_days`;
any success resets the streak. Runs in which the network itself was down change nothing.

Which verdicts count:
- failure: dead, soft_404, moved, unreachable (the cited page is gone or cannot be reached).
- success: ok, drifted. A drifted page is there; that it no longer supports the article is a
  content problem, shown by the `unsupported_sources` view, not a broken link.
- inconclusive: blocked (401/403/429, bot walls, paywalls). The page may well be there; a block
  neither adds a failure nor resets the streak (IABot's paywall rule: auth codes are never dead).
- invalid: the cited URL is malformed. Waiting days cannot fix that, so it is broken at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from .config import Config
from .verdict import Verdict


class LinkState(StrEnum):
    UNKNOWN = "unknown"    # never checked, or only inconclusive checks so far
    HEALTHY = "healthy"    # the last conclusive check succeeded
    FLAKY = "flaky"        # failing, but not yet long or often enough to call it broken
    BROKEN = "broken"      # failed on enough runs over enough days, no success since


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    INCONCLUSIVE = "inconclusive"
    INVALID = "invalid"


FAILURE_VERDICTS = frozenset({Verdict.DEAD, Verdict.SOFT_404, Verdict.MOVED, Verdict.UNREACHABLE})
SUCCESS_VERDICTS = frozenset({Verdict.OK, Verdict.DRIFTED})


def outcome(verdict: Verdict | str) -> Outcome:
    """What one run's verdict means for the link's history."""
    verdict = Verdict(verdict)
    if verdict in FAILURE_VERDICTS:
        return Outcome.FAILURE
    if verdict in SUCCESS_VERDICTS:
        return Outcome.SUCCESS
    if verdict is Verdict.INVALID:
        return Outcome.INVALID
    return Outcome.INCONCLUSIVE


@dataclass(frozen=True)
class LinkHistory:
    """The part of a link's past that decides its next state."""

    state: LinkState = LinkState.UNKNOWN
    state_since: datetime | None = None      # when the link entered `state`
    consecutive_failures: int = 0            # failed runs since the last success
    failing_since: datetime | None = None    # first failure of the current streak


def step(history: LinkHistory, verdict: Verdict | str, at: datetime, config: Config,
         network_up: bool = True) -> LinkHistory:
    """The history after one more run's verdict observed at `at`."""
    if not network_up:
        return history
    kind = outcome(verdict)
    if kind is Outcome.INCONCLUSIVE:
        return history
    if kind is Outcome.SUCCESS:
        return _enter(LinkHistory(history.state, history.state_since), LinkState.HEALTHY, at)
    failing_since = history.failing_since or at
    failures = history.consecutive_failures + 1
    counted = replace(history, consecutive_failures=failures, failing_since=failing_since)
    if kind is Outcome.INVALID:
        return _enter(counted, LinkState.BROKEN, at)
    spanned = at - failing_since >= timedelta(days=config.broken_after_days)
    if history.state is LinkState.BROKEN or (failures >= config.failures_to_break and spanned):
        return _enter(counted, LinkState.BROKEN, at)
    return _enter(counted, LinkState.FLAKY, at)


def replay(observations: Iterable[tuple[Verdict | str, datetime, bool]], config: Config,
           start: LinkHistory | None = None) -> LinkHistory:
    """Fold `step` over (verdict, at, network_up) observations, oldest first."""
    history = start or LinkHistory()
    for verdict, at, network_up in observations:
        history = step(history, verdict, at, config, network_up)
    return history


def _enter(history: LinkHistory, state: LinkState, at: datetime) -> LinkHistory:
    if history.state is state and history.state_since is not None:
        return history
    return replace(history, state=state, state_since=at)
