"""Read fetched pages in helper processes, fed through their own pipes from the event loop.

Each worker is `python -m linkcheck.page_reader`: it reads requests on stdin and writes answers
on stdout, one pickled frame each (an 8-byte length, then the pickle). The event loop writes and
reads those pipes itself. A ProcessPoolExecutor would need two threads and a lock handshake for
every page: for small pages that cost 0.2 ms of the run's main process per page, seven times the
pipes alone, and its lock waits stalled the event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .entities import Entity
from .match import Match
from .page import PageText
from .page_reader import FRAME_HEADER

_PIPE_BYTES = 1 << 20    # a page crosses in one or two writes, not a dozen (Linux default: 64 KB)
_F_SETPIPE_SZ = 1031


class PageWorkerDied(RuntimeError):
    """A page worker exited while reading a page (out of memory, killed): that page is lost."""


@dataclass
class _Worker:
    process: asyncio.subprocess.Process
    answers: asyncio.Task | None = None
    pending: dict[int, asyncio.Future] = field(default_factory=dict)
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)


class PageWorkers:
    """`count` worker processes (0: one per core), started on first use; a dead one is replaced."""

    def __init__(self, count: int = 0) -> None:
        self.count = count or os.cpu_count() or 1
        self._workers: list[_Worker] = []
        self._starting: asyncio.Task | None = None
        self._job_ids = itertools.count()

    async def read(self, body: bytes, headers: dict[str, str], url: str,
                   entity_sets: tuple[tuple[Entity, ...], ...] = ()) -> tuple[PageText, tuple[Match, ...]]:
        """The page's text and its match against each entity set (see page_reader.read_page).

        Raises what read_page raised, or PageWorkerDied."""
        worker = await self._least_busy()
        job = next(self._job_ids)
        answer = asyncio.get_running_loop().create_future()
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
        except (ConnectionError, RuntimeError) as exc:  # the worker is gone; its reader says why
            worker.pending.pop(job, None)
            raise PageWorkerDied(f"page worker {worker.process.pid} cannot take pages: {exc}") from None
        return await answer

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
        self._workers = [w for w in self._workers if w.process.returncode is None]
        if len(self._workers) < self.count:
            if self._starting is None or self._starting.done():  # one start at a time, shared
                self._starting = asyncio.ensure_future(self._start())
            await asyncio.shield(self._starting)
        return min(self._workers, key=lambda w: len(w.pending))

    async def _start(self) -> None:
        # The child imports this very linkcheck, wherever it was imported from (source tree, venv).
        package_root = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path}
        while len(self._workers) < self.count:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "linkcheck.page_reader", stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, env=env)
            _widen_pipe(process.stdin)
            worker = _Worker(process)
            worker.answers = asyncio.ensure_future(self._read_answers(worker))
            self._workers.append(worker)

    async def _read_answers(self, worker: _Worker) -> None:
        stdout = worker.process.stdout
        assert stdout is not None
        try:
            while True:
                header = await stdout.readexactly(FRAME_HEADER.size)
                job, ok, value = pickle.loads(await stdout.readexactly(FRAME_HEADER.unpack(header)[0]))
                answer = worker.pending.pop(job, None)
                if answer is None or answer.done():
                    continue
                if ok:
                    answer.set_result(value)
                else:
                    answer.set_exception(value)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        code = await worker.process.wait()
        died = PageWorkerDied(f"page worker {worker.process.pid} exited with code {code} while reading a page")
        for answer in worker.pending.values():
            if not answer.done():
                answer.set_exception(died)
        worker.pending.clear()


def _widen_pipe(stream: asyncio.StreamWriter | None) -> None:
    """Give a worker's input pipe 1 MB where Linux allows; harmless where it cannot be done."""
    try:
        import fcntl

        pipe = stream.get_extra_info("pipe") if stream is not None else None
        fcntl.fcntl(pipe.fileno(), _F_SETPIPE_SZ, _PIPE_BYTES)  # type: ignore[union-attr]
    except (AttributeError, ImportError, OSError, ValueError):
        pass
