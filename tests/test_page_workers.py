"""page_workers.PageWorkers: pages read in helper processes fed through pipes."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import subprocess
import sys

import pytest

from linkcheck.entities import Entity, EntityKind
from linkcheck.page_budget import PageBudget, PageBudgetExceeded, PageLimits
from linkcheck.page_reader import FRAME_HEADER
from linkcheck.page_workers import PageWorkerDied, PageWorkers

from documents import pdf_bomb

HEADERS = {"content-type": "text/html; charset=utf-8"}


def story(name: str) -> bytes:
    paragraph = f"<p>{name} sprach am Montag in Brüssel lange über die Lage und die nächsten Schritte.</p>"
    return f"<html><head><title>{name}</title></head><body><article>{paragraph * 4}</article></body></html>".encode()


def test_concurrent_pages_each_get_their_own_text_and_matches() -> None:
    names = [f"Person{n} Beispiel" for n in range(12)]
    entities = tuple((Entity(name, EntityKind.PERSON, 1.0, (name,)),) for name in names)

    async def go():
        workers = PageWorkers(2)
        try:
            return await asyncio.gather(*(workers.read(story(name), HEADERS, "https://news.example/a", (ents,))
                                          for name, ents in zip(names, entities)))
        finally:
            await workers.aclose()

    for name, (page, (match,)) in zip(names, asyncio.run(go())):
        assert page.title == name
        assert match.found == (name,)


def test_an_error_reading_a_page_reaches_the_caller_and_the_worker_goes_on() -> None:
    async def go():
        workers = PageWorkers(1)
        try:
            with pytest.raises(AttributeError):
                await workers.read(story("Anna Schmidt"), None, "https://news.example/a")  # type: ignore[arg-type]
            page, _ = await workers.read(story("Anna Schmidt"), HEADERS, "https://news.example/a")
            return page.title
        finally:
            await workers.aclose()

    assert asyncio.run(go()) == "Anna Schmidt"


def with_one_worker(scenario):
    """Run `scenario(workers, worker)` once the one worker has read a page."""
    async def go():
        workers = PageWorkers(1)
        try:
            await workers.read(story("Anna Schmidt"), HEADERS, "https://news.example/a")
            return await scenario(workers, workers._workers[0])
        finally:
            await workers.aclose()

    return asyncio.run(go())


def test_a_dead_worker_costs_its_page_and_is_replaced() -> None:
    async def scenario(workers, worker):
        os.kill(worker.process.pid, signal.SIGKILL)
        await worker.answers  # the run notices the worker is gone
        replacement, _ = await workers.read(story("Ben Meyer"), HEADERS, "https://news.example/b")
        return worker.process.returncode, replacement.title, len(workers._workers)

    code, title, alive = with_one_worker(scenario)
    assert code == -signal.SIGKILL and title == "Ben Meyer" and alive == 1


def test_a_page_in_flight_when_its_worker_dies_fails_with_page_worker_died() -> None:
    async def scenario(workers, worker):
        worker.process.stdin.write(FRAME_HEADER.pack(10**9))  # a frame it waits to read to its end
        reading = asyncio.ensure_future(workers.read(story("Ben Meyer"), HEADERS, "https://news.example/b"))
        await asyncio.sleep(0.2)
        os.kill(worker.process.pid, signal.SIGKILL)
        with pytest.raises(PageWorkerDied):
            await reading

    with_one_worker(scenario)


# A resident page worker holds what it imports for the whole run: none of the run's own machinery.
NOT_FOR_PAGE_WORKERS = ("linkcheck.fetch", "linkcheck.archive", "linkcheck.cli", "linkcheck.pipeline",
                        "linkcheck.article_loader", "linkcheck.article_cache", "simplemma", "sqlite3")


def test_a_page_worker_reads_and_matches_pages_without_the_fetcher_archive_cli_or_lexicon(tmp_path):
    entities = (Entity("Anna Schmidt", EntityKind.PERSON, 1.0, ("Schmidt",)),
                Entity("Brüssel", EntityKind.PLACE, 0.9, ("Brussels",)))
    request = pickle.dumps((7, story("Anna Schmidt"), HEADERS, "https://news.example/a", (entities,)))
    modules = tmp_path / "modules"
    serve_then_list_modules = ("import runpy, sys; runpy.run_module('linkcheck.page_reader', run_name='__main__'); "
                               "open(sys.argv[1], 'w').write(' '.join(sys.modules))")

    worker = subprocess.run([sys.executable, "-c", serve_then_list_modules, str(modules)],
                            input=FRAME_HEADER.pack(len(request)) + request, capture_output=True, check=True)

    job, ok, (page, (match,)) = pickle.loads(worker.stdout[FRAME_HEADER.size:])
    assert (job, ok, page.title, match.found) == (7, True, "Anna Schmidt", ("Anna Schmidt", "Brüssel"))
    assert set(NOT_FOR_PAGE_WORKERS).isdisjoint(modules.read_text().split())


def read_alone(limits: PageLimits, *pages: tuple[bytes, dict[str, str]]):
    """Read `pages` at once with one worker under `limits`; then a good page. Returns what each
    page gave (an exception or its title), the good page's title, and the workers started."""
    async def go():
        workers = PageWorkers(1, limits)
        try:
            got = await asyncio.gather(*(workers.read(body, headers, "https://news.example/r")
                                         for body, headers in pages), return_exceptions=True)
            after, _ = await workers.read(story("Ben Meyer"), HEADERS, "https://news.example/b")
            return [g if isinstance(g, BaseException) else g[0].title for g in got], after.title
        finally:
            await workers.aclose()

    return asyncio.run(go())


