"""A run stuck on a page that never answers: the verdicts it reached are in the archive while it
waits (a commit timer, not only at the end or per batch), and after a kill the next run checks
only what is left.

`linkcheck verify` runs in a subprocess on five good links and one that hangs (with a request
timeout far longer than the test waits), so the run is stuck after the five verdicts.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from .faultserver import FaultServer, run_linkcheck, start_linkcheck, wait_measured
from .test_faults import json_lines, write_article

GOOD = 5
WAIT = 30.0  # generous: the run needs a second or two to reach the five verdicts


def committed_checks(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5) as conn:
            return conn.execute("SELECT count(*) FROM checks").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_stuck_run_has_committed_every_verdict_it_reached_and_the_next_run_resumes(tmp_path: Path):
    with FaultServer(hosts=3, max_lifetime=120) as server:
        good = [server.url(f"/page/story-{n}", host=1 + n % 2) for n in range(GOOD)]
        article_dir = tmp_path / "articles"
        write_article(article_dir, [*good, server.url("/hang", host=3)])  # a host of its own
        db = tmp_path / "archive.db"
        args = ["verify", str(article_dir), "--allow-private", "--db", str(db), "--format", "json",
                "--retries", "0", "--repair", "off", "--per-host", "1"]
        out, err = tmp_path / "stuck.out", tmp_path / "stuck.err"
        process = start_linkcheck([*args, "--timeout", "600"], tmp_path, out, err)
        try:
            deadline = time.monotonic() + WAIT
            while len(json_lines(out.read_text())) < GOOD and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(json_lines(out.read_text())) == GOOD, err.read_text()
            # Printed means reached; committed follows within the timer's period, while it is stuck.
            while committed_checks(db) < GOOD and time.monotonic() < deadline:
                time.sleep(0.05)
            assert process.poll() is None  # still waiting on /hang
            assert committed_checks(db) == GOOD
            os.kill(process.pid, signal.SIGKILL)
        finally:
            if process.poll() is None:
                process.kill()
            wait_measured(process, 10)

        rerun = run_linkcheck([*args, "--timeout", "1"], cwd=tmp_path, timeout=60)
        assert [row["url"] for row in json_lines(rerun.stdout)] == [server.url("/hang", host=3)]
        assert f"{GOOD} link(s) skipped" in rerun.stderr
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            checks = conn.execute("SELECT count(*), count(DISTINCT link_id) FROM checks").fetchone()
            assert checks == (GOOD + 1, GOOD + 1)
            assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def _start_stuck_run(server: FaultServer, tmp_path: Path, db: Path) -> tuple[list[str], subprocess.Popen]:
    """A run that has reached its GOOD verdicts and now waits on /hang (on a host of its own)."""
    article_dir = tmp_path / "articles"
    write_article(article_dir, [*(server.url(f"/page/story-{n}", host=1 + n % 2) for n in range(GOOD)),
                                server.url("/hang", host=3)])
    args = ["verify", str(article_dir), "--allow-private", "--db", str(db), "--format", "json",
            "--retries", "0", "--repair", "off", "--per-host", "1"]
    process = start_linkcheck([*args, "--timeout", "600"], tmp_path, tmp_path / "stuck.out", tmp_path / "stuck.err")
    deadline = time.monotonic() + WAIT
    while committed_checks(db) < GOOD and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert committed_checks(db) == GOOD, (tmp_path / "stuck.err").read_text()
    return args, process


def test_a_second_run_through_a_symlink_to_the_archive_is_refused(tmp_path: Path):
    with FaultServer(hosts=3, max_lifetime=120) as server:
        db = tmp_path / "archive.db"
        (tmp_path / "link.db").symlink_to(db.name)
        args, process = _start_stuck_run(server, tmp_path, db)
        try:
            second = run_linkcheck([*(a if a != str(db) else str(tmp_path / "link.db") for a in args),
                                    "--timeout", "1"], cwd=tmp_path, timeout=60)
            assert second.returncode == 2
            assert f"another linkcheck run is using {tmp_path / 'link.db'} (pid {process.pid}" in second.stderr
            assert "Traceback" not in second.stderr and second.stdout == ""
            assert process.poll() is None
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                assert conn.execute("SELECT status, pid FROM runs").fetchall() == [("running", process.pid)]
        finally:
            process.kill()
            wait_measured(process, 10)


def test_a_hung_run_is_ended_by_the_next_one_which_takes_over(tmp_path: Path):
    with FaultServer(hosts=3, max_lifetime=120) as server:
        db = tmp_path / "archive.db"
        args, process = _start_stuck_run(server, tmp_path, db)
        try:
            (tmp_path / "linkcheck.toml").write_text("hung_run_after = 1\n")
            lock = Path(f"{db}.lock")
            while time.time() - lock.stat().st_mtime <= 1.5:  # no commit since the last verdict: hung
                time.sleep(0.1)
            rerun = run_linkcheck([*args, "--timeout", "1", "--config", str(tmp_path / "linkcheck.toml")],
                                  cwd=tmp_path, timeout=60)
            assert f"warning: ended the hung run holding {db} (pid {process.pid}" in rerun.stderr
            assert wait_measured(process, 10)[0] == -signal.SIGTERM
            assert [row["url"] for row in json_lines(rerun.stdout)] == [server.url("/hang", host=3)]
            assert f"{GOOD} link(s) skipped" in rerun.stderr and "Traceback" not in rerun.stderr
        finally:
            if process.poll() is None:
                process.kill()
                wait_measured(process, 10)
