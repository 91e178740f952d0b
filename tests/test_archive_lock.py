"""The run lock: one linkcheck run at a time per archive."""

from __future__ import annotations

import os

import pytest

from linkcheck.archive import Archive, ArchiveBusy
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
        with pytest.raises(ArchiveBusy, match=r"another linkcheck run is using .*linkcheck.db \(pid \d+\)"):
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
        assert (tmp_path / "linkcheck.db.lock").read_text() == f"{os.getpid()}\n"
