"""A CPU-time limit for a block of code in the main thread (a page's PDF, an article's entities)."""

from __future__ import annotations

import gc
import signal
from collections.abc import Iterator
from contextlib import contextmanager


class OutOfCpuTime(BaseException):
    """The block used up its CPU time; a BaseException, so that no `except Exception` in the code it
    interrupts (pypdf's, the entity code's) can swallow it."""


@contextmanager
def cpu_time_limit(seconds: float) -> Iterator[None]:
    """Raise OutOfCpuTime in the block once the process has used `seconds` of CPU time in it
    (ITIMER_PROF: user and system time, not time spent waiting).

    Only in the main thread; elsewhere the block runs unlimited (the page workers' own CPU rlimit
    still holds). The collector is off in the block, so that the exception never lands in a gc
    callback, where it would be swallowed; the timer fires again every 50 ms of CPU after the first
    time in case a __del__ swallowed it."""
    armed = True

    def expire(signum: int, frame: object) -> None:
        if armed:
            raise OutOfCpuTime

    try:
        previous = signal.signal(signal.SIGPROF, expire)
    except ValueError:  # not the main thread
        yield
        return
    collecting = gc.isenabled()
    gc.disable()
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.05)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        if collecting:
            gc.enable()