PDF = {"content-type": "application/pdf"}


def test_a_page_past_its_cpu_time_ends_its_worker_and_fails_with_the_cpu_budget():
    limits = PageLimits(page_cpu_seconds=1, page_seconds=120, pdf_seconds=120)
    (failed,), after = read_alone(limits, (pdf_bomb(), PDF))
    assert isinstance(failed, PageBudgetExceeded) and failed.budget is PageBudget.CPU, failed
    assert "page_cpu_seconds" in str(failed) and after == "Ben Meyer"


def test_a_page_past_its_time_is_killed_and_the_page_behind_it_is_read_by_a_new_worker():
    limits = PageLimits(page_cpu_seconds=120, page_seconds=1, pdf_seconds=120)
    (failed, behind), after = read_alone(limits, (pdf_bomb(), PDF), (story("Anna Schmidt"), HEADERS))
    assert isinstance(failed, PageBudgetExceeded) and failed.budget is PageBudget.WALL, failed
    assert behind == "Anna Schmidt" and after == "Ben Meyer"


def test_a_page_past_the_memory_limit_fails_with_the_memory_budget():
    # 4 MB of markup: about 380 MB of address space in a worker that starts at about 200 MB.
    paragraph = b"<p>Der Bundestag hat <b>am</b> Freitag <a href=x>den</a> Haushalt beschlossen.</p>"
    page = b"<html><body>" + paragraph * 50_000 + b"</body></html>"
    (failed,), after = read_alone(PageLimits(page_memory_mb=300), (page, HEADERS))
    assert isinstance(failed, PageBudgetExceeded) and failed.budget is PageBudget.MEMORY, failed
    assert after == "Ben Meyer"


def test_a_worker_whose_run_stopped_listening_leaves_without_a_traceback():
    request = pickle.dumps((1, story("Anna Schmidt"), HEADERS, "https://news.example/a", ()))
    worker = subprocess.Popen([sys.executable, "-m", "linkcheck.page_reader"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    worker.stdout.close()  # as when the run was killed: nobody reads the answer
    _, errors = worker.communicate(FRAME_HEADER.pack(len(request)) + request, timeout=60)
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors, errors.decode()
