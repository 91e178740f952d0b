"""A run killed with SIGKILL at a random moment loses nothing: the rerun completes the archive.

`linkcheck verify` checks ~40 slow links (0.2 s each, two hosts, --per-host 2); the test
watches the archive and SIGKILLs the process once a random number of checks is in, sometimes
a few milliseconds later so that the kill can land inside a transaction (the first kill lands
while the archive file is being created and the run opened). Then it runs
linkcheck again (it resumes the killed run) and checks the archive: intact, no half-written
rows, every link checked by the finished run, none twice. Three kill moments on the same archive, a seeded random choice
(the seed is printed, so a failure can be replayed with LINKCHECK_KILL_SEED).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest
import zstandard

from .faultserver import FaultServer, run_linkcheck, start_linkcheck, wait_measured
from .test_faults import json_lines, write_article

LINKS = 40
LATENCY = 0.2
KILLS = 3
RUN_TIMEOUT = 60.0


def _checks_so_far(db: Path) -> int:
    """Checks archived by the run in progress (0 before it has started)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=0.2) as conn:
            return conn.execute("SELECT count(*) FROM checks c JOIN runs r ON r.id = c.run_id "
                                "WHERE r.status = 'running'").fetchone()[0]
    except sqlite3.Error:  # not created yet, or busy for a moment
        return 0


def _verify_args(article_dir: Path, db: Path) -> list[str]:
    return ["verify", str(article_dir), "--allow-private", "--db", str(db), "--format", "json",
            "--timeout", "5", "--retries", "1", "--per-host", "2", "--repair", "off"]


def _kill_after(args: list[str], workdir: Path, db: Path, checks: int, extra_delay: float) -> tuple[int, bool]:
    """Start linkcheck, SIGKILL it once `checks` checks are archived (0: once the file exists), + extra_delay s.

    Returns (checks archived when the kill was sent, whether the kill came before the run ended).
    """
    process = start_linkcheck(args, workdir, workdir / "killed.out", workdir / "killed.err")
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if (db.exists() if checks == 0 else _checks_so_far(db) >= checks):
                time.sleep(extra_delay)
                break
            time.sleep(0.005)
        seen = _checks_so_far(db)
        killed = process.poll() is None
        if killed:
            os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        wait_measured(process, 10)
    return seen, killed


def _half_written_rows(conn: sqlite3.Connection) -> dict[str, int]:
    """Counts of rows that only a torn write could leave behind (all must be 0)."""
    queries = {
        "checks without citation_checks": "SELECT count(*) FROM checks c WHERE NOT EXISTS "
                                          "(SELECT 1 FROM citation_checks cc WHERE cc.check_id = c.id)",
        "checks with a missing snapshot": "SELECT count(*) FROM checks c WHERE c.snapshot_id IS NOT NULL AND "
                                          "NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.id = c.snapshot_id)",
        "checks with a missing page text": "SELECT count(*) FROM checks c WHERE c.page_text_id IS NOT NULL AND "
                                           "NOT EXISTS (SELECT 1 FROM page_texts p WHERE p.id = c.page_text_id)",
        "citation_checks without their check": "SELECT count(*) FROM citation_checks cc WHERE NOT EXISTS "
                                               "(SELECT 1 FROM checks c WHERE c.id = cc.check_id)",
        "mentions without their citation_check": "SELECT count(*) FROM mentions m WHERE NOT EXISTS "
                                                 "(SELECT 1 FROM citation_checks cc WHERE cc.id = m.citation_check_id)",
        "checks of a run that does not exist": "SELECT count(*) FROM checks c WHERE NOT EXISTS "
                                               "(SELECT 1 FROM runs r WHERE r.id = c.run_id)",
        "runs still marked running": "SELECT count(*) FROM runs WHERE status = 'running'",
    }
    return {name: conn.execute(sql).fetchone()[0] for name, sql in queries.items()}


