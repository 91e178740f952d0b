"""The page-worker server, `python -m linkcheck.page_reader`: fetched pages read and matched.

It imports only what reading a page needs (page text, entity matching), not the fetcher, the
archive, the article loader or the command line: each page worker is a resident process, and its
imports are part of the run's memory. page_workers starts and feeds these processes.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
from functools import lru_cache

from .entities import Entity
from .helper_process import exit_with_parent
from .match import EntityMatcher, Match
from .page import PageText, extract_page

FRAME_HEADER = struct.Struct("!Q")  # the length of the pickle that follows, between us and page_workers


def read_page(body: bytes, headers: dict[str, str], url: str, entity_sets: tuple[tuple[Entity, ...], ...]
              ) -> tuple[PageText, tuple[Match, ...]]:
    """In a page worker: the page's text and its match against each article's entities."""
    page = extract_page(body, headers, url)
    return page, tuple(_matcher(entities).match(page.title, page.main_text, page.caption_spans)
                       for entities in entity_sets)


@lru_cache(maxsize=256)
def _matcher(entities: tuple[Entity, ...]) -> EntityMatcher:
    return EntityMatcher(entities)


def serve_pages() -> None:
    """A page worker: read_page requests on stdin, answers on stdout, each a pickled frame (see
    page_workers). Leaves at the end of its input, or when the run that started it is gone."""
    requests = open(0, "rb", closefd=False)
    answers = open(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the answers
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle: it closes our input
    exit_with_parent(os.getppid())
    while len(header := requests.read(FRAME_HEADER.size)) == FRAME_HEADER.size:
        job, body, headers, url, entity_sets = pickle.loads(requests.read(FRAME_HEADER.unpack(header)[0]))
        answer: tuple[int, bool, object]
        try:
            answer = (job, True, read_page(body, headers, url, entity_sets))
        except Exception as exc:  # the run judges this link as failed and goes on
            answer = (job, False, exc)
        try:
            payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that cannot be pickled still reaches the run
            payload = pickle.dumps((job, False, RuntimeError(f"{type(answer[2]).__name__}: {answer[2]}"
                                                             f" (and the answer cannot be sent: {exc})")))
        answers.write(FRAME_HEADER.pack(len(payload)))
        answers.write(payload)
        answers.flush()


if __name__ == "__main__":
    serve_pages()
