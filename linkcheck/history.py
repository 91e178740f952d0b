"""A link's state across runs (healthy, flaky, broken since ...) from its dated verdicts.

Like InternetArchiveBot: one failed run is not a dead link. A link becomes broken only after
`config.failures_to_break` failed runs in a row that span at least `config.broken_after_days`;
any success resets the streak. Runs in which the network itself was down change nothing.

What each verdict counts as (success, failure, inconclusive, invalid) is a fact of the verdict:
see `VerdictFacts.history` in verdict.py. A failure adds to the streak, a success resets it, an
inconclusive verdict (a block: the page may well be there) does neither, and an invalid URL is
broken at once, since waiting days cannot fix it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from .config import Config
from .verdict import Outcome, Verdict, facts


class LinkState(StrEnum):
    UNKNOWN = "unknown"    # never checked, or only inconclusive checks so far
    HEALTHY = "healthy"    # the last conclusive check succeeded
    FLAKY = "flaky"        # failing, but not yet long or often enough to call it broken
    BROKEN = "broken"      # failed on enough runs over enough days, no success since


def outcome(verdict: Verdict | str) -> Outcome:
    """What one run's verdict means for the link's history."""
    return facts(verdict).history


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
