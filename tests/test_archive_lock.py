"""The run lock: one linkcheck run at a time per archive."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from linkcheck.archive import Archive, ArchiveBusy
from linkcheck.archive.lock import RunLock
from linkcheck.config import Config


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive" / "linkcheck.db") as opened:
        yield opened


def test_second_run_is_refused_while_one_holds_the_lock(tmp_path):
    path = tmp_path / "linkcheck.db"
    with Archive(path) as first:
        first.start_run(Config(), [])
        second = Archive(path)
        busy = r"another linkcheck run is using .*linkcheck.db \(pid \d+, last heartbeat \d+ s ago\)"
        with pytest.raises(ArchiveBusy, match=busy):
            second.start_run(Config(), [])
        with pytest.raises(ArchiveBusy):
            with second.lock():
                pass
        second.close()
    with Archive(path) as third:  # released on close
        third.start_run(Config(), [])


def test_lock_is_reentrant_within_one_archive(archive):
    with archive.lock():
        run_id = archive.start_run(Config(), [])
        archive.finish_run(run_id, {}, True)
    assert archive.run_summary(run_id).status == "finished"


def test_the_lock_file_names_the_process_holding_it(tmp_path):
    path = tmp_path / "linkcheck.db"
    with Archive(path) as archive, archive.lock():
        assert (tmp_path / "linkcheck.db.lock").read_text() == f"{os.getpid()}\n{socket.gethostname()}\n"


def test_a_symlink_to_the_archive_meets_the_same_lock(tmp_path):
    path = tmp_path / "linkcheck.db"
    (tmp_path / "other.db").symlink_to(path.name)
    with Archive(path) as first:
        run_id = first.start_run(Config(), [])
        second = Archive(tmp_path / "other.db")
        with pytest.raises(ArchiveBusy, match="another linkcheck run is using"):
            second.start_run(Config(), [])
        second.close()
        assert first.run_summary(run_id).status == "running"  # its row was not taken over


# A process of its own holding the lock: flock is per open file, so the kernel tells them apart.
_HOLDER = """
import signal, sys, time
from pathlib import Path
from linkcheck.archive.lock import RunLock
if len(sys.argv) > 2:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a holder too stuck to stop politely
lock = RunLock(Path(sys.argv[1]))
lock.acquire()
print("held", flush=True)
time.sleep(600)
"""


@pytest.fixture(params=["stops on SIGTERM"])
def holder(tmp_path, request):
    extra = ["ignore-sigterm"] if request.param == "ignores SIGTERM" else []
    process = subprocess.Popen([sys.executable, "-c", _HOLDER, str(tmp_path / "linkcheck.db"), *extra],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "held\n"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()


def _age_heartbeat(tmp_path, seconds: float) -> None:
    lock = tmp_path / "linkcheck.db.lock"
    past = time.time() - seconds
    os.utime(lock, (past, past))


def test_a_live_holder_with_a_fresh_heartbeat_is_left_alone(tmp_path, holder):
    lock = RunLock(tmp_path / "linkcheck.db", hung_after=3600)
    with pytest.raises(ArchiveBusy, match=rf"pid {holder.pid}, last heartbeat \d+ s ago\); wait for it"):
        lock.acquire()
    assert holder.poll() is None


@pytest.mark.parametrize("holder, ended_by", [("stops on SIGTERM", signal.SIGTERM),
                                               ("ignores SIGTERM", signal.SIGKILL)], indirect=["holder"])
def test_a_hung_holder_on_this_host_is_ended_and_the_lock_taken_over(tmp_path, holder, ended_by):
    _age_heartbeat(tmp_path, 7200)
    lock = RunLock(tmp_path / "linkcheck.db", hung_after=3600)
    lock.acquire()
    assert lock.held and lock.ended is not None and lock.ended.pid == holder.pid
    assert holder.wait(10) == -ended_by
    assert (tmp_path / "linkcheck.db.lock").read_text().split() == [str(os.getpid()), socket.gethostname()]
    lock.release()


def test_a_hung_holder_on_another_host_is_refused_not_ended(tmp_path, holder):
    (tmp_path / "linkcheck.db.lock").write_text(f"{holder.pid}\nsome-other-host\n")
    _age_heartbeat(tmp_path, 7200)
    with pytest.raises(ArchiveBusy, match="looks hung .* runs on another host: stop it there"):
        RunLock(tmp_path / "linkcheck.db", hung_after=3600).acquire()
    assert holder.poll() is None


def test_without_hung_after_an_old_heartbeat_is_only_reported(tmp_path, holder):
    _age_heartbeat(tmp_path, 7200)
    with pytest.raises(ArchiveBusy, match=r"last heartbeat 7\d\d\d s ago"):
        RunLock(tmp_path / "linkcheck.db").acquire()
    assert holder.poll() is None


def test_each_commit_of_a_run_is_a_heartbeat(tmp_path):
    from archive_fakes import result

    with Archive(tmp_path / "linkcheck.db") as archive:
        run_id = archive.start_run(Config(), [])
        _age_heartbeat(tmp_path, 600)
        with archive.batched(links=100, seconds=3600):
            archive.record_link(run_id, result("https://news.example/a"))
            assert time.time() - (tmp_path / "linkcheck.db.lock").stat().st_mtime > 500
            archive.commit_pending()
        assert time.time() - (tmp_path / "linkcheck.db.lock").stat().st_mtime < 500


def test_a_hung_holder_whose_pid_is_now_another_program_is_not_signalled(tmp_path, holder):
    other = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "linkcheck.db.lock").write_text(f"{other.pid}\n{socket.gethostname()}\n")
        _age_heartbeat(tmp_path, 7200)
        with pytest.raises(ArchiveBusy, match="looks hung but could not be ended"):
            RunLock(tmp_path / "linkcheck.db", hung_after=3600).acquire()
        assert other.poll() is None and holder.poll() is None
    finally:
        other.kill()
        other.wait()
