"""Read fetched pages in helper processes, fed through their own pipes from the event loop.

Each worker is `python -m linkcheck.page_reader`: it reads requests on stdin and writes answers
on stdout, one pickled frame each (an 8-byte length, then the pickle). The event loop writes and
reads those pipes itself. A ProcessPoolExecutor would need two threads and a lock handshake for
every page: for small pages that cost 0.2 ms of the run's main process per page, seven times the
pipes alone, and its lock waits stalled the event loop.

A page may cost its worker so much (see page_budget.PageLimits): the worker's memory and its CPU
time per page are capped by the kernel, which ends a worker past its CPU time; the run kills a
worker whose page takes longer than page_seconds on the clock. Either way that page fails with
PageBudgetExceeded, the pages queued behind it go to another worker, and a new worker is started.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pickle
import signal
from dataclasses import dataclass, field

from .entities import Entity
from .helper_process import helper_command
from .match import Match
from .page import PageText
from .page_budget import DEFAULT_LIMITS, PageBudget, PageLimits
from .page_reader import FRAME_HEADER

_PIPE_BYTES = 1 << 20    # a page crosses in one or two writes, not a dozen (Linux default: 64 KB)
_F_SETPIPE_SZ = 1031


class PageWorkerDied(RuntimeError):
    """A page worker exited while reading a page (killed, crashed): that page is lost."""


class _Resend(Exception):
    """The page was waiting behind another page whose worker died: it goes to another worker."""


# A page whose worker died before reading it is sent to another worker up to this many times.
_SENDS = 3


@dataclass
class _Worker:
    process: asyncio.subprocess.Process
    answers: asyncio.Task | None = None
    pending: dict[int, asyncio.Future] = field(default_factory=dict)  # in the order it reads them
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)
    reading_since: float = 0.0         # loop time when it began on its first pending page
    overran: int | None = None         # the job it was killed for: past page_seconds
    retired: bool = False              # being killed: takes no more pages


class PageWorkers:
    """`count` worker processes (0: one per core), started on first use; a dead one is replaced."""

    def __init__(self, count: int = 0, limits: PageLimits = DEFAULT_LIMITS) -> None:
        self.count = count or os.cpu_count() or 1
        self.limits = limits
        self._workers: list[_Worker] = []
        self._starting: asyncio.Task | None = None
        self._job_ids = itertools.count()

    async def read(self, body: bytes, headers: dict[str, str], url: str,
                   entity_sets: tuple[tuple[Entity, ...], ...] = ()) -> tuple[PageText, tuple[Match, ...]]:
        """The page's text and its match against each entity set (see page_reader.read_page).

        Raises what read_page raised, PageBudgetExceeded, or PageWorkerDied."""
        for sends in itertools.count(1):
            try:
                return await self._read_once(body, headers, url, entity_sets)
            except _Resend as resend:
                if sends >= _SENDS:
                    raise PageWorkerDied(f"page workers kept dying before reading the page ({resend})") from None
        raise AssertionError("unreachable")

    async def _read_once(self, body: bytes, headers: dict[str, str], url: str,
                         entity_sets: tuple[tuple[Entity, ...], ...]) -> tuple[PageText, tuple[Match, ...]]:
        worker = await self._least_busy()
        job = next(self._job_ids)
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        if not worker.pending:
            worker.reading_since = loop.time()
        worker.pending[job] = answer
        stdin = worker.process.stdin
        assert stdin is not None
        try:
            # One page at a time into the pipe: waiting pages are not copied into its buffer.
            async with worker.sending:
                payload = pickle.dumps((job, body, headers, url, entity_sets), protocol=pickle.HIGHEST_PROTOCOL)
                stdin.write(FRAME_HEADER.pack(len(payload)))
                stdin.write(payload)
                del payload
                await stdin.drain()  # waits while the worker's pipe is full, without blocking the loop
        except (ConnectionError, RuntimeError) as exc:  # the worker is gone: another one reads the page
            worker.pending.pop(job, None)
            raise _Resend(f"page worker {worker.process.pid} cannot take pages: {exc}") from None
        return await self._answer(worker, answer)

    async def _answer(self, worker: _Worker, answer: asyncio.Future) -> tuple[PageText, tuple[Match, ...]]:
        """Wait for the answer; kill the worker when the page it is reading (ours or one before
        it) has taken longer than page_seconds: its reader then fails that page."""
        loop = asyncio.get_running_loop()
        while not answer.done():
            left: float | None = worker.reading_since + self.limits.page_seconds - loop.time()
            if worker.retired:
                left = None  # killed: the answer (an exception) comes when the process has ended
            elif worker.pending and left is not None and left <= 0:
                worker.overran, worker.retired = next(iter(worker.pending)), True
                worker.process.kill()
                left = None
            try:
                await asyncio.wait_for(asyncio.shield(answer), left)
            except TimeoutError:
                pass
        return answer.result()

    async def aclose(self) -> None:
        """Stop every worker (closing its input ends it) and wait for them."""
        workers, self._workers = self._workers, []
        for worker in workers:
            if worker.process.stdin is not None:
                worker.process.stdin.close()
        for worker in workers:
            try:
                await asyncio.wait_for(worker.process.wait(), 2.0)
            except TimeoutError:  # busy with a huge page: it would finish, but nobody waits for it
                worker.process.kill()
                await worker.process.wait()
            if worker.answers is not None:
                worker.answers.cancel()

    async def _least_busy(self) -> _Worker:
        self._workers = [w for w in self._workers if w.process.returncode is None and not w.retired]
        if len(self._workers) < self.count:
            if self._starting is None or self._starting.done():  # one start at a time, shared
                self._starting = asyncio.ensure_future(self._start())
            await asyncio.shield(self._starting)
        return min(self._workers, key=lambda w: len(w.pending))

    async def _start(self) -> None:
        limits = self.limits
        while len(self._workers) < self.count:
            command, env = helper_command(
                "linkcheck.page_reader", f"--page-cpu-seconds={limits.page_cpu_seconds}",
                f"--page-memory-mb={limits.page_memory_mb}", f"--pdf-seconds={limits.pdf_seconds}")
            process = await asyncio.create_subprocess_exec(
                *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env)
            _widen_pipe(process.stdin)
            worker = _Worker(process)
            worker.answers = asyncio.ensure_future(self._read_answers(worker))
            self._workers.append(worker)

    async def _read_answers(self, worker: _Worker) -> None:
        stdout = worker.process.stdout
        assert stdout is not None
        loop = asyncio.get_running_loop()
        try:
            while True:
                header = await stdout.readexactly(FRAME_HEADER.size)
                job, ok, value = pickle.loads(await stdout.readexactly(FRAME_HEADER.unpack(header)[0]))
                answer = worker.pending.pop(job, None)
                worker.reading_since = loop.time()  # on to the next page, if one waits
                if answer is None or answer.done():
                    continue
                if ok:
                    answer.set_result(value)
                else:
                    answer.set_exception(value)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        code = await worker.process.wait()
        waiting, worker.pending = list(worker.pending.items()), {}
        for place, (job, answer) in enumerate(waiting):
            if not answer.done():  # the first was being read; the others had not begun
                answer.set_exception(self._death(worker, job, code) if place == 0 else
                                     _Resend(f"page worker {worker.process.pid} exited with code {code}"))

    def _death(self, worker: _Worker, job: int, code: int) -> Exception:
        """What ended the worker while it read job: a budget of the page, or something else."""
        if worker.overran == job:
            return self.limits.exceeded(PageBudget.WALL)
        if code == -signal.SIGXCPU:
            return self.limits.exceeded(PageBudget.CPU)
        return PageWorkerDied(f"page worker {worker.process.pid} exited with code {code} while reading a page")


def _widen_pipe(stream: asyncio.StreamWriter | None) -> None:
    """Give a worker's input pipe 1 MB where Linux allows; harmless where it cannot be done."""
    try:
        import fcntl

        pipe = stream.get_extra_info("pipe") if stream is not None else None
        fcntl.fcntl(pipe.fileno(), _F_SETPIPE_SZ, _PIPE_BYTES)  # type: ignore[union-attr]
    except (AttributeError, ImportError, OSError, ValueError):
        pass
