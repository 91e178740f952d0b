"""Read the input's articles and their key entities in short-lived loader processes."""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import io
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import zstandard

from .article import (
    MAX_ARTICLE_BYTES,
    Article,
    ArticleError,
    CitedUrl,
    find_articles,
    parse_article,
    read_article,
    shown_path,
)
from .article_cache import ArticleCache
from .claims import claim_terms
from .cpu_limit import OutOfCpuTime, cpu_time_limit
from .entities import Entity, key_entities
from .helper_process import exit_with_parent, helper_command
from .language import guess_language
from .specificity import is_common_name

# Below this many articles per process, starting another loader costs more than it saves.
_ARTICLES_PER_LOADER = 100


@dataclass(frozen=True)
class ArticleBudget:
    """What one article may cost the loader: its file size, and the CPU time to read it and find
    its key entities. An article over budget is an input error of its own; the others are read."""

    max_bytes: int = MAX_ARTICLE_BYTES
    cpu_seconds: float = 10.0


def load_articles(paths: Sequence[Path], on_error: Callable[[str], None],
                  on_warning: Callable[[str], None], loaders: int = 0, cache: Path | None = None,
                  budget: ArticleBudget = ArticleBudget(), while_waiting: Callable[[], None] = lambda: None
                  ) -> list[tuple[Article, tuple[Entity, ...]]]:
    """Every readable article under `paths` with its key entities; unreadable ones are reported.

    Articles are read in short-lived processes, one per core (`loaders`) when there are many: the
    language data that entity extraction needs is large, and a long run should not carry it (the
    returned articles have no body). Their results come back compressed and are unpacked once they
    have exited, so that the two never peak together. Articles unchanged since they were put in
    `cache` (see article_cache.ArticleCache) are taken from there. An article over `budget` is
    reported like an unreadable one. `while_waiting` is called every second until the loaders are
    done (the run lock's heartbeat: reading is bounded by the budgets, so a live wait is progress).
    """
    paths = list(paths)
    shares = max(1, min(loaders or os.cpu_count() or 1, count_article_files(paths) // _ARTICLES_PER_LOADER))
    jobs = [(paths, share, shares, cache, budget.max_bytes, budget.cpu_seconds) for share in range(shares)]
    started: list[subprocess.Popen] = []
    with contextlib.ExitStack() as spool_files, ThreadPoolExecutor(shares) as threads:
        try:
            spools = [threads.submit(_run_loader, job, started, spool_files.enter_context(tempfile.TemporaryFile()))
                      for job in jobs]
            while concurrent.futures.wait(spools, timeout=1.0).not_done:
                while_waiting()
            spooled = [spool.result() for spool in spools]
        finally:  # interrupted, or a loader failed: no loader goes on reading (nor the pool waits for one)
            for process in started:
                if process.poll() is None:
                    process.kill()
        return list(_read_spools(spooled, on_error, on_warning))


def _run_loader(job: tuple, started: list[subprocess.Popen], spool: BinaryIO) -> BinaryIO:
    """One loader process (`python -m linkcheck.article_loader`) reading its share of the articles
    into `spool`, a temporary file: neither the loader nor the run holds the spool while the loaders
    run, and the run reads it back as a stream.

    A plain process, not a multiprocessing pool: a pool's queues start multiprocessing's resource
    tracker, a process of 12 MB that stays for the whole run."""
    command, env = helper_command("linkcheck.article_loader")
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=spool, env=env)
    started.append(process)
    process.communicate(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
    if process.returncode != 0:
        raise RuntimeError(f"an article loader exited with code {process.returncode}")
    spool.seek(0)
    return spool


def spool_articles(spool: BinaryIO, paths: list[Path], share: int = 0, shares: int = 1,
                   cache: Path | None = None, budget: ArticleBudget = ArticleBudget()) -> None:
    """In a loader process: the outcome (see _load_article) of each article file in this share of
    them (the share-th of `shares` equal runs, in order), pickled one after another into a zstd
    stream written to `spool` as it is made (a few MB for 20,000 articles); a path that does not
    exist is an outcome too. (Listing the files here spares the run 13 MB of Path objects for 20,000.)

    Articles found unchanged in `cache` (see ArticleCache) are not read again."""
    listing = list(_listing(paths))
    mine = listing[share * len(listing) // shares:(share + 1) * len(listing) // shares]
    with (ArticleCache(cache) as known,
          zstandard.ZstdCompressor(level=1).stream_writer(spool, closefd=False) as out):
        for file, problem in mine:
            outcome = problem if problem is not None else known.get(file, budget.max_bytes)
            if outcome is None:
                outcome = _load_article(file, budget)
                if not isinstance(outcome, str):
                    known.put(file, outcome)
            pickle.dump((file, outcome), out, protocol=pickle.HIGHEST_PROTOCOL)


def count_article_files(paths: list[Path]) -> int:
    """How many outcomes spool_articles gives for `paths` in all."""
    return sum(1 for _ in _listing(paths))


def _listing(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Each article file under `paths`, or a path that cannot be listed and why."""
    for path in paths:
        try:
            for file in find_articles([path]):
                yield file, None
        except ArticleError as exc:
            yield path, str(exc)


def with_claim_terms(article: Article) -> tuple[CitedUrl, ...]:
    """The article's cited URLs, those cited inline with their claim's weighted words."""
    if not any(cited.claim for cited in article.cited_urls):
        return article.cited_urls
    lang = guess_language(article.body, sure=False) or "de"
    return tuple(replace(cited, claim_terms=claim_terms(cited.claim, lang)) if cited.claim else cited
                 for cited in article.cited_urls)


def with_commonness(entities: tuple[Entity, ...], article: Article) -> tuple[Entity, ...]:
    """The entities with Entity.common set from the word frequency of the article's language
    (specificity.py)."""
    lang = guess_language(article.body, sure=False) or "de"
    return tuple(replace(entity, common=is_common_name(entity.name, lang)) for entity in entities)


def _load_article(file: Path, budget: ArticleBudget = ArticleBudget()) -> tuple[Article, tuple[Entity, ...]] | str:
    """The article without its body, and its key entities; or what went wrong."""
    _warm_up()  # the language data are loaded once per process, not charged to the first article
    try:
        with cpu_time_limit(budget.cpu_seconds):
            article = read_article(file, budget.max_bytes)
            entities = with_commonness(key_entities(article), article)
            return replace(article, body="", cited_urls=with_claim_terms(article)), entities
    except OutOfCpuTime:
        return (f"{shown_path(file)}: reading it took more than {budget.cpu_seconds:g} s of CPU time "
                "(article_cpu_seconds); not checked")
    except ArticleError as exc:
        return str(exc)
    except Exception as exc:  # a bug on one article must not cost the others their check
        return f"{shown_path(file)}: cannot be read ({type(exc).__name__}: {exc})"


@functools.cache
def _warm_up() -> None:
    key_entities(parse_article("01.01.2026\nBerlin\n\nBerlin.\n\nQuellen:\n- https://example.org/\n", "warm-up"))
    is_common_name("Berlin", "de")  # wordfreq's lists


def _read_spools(spools: list[BinaryIO], on_error: Callable[[str], None], on_warning: Callable[[str], None]
                 ) -> Iterator[tuple[Article, tuple[Entity, ...]]]:
    # Unpickled results share nothing: articles that name the same entity ("NATO", with its alias
    # list) get one copy of it, or at least of its name and aliases.
    entities_seen: dict[Entity, Entity] = {}
    alias_lists: dict[tuple[str, ...], tuple[str, ...]] = {}
    names: dict[str, str] = {}

    def shared(entity: Entity) -> Entity:
        if (seen := entities_seen.get(entity)) is None:
            seen = entities_seen[entity] = replace(entity, name=names.setdefault(entity.name, entity.name),
                                                   aliases=alias_lists.setdefault(entity.aliases, entity.aliases))
        return seen

    for spooled in spools:
        yield from _read_spool(spooled, shared, on_error, on_warning)


def _read_spool(spooled: BinaryIO, shared: Callable[[Entity], Entity], on_error: Callable[[str], None],
                on_warning: Callable[[str], None]) -> Iterator[tuple[Article, tuple[Entity, ...]]]:
    with io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(spooled, closefd=False)) as records:
        while True:
            try:
                file, outcome = pickle.load(records)
            except EOFError:
                return
            if isinstance(outcome, str):
                on_error(outcome)
                continue
            article, entities = outcome
            entities = tuple(map(shared, entities))
            for warning in article.warnings:
                on_warning(f"{article.path}: warning: {warning}")
            yield article, entities


if __name__ == "__main__":
    exit_with_parent(os.getppid())
    paths, share, shares, cache, max_bytes, cpu_seconds = pickle.load(sys.stdin.buffer)
    spool_articles(sys.stdout.buffer, paths, share, shares, cache, ArticleBudget(max_bytes, cpu_seconds))
