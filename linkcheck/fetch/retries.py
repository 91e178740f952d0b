"""Retries of one hop: which answers are worth another attempt, how long to wait (backoff and
Retry-After), and the time budget of one URL."""

from __future__ import annotations

import email.utils
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from tenacity import AsyncRetrying, RetryCallState, wait_exponential_jitter

from ..config import Config
from .failures import Failure

BACKOFF = wait_exponential_jitter(multiplier=0.5, max=8.0, jitter=0.5)


class Answer(Protocol):
    """What an attempt returns: a status and the Retry-After the server asked for."""

    status: int
    retry_after: float | None


@dataclass
class Budget:
    """Bounded total time per URL; starts with its first attempt, not while queued."""

    seconds: float
    deadline: float | None = None
    attempts: int = 0

    def remaining(self, now: float) -> float:
        if self.deadline is None:
            self.deadline = now + self.seconds
        return self.deadline - now


def url_budget(config: Config) -> float:
    """Longest time one URL may take once started: every attempt plus waits between them."""
    longest_wait = max(config.max_retry_after, 8.5)
    return config.timeout * (config.retries + 1) + config.retries * longest_wait


def is_retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def hop_retrying(config: Config, budget: Budget, clock: Callable[[], float],
                 sleep: Callable[[float], Awaitable[None]]) -> AsyncRetrying:
    """The tenacity policy for one hop: retry retryable failures, 5xx and 429 with backoff, within
    `config.retries` and the URL's budget; a Retry-After longer than `max_retry_after` is not waited
    for (the answer is returned). Failures that run out of retries are raised; answers returned."""

    def stop(state: RetryCallState) -> bool:
        answer = _answer(state)
        too_long = answer is not None and (answer.retry_after or 0) > config.max_retry_after
        return too_long or state.attempt_number > config.retries or budget.remaining(clock()) <= 0

    def wait(state: RetryCallState) -> float:
        # The host gate adds whatever Retry-After asks for beyond this backoff.
        return max(0.0, min(BACKOFF(state), budget.remaining(clock())))

    def should_retry(state: RetryCallState) -> bool:
        outcome = state.outcome
        if outcome is None:
            return False
        if outcome.failed:
            error = outcome.exception()
            return isinstance(error, Failure) and error.retryable
        return is_retryable_status(outcome.result().status)

    return AsyncRetrying(stop=stop, wait=wait, retry=should_retry, sleep=sleep,
                         retry_error_callback=lambda state: state.outcome.result() if state.outcome else None)


def _answer(state: RetryCallState) -> Answer | None:
    if state.outcome is None or state.outcome.failed:
        return None
    return state.outcome.result()