def _snapshots_are_whole(conn: sqlite3.Connection) -> list[int]:
    """Ids of snapshots whose stored body does not decompress to its recorded size and hash."""
    broken = []
    decompressor = zstandard.ZstdDecompressor()
    for snapshot_id, sha256, size, body in conn.execute("SELECT id, sha256, size, body FROM snapshots"):
        try:
            data = decompressor.decompress(body, max_output_size=max(size, 1))
        except zstandard.ZstdError:
            broken.append(snapshot_id)
            continue
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
            broken.append(snapshot_id)
    return broken


@pytest.fixture(scope="module")
def slow_server():
    with FaultServer(hosts=2, latency=LATENCY, max_lifetime=180) as server:
        yield server


def test_sigkill_then_rerun_loses_nothing(slow_server: FaultServer, tmp_path: Path):
    seed = int(os.environ.get("LINKCHECK_KILL_SEED", random.randrange(1_000_000)))
    print(f"\nkill seed {seed} (replay with LINKCHECK_KILL_SEED={seed})")
    rng = random.Random(seed)
    urls = [slow_server.url(f"/page/story-{i:02d}", host=1 + i % 2) for i in range(LINKS)]
    article_dir = tmp_path / "articles"
    write_article(article_dir, urls)
    db = tmp_path / "archive.db"
    args = _verify_args(article_dir, db)
    killed_runs = 0

    for round_no in range(1, KILLS + 1):
        if round_no == 1:  # while the archive is being created, migrated, the run opened
            target, delay = 0, rng.uniform(0, 0.3)
        else:
            target, delay = rng.randint(1, LINKS - 5), rng.choice([0.0, 0.0, rng.uniform(0, 0.15)])
        seen, killed = _kill_after(args, tmp_path, db, target, delay)
        killed_runs += killed
        print(f"round {round_no}: kill at >= {target} checks (+{delay * 1000:.0f} ms): "
              f"{seen} checks archived, {'killed' if killed else 'had already finished'}")

        with sqlite3.connect(db) as conn:  # the archive as the kill left it
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            torn = _half_written_rows(conn) if {"checks", "runs", "mentions"} <= tables else {}
            torn.pop("runs still marked running", None)  # expected after a kill, until the next run starts
            assert not any(torn.values()), torn

        with sqlite3.connect(db) as conn:  # what the killed run got done: the rerun resumes it
            latest = (conn.execute("SELECT id, status FROM runs ORDER BY id DESC LIMIT 1").fetchone()
                      if "runs" in tables else None)  # killed before the tables were made
            done_before = set() if latest is None or latest[1] == "finished" else {url for (url,) in conn.execute(
                "SELECT l.url FROM checks c JOIN links l ON l.id = c.link_id WHERE c.run_id = ?", [latest[0]])}

        rerun = run_linkcheck(args, cwd=tmp_path, timeout=RUN_TIMEOUT)
        assert not rerun.timed_out, "rerun did not finish"
        assert rerun.returncode in (0, 1), rerun.stderr[-2000:]
        assert "Traceback" not in rerun.stderr, rerun.stderr[-3000:]
        rechecked = [row["url"] for row in json_lines(rerun.stdout)]
        assert len(rechecked) == len(set(rechecked)), "a link got two result lines"
        assert set(rechecked) == set(urls) - done_before, "the rerun did not pick up exactly what was left"

        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            torn = _half_written_rows(conn)
            assert not any(torn.values()), torn
            assert _snapshots_are_whole(conn) == []
            last_run, status, links_checked = conn.execute(
                "SELECT id, status, links_checked FROM runs ORDER BY id DESC LIMIT 1").fetchone()
            assert status == "finished"
            checked = {url for (url,) in conn.execute(
                "SELECT l.url FROM checks c JOIN links l ON l.id = c.link_id WHERE c.run_id = ?", [last_run])}
            assert checked == set(urls), f"{len(set(urls) - checked)} link(s) not checked once the rerun ended"
            assert links_checked == LINKS
            statuses = [s for (s,) in conn.execute("SELECT status FROM runs ORDER BY id")]
            assert "running" not in statuses and "interrupted" not in statuses, statuses  # all resumed

    assert killed_runs >= 1, "every run finished before the kill: the links are not slow enough"
