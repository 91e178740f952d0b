"""The run lock: one linkcheck run at a time per archive file (a flock on `<real path>.lock`).

The lock file names its holder (pid and host) and its modification time is the holder's heartbeat,
touched whenever the run commits what it found. A dead holder's flock is gone with it; a holder
whose heartbeat is older than `hung_after` seconds is hung, and when it runs on this host it is
ended (SIGTERM, then SIGKILL) and the lock taken over, so that one stuck run cannot block every
later cron run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..schema import ArchiveError

# How long an ended holder gets to let go after SIGTERM, then after SIGKILL.
_TERM_GRACE, _KILL_GRACE = 5.0, 10.0


class ArchiveBusy(ArchiveError):
    """Another linkcheck run holds the archive's lock."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as its lock file says, and how old its heartbeat is."""

    pid: int | None
    host: str | None
    heartbeat_age: float  # seconds since the holder last showed progress

    def describe(self) -> str:
        where = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        pid = self.pid if self.pid is not None else "unknown"
        return f"pid {pid}{where}, last heartbeat {self.heartbeat_age:.0f} s ago"


class RunLock:
    """The exclusive lock beside the archive at `archive_path`; the kernel drops it if we die.

    Keyed on the file itself: a symlink or another spelling of the path leads to the same lock."""

    def __init__(self, archive_path: Path, hung_after: float | None = None) -> None:
        self.archive_path = archive_path
        real = Path(os.path.realpath(archive_path))
        self.path = real.with_name(real.name + ".lock")
        self.hung_after = hung_after
        self.ended: Holder | None = None  # a hung holder this lock ended to take over
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
        """Take the lock (ending a hung holder on this host) and write our pid and host into it,
        or raise ArchiveBusy naming the holder."""
        if self.held:
            return
        try:
            handle = open(self.path, "a+")
        except OSError as exc:
            raise ArchiveError(f"cannot create the run lock {self.path}: {exc.strerror or exc}") from None
        try:
            if not _try_lock(handle):
                holder = _holder(handle)
                if not self._is_hung(holder) or not self._end(handle, holder):
                    raise ArchiveBusy(self._busy_message(holder))
                self.ended = holder
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n{socket.gethostname()}\n")
        handle.flush()
        self._handle = handle

    def beat(self) -> None:
        """Show that the run holding the lock is making progress (the lock file's mtime)."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                os.utime(self._handle.fileno())

    def release(self) -> None:
        """Let the lock go (no-op when not held)."""
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def _is_hung(self, holder: Holder) -> bool:
        return self.hung_after is not None and holder.heartbeat_age > self.hung_after

    def _end(self, handle: TextIO, holder: Holder) -> bool:
        """End a hung holder that runs on this host; whether the lock is ours now."""
        if holder.pid is None or holder.pid == os.getpid() or holder.host != socket.gethostname():
            return False
        if not _is_linkcheck(holder.pid):
            return False  # that pid is some other program now: never signal it
        for sig, grace in ((signal.SIGTERM, _TERM_GRACE), (signal.SIGKILL, _KILL_GRACE)):
            try:
                os.kill(holder.pid, sig)
            except ProcessLookupError:
                pass  # gone already; its children may still hold the file for a moment
            except PermissionError:
                return False
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                if _try_lock(handle):
                    return True
                time.sleep(0.05)
        return False

    def _busy_message(self, holder: Holder) -> str:
        base = f"another linkcheck run is using {self.archive_path} ({holder.describe()})"
        if self._is_hung(holder):
            if holder.host is not None and holder.host != socket.gethostname():
                return (f"{base}; it looks hung (no heartbeat for more than hung_run_after = {self.hung_after:g} s) "
                        "but runs on another host: stop it there and run again")
            return f"{base}; it looks hung but could not be ended: stop that process and run again"
        return f"{base}; wait for it to finish, or stop that process and run again"


def _is_linkcheck(pid: int) -> bool:
    """Whether process `pid` runs linkcheck, as far as /proc tells (where there is none: assume so)."""
    try:
        return b"linkcheck" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists()
    except OSError:
        return False


def _try_lock(handle: TextIO) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(handle: TextIO) -> Holder:
    handle.seek(0)
    lines = handle.read().split("\n")
    pid = int(lines[0]) if lines[0].strip().isdigit() else None
    host = lines[1].strip() if len(lines) > 1 and lines[1].strip() else None
    age = max(0.0, time.time() - os.fstat(handle.fileno()).st_mtime)
    return Holder(pid, host, age)
