"""The page-worker server, `python -m linkcheck.page_reader`: fetched pages read and matched.

It imports only what reading a page needs (page text, entity matching), not the fetcher, the
archive, the article loader or the command line: each page worker is a resident process, and its
imports are part of the run's memory. page_workers starts and feeds these processes.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import resource
import signal
import struct
from functools import lru_cache

from .entities import Entity
from .helper_process import exit_with_parent
from .match import EntityMatcher, Match
from .page import PageText, extract_page
from .page_budget import DEFAULT_LIMITS, PageBudget, PageLimits

FRAME_HEADER = struct.Struct("!Q")  # the length of the pickle that follows, between us and page_workers


def read_page(body: bytes, headers: dict[str, str], url: str, entity_sets: tuple[tuple[Entity, ...], ...],
              limits: PageLimits = DEFAULT_LIMITS) -> tuple[PageText, tuple[Match, ...]]:
    """In a page worker: the page's text and its match against each article's entities."""
    page = extract_page(body, headers, url, limits.pdf_seconds)
    return page, tuple(_matcher(entities).match(page.title, page.main_text, page.caption_spans)
                       for entities in entity_sets)


@lru_cache(maxsize=256)
def _matcher(entities: tuple[Entity, ...]) -> EntityMatcher:
    return EntityMatcher(entities)


def serve_pages(limits: PageLimits = DEFAULT_LIMITS) -> None:
    """A page worker: read_page requests on stdin, answers on stdout, each a pickled frame (see
    page_workers). Leaves at the end of its input, or when the run that started it is gone.

    Its memory is capped at page_memory_mb, and before each page its CPU time at what it has used
    plus page_cpu_seconds: past that the kernel ends it (SIGXCPU), and the run replaces it."""
    requests = open(0, "rb", closefd=False)
    answers = open(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the answers
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle: it closes our input
    exit_with_parent(os.getppid())
    _set_soft_limit(resource.RLIMIT_AS, limits.page_memory_mb * 1024 * 1024)
    _set_soft_limit(resource.RLIMIT_CORE, 0)  # a worker ended for its CPU time leaves no core file
    while len(header := requests.read(FRAME_HEADER.size)) == FRAME_HEADER.size:
        job, body, headers, url, entity_sets = pickle.loads(requests.read(FRAME_HEADER.unpack(header)[0]))
        _limit_cpu_time(limits.page_cpu_seconds)
        answer: tuple[int, bool, object]
        try:
            answer = (job, True, read_page(body, headers, url, entity_sets, limits))
        except MemoryError:
            answer = (job, False, limits.exceeded(PageBudget.MEMORY))
        except Exception as exc:  # the run judges this link as failed and goes on
            answer = (job, False, exc)
        try:
            payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that cannot be pickled still reaches the run
            payload = pickle.dumps((job, False, RuntimeError(f"{type(answer[2]).__name__}: {answer[2]}"
                                                             f" (and the answer cannot be sent: {exc})")))
        try:
            answers.write(FRAME_HEADER.pack(len(payload)))
            answers.write(payload)
            answers.flush()
        except OSError:  # the run is gone (killed) or stopped listening: nobody to tell, no traceback
            os._exit(0)


def _limit_cpu_time(seconds: float) -> None:
    """Let this process use `seconds` more CPU time (whole seconds, rounded up) from now."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    _set_soft_limit(resource.RLIMIT_CPU, math.ceil(used.ru_utime + used.ru_stime + seconds))


def _set_soft_limit(kind: int, value: int) -> None:
    """The soft limit only, within the hard one: the next page may need a higher soft limit again."""
    _, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def _limits_from_arguments() -> PageLimits:
    parser = argparse.ArgumentParser(prog="python -m linkcheck.page_reader")
    defaults = DEFAULT_LIMITS
    parser.add_argument("--page-cpu-seconds", type=float, default=defaults.page_cpu_seconds)
    parser.add_argument("--page-memory-mb", type=int, default=defaults.page_memory_mb)
    parser.add_argument("--pdf-seconds", type=float, default=defaults.pdf_seconds)
    known, _ = parser.parse_known_args()
    return PageLimits(page_cpu_seconds=known.page_cpu_seconds, page_memory_mb=known.page_memory_mb,
                      pdf_seconds=known.pdf_seconds)


if __name__ == "__main__":
    serve_pages(_limits_from_arguments())
