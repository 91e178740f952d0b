"""The link state machine: healthy / flaky / broken, IABot-style."""

from datetime import UTC, datetime, timedelta

import pytest

from linkcheck.config import Config
from linkcheck.history import LinkHistory, LinkState, Outcome, outcome, replay, step
from linkcheck.verdict import Verdict

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CONFIG = Config()  # failures_to_break=3, broken_after_days=3.0


def run(*observations, config=CONFIG):
    """Replay (verdict, day[, network_up]) observations from a fresh link."""
    return replay(((Verdict(v), T0 + timedelta(days=d), *(rest or (True,)))
                   for v, d, *rest in observations), config)


@pytest.mark.parametrize("verdict, expected", [
    ("ok", Outcome.SUCCESS), ("drifted", Outcome.SUCCESS),
    ("dead", Outcome.FAILURE), ("soft_404", Outcome.FAILURE), ("moved", Outcome.FAILURE),
    ("unreachable", Outcome.FAILURE), ("blocked", Outcome.INCONCLUSIVE),
    ("invalid", Outcome.INVALID),
])
def test_outcome_of_each_verdict(verdict, expected):
    assert outcome(verdict) is expected


@pytest.mark.parametrize("observations, state, failures", [
    ((), LinkState.UNKNOWN, 0),
    ((("ok", 0),), LinkState.HEALTHY, 0),
    ((("drifted", 0),), LinkState.HEALTHY, 0),
    ((("dead", 0),), LinkState.FLAKY, 1),
    ((("dead", 0), ("dead", 1)), LinkState.FLAKY, 2),
    # three failures, but only two days apart: not yet broken
    ((("dead", 0), ("dead", 1), ("dead", 2)), LinkState.FLAKY, 3),
    # three failures spanning three days: broken
    ((("dead", 0), ("dead", 1), ("dead", 3)), LinkState.BROKEN, 3),
    # two failures spanning a week are too few
    ((("dead", 0), ("dead", 7)), LinkState.FLAKY, 2),
    # any failing verdict counts towards the streak
    ((("unreachable", 0), ("soft_404", 2), ("moved", 4)), LinkState.BROKEN, 3),
    # a success resets the streak
    ((("dead", 0), ("dead", 2), ("ok", 3), ("dead", 4)), LinkState.FLAKY, 1),
    ((("dead", 0), ("dead", 2), ("dead", 4), ("ok", 5)), LinkState.HEALTHY, 0),
    # blocked neither counts nor resets
    ((("dead", 0), ("blocked", 1), ("dead", 2), ("dead", 3)), LinkState.BROKEN, 3),
    ((("ok", 0), ("blocked", 1)), LinkState.HEALTHY, 0),
    ((("blocked", 0),), LinkState.UNKNOWN, 0),
    # a network-down run changes nothing
    ((("ok", 0), ("dead", 1, False), ("dead", 2, False), ("dead", 5, False)), LinkState.HEALTHY, 0),
    ((("dead", 0), ("dead", 1), ("ok", 2, False), ("dead", 3)), LinkState.BROKEN, 3),
    # a malformed URL is broken at once
    ((("invalid", 0),), LinkState.BROKEN, 1),
    # once broken, further failures keep it broken
    ((("dead", 0), ("dead", 1), ("dead", 3), ("unreachable", 4)), LinkState.BROKEN, 4),
])
def test_state_after_observations(observations, state, failures):
    history = run(*observations)
    assert history.state is state
    assert history.consecutive_failures == failures


def test_broken_since_is_the_run_that_broke_it_and_failing_since_the_first_failure():
    history = run(("ok", 0), ("dead", 1), ("dead", 2), ("dead", 4), ("dead", 6))
    assert history.state_since == T0 + timedelta(days=4)
    assert history.failing_since == T0 + timedelta(days=1)


def test_state_since_is_kept_while_the_state_holds():
    history = run(("ok", 0), ("ok", 3), ("blocked", 4))
    assert history.state_since == T0


def test_thresholds_come_from_config():
    strict = Config(failures_to_break=2, broken_after_days=1.0)
    assert run(("dead", 0), ("dead", 1), config=strict).state is LinkState.BROKEN
    assert run(("dead", 0), ("dead", 0.5), config=strict).state is LinkState.FLAKY


def test_step_is_pure():
    before = LinkHistory()
    after = step(before, Verdict.DEAD, T0, CONFIG)
    assert before == LinkHistory() and after.state is LinkState.FLAKY
