"""The run lock: one linkcheck run at a time per archive (a flock on `<db>.lock` holding our pid)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ..schema import ArchiveError


class ArchiveBusy(ArchiveError):
    """Another linkcheck run holds the archive's lock."""


class RunLock:
    """The exclusive lock beside the archive at `archive_path`; the kernel drops it if we die."""

    def __init__(self, archive_path: Path) -> None:
        self.archive_path = archive_path
        self.path = archive_path.with_name(archive_path.name + ".lock")
        self._handle: TextIO | None = None

    @property
    def held(self) -> bool:
        """Whether this process holds the lock through this object."""
        return self._handle is not None

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Context manager: hold the lock for the block (re-entrant: a held lock stays held)."""
        if self.held:
            yield
            return
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def acquire(self) -> None:
        """Take the lock and write our pid into it, or raise ArchiveBusy naming the holder."""
        if self.held:
            return
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip() or "unknown"
            handle.close()
            raise ArchiveBusy(f"another linkcheck run is using {self.archive_path} (pid {pid}); "
                              "wait for it to finish, or stop that process and run again") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Let the lock go (no-op when not held)."""
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
