"""A run on a disk that fills up: it stops cleanly with what it finished committed, says so in one
line, exits 2; once the disk has room again the next run resumes and completes the archive.

A real full disk: a small tmpfs mounted for the test (root only; skipped otherwise), made larger
afterwards ("freed") with a remount.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .faultserver import FaultServer, run_linkcheck
from .test_faults import json_lines, write_article

LINKS = 100


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=800k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_the_run_cleanly_and_the_next_run_resumes(small_disk: Path, tmp_path: Path):
    # Slow enough pages (0.1 s, one at a time per host) that the run commits several times before
    # the disk is full.
    with FaultServer(hosts=2, latency=0.1, max_lifetime=120) as server:
        article_dir = tmp_path / "articles"
        write_article(article_dir, [server.url(f"/page/story-{n:02d}", host=1 + n % 2) for n in range(LINKS)])
        db = small_disk / "archive.db"
        args = ["verify", str(article_dir), "--allow-private", "--db", str(db), "--format", "json",
                "--timeout", "5", "--retries", "0", "--repair", "off", "--per-host", "1"]

        full = run_linkcheck(args, cwd=tmp_path, timeout=60)

        assert full.returncode == 2, full.stderr
        assert "Traceback" not in full.stderr
        [line] = [line for line in full.stderr.splitlines() if "is full" in line]
        kept = int(re.search(r"the run stopped; (\d+) check\(s\) of run 1 are kept", line).group(1))
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("SELECT count(*) FROM checks WHERE run_id = 1").fetchone()[0] == kept
        print(f"\n{kept} of {LINKS} checks kept on the full disk")

        subprocess.run(["mount", "-o", "remount,size=16m", str(small_disk)], check=True)  # room again
        resumed = run_linkcheck(args, cwd=tmp_path, timeout=60)

        assert resumed.returncode == 0, resumed.stderr
        assert len(json_lines(resumed.stdout)) == LINKS - kept
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("SELECT id, status, links_checked FROM runs").fetchall() == [(1, "finished", LINKS)]
