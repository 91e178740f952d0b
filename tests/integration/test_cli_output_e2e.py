"""What `linkcheck verify` writes where, run as a subprocess against a real loopback server:
stdout carries the requested format and nothing else, whatever stderr and stdin are."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .local_server import local_web, page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
STORY = (FIXTURES / "site" / "story.html").read_bytes()
ARTICLE = (FIXTURES / "article_fixture_site.txt").read_text()
OPTIONS = ("--allow-private", "--repair", "off", "--timeout", "5", "--retries", "0")


@pytest.fixture
def web():
    """Five ok pages and one dead one (any other path is a 404)."""
    with local_web(("127.0.0.2",)) as running:
        for i in range(5):
            running.routes[f"/politik/scholz-macron-{i}.html"] = page(STORY)
        yield running


def articles(folder: Path, web, name: str = "scholz.txt") -> Path:
    urls = [web.url(f"/politik/scholz-macron-{i}.html") for i in range(5)] + [web.url("/politik/gone.html")]
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(ARTICLE.replace("{URLS}", " - ".join(urls)))
    return folder


def run(*args: str, stdout=subprocess.PIPE, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "linkcheck", *args], stdout=stdout, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, text=True, timeout=120, env=env)


def run_with_terminal_stderr(args: list[str], stdout_file: Path) -> tuple[int, str]:
    """Run with stdin and stderr on a pseudo-terminal (so the progress bar shows) and stdout in a
    file, as `linkcheck verify ... > out.json` typed in a terminal; returns the status and stderr."""
    leader, follower = pty.openpty()
    with open(stdout_file, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "linkcheck", *args], stdin=follower, stdout=out,
                                   stderr=follower)
    os.close(follower)
    seen = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen.append(chunk)
    os.close(leader)
    return process.wait(timeout=120), b"".join(seen).decode("utf-8", "replace")


def test_json_goes_to_a_redirected_stdout_while_progress_is_on_the_terminal(tmp_path, web):
    folder = articles(tmp_path / "a", web)
    out = tmp_path / "out.json"

    status, stderr = run_with_terminal_stderr(
        ["verify", str(folder), "--db", str(tmp_path / "a.db"), "--format", "json", *OPTIONS], out)

    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert status == 1
    assert len(rows) == 6 and {row["verdict"] for row in rows} == {"ok", "dead"}
    assert "checking links" in stderr  # the progress bar was shown, on stderr
    assert "6 citation(s) in 1 article(s)" in stderr
    assert not any(line.startswith("{") for line in stderr.splitlines())


def test_json_through_a_pipe_is_json_lines_only(tmp_path, web):
    folder = articles(tmp_path / "a", web)

    completed = run("verify", str(folder), "--db", str(tmp_path / "a.db"), "--format", "json", *OPTIONS)

    rows = [json.loads(line) for line in completed.stdout.splitlines()]
    assert len(rows) == 6
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["checked_at"]) for row in rows)


def test_markdown_is_one_line_per_row_whatever_the_terminal_width(tmp_path, web):
    folder = articles(tmp_path / "a", web, name="wer | was.txt")

    completed = run("verify", str(folder), "--db", str(tmp_path / "a.db"), "--format", "markdown", *OPTIONS,
                    env={**os.environ, "COLUMNS": "30"})

    lines = completed.stdout.splitlines()
    assert len(lines) == 2 + 6
    for line in lines:
        assert line.startswith("|") and line.endswith("|")
        assert len(re.findall(r"(?<!\\)\|", line)) == 7  # six cells: seven unescaped pipes
    assert "wer \\| was.txt" in completed.stdout


def test_only_failures_lists_the_dead_link_alone(tmp_path, web):
    folder = articles(tmp_path / "a", web)

    completed = run("verify", str(folder), "--db", str(tmp_path / "a.db"), "--format", "json",
                    "--only-failures", *OPTIONS)

    rows = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [row["url"] for row in rows] == [web.url("/politik/gone.html")]
    assert completed.returncode == 1


def test_quiet_names_each_citation_that_is_not_ok_then_the_summary(tmp_path, web):
    folder = articles(tmp_path / "a", web)

    completed = run("verify", str(folder), "--db", str(tmp_path / "a.db"), "--quiet", *OPTIONS)

    assert completed.stdout.splitlines() == [
        f"dead: {web.url('/politik/gone.html')} (cited in {folder / 'scholz.txt'}): HTTP 404"]
    assert completed.stderr.splitlines()[-1].startswith("linkcheck: 6 citation(s) in 1 article(s): 5 ok, 1 dead")


def test_quiet_json_lines_still_carry_every_citation(tmp_path, web):
    folder = articles(tmp_path / "a", web)

    completed = run("verify", str(folder), "--db", str(tmp_path / "a.db"), "--quiet", "--format", "json", *OPTIONS)

    rows = [json.loads(line) for line in completed.stdout.splitlines()]
    assert len(rows) == 6 and sum(row["verdict"] == "dead" for row in rows) == 1


def test_a_max_age_run_that_skips_everything_reports_the_known_dead_link(tmp_path, web):
    folder = articles(tmp_path / "a", web)
    db = str(tmp_path / "a.db")
    first = run("verify", str(folder), "--db", db, "--quiet", *OPTIONS)

    again = run("verify", str(folder), "--db", db, "--quiet", "--max-age", "1h", *OPTIONS)

    assert first.returncode == again.returncode == 1
    assert "6 link(s) skipped" in again.stderr
    assert "their 6 citation(s) as last checked: 5 ok, 1 dead" in again.stderr
    assert again.stdout.startswith(f"dead: {web.url('/politik/gone.html')} (cited in")


def test_a_max_age_run_over_ok_links_exits_zero(tmp_path, web):
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "ok.txt").write_text(ARTICLE.replace("{URLS}", web.url("/politik/scholz-macron-0.html")))
    db = str(tmp_path / "a.db")
    assert run("verify", str(folder), "--db", db, "--quiet", *OPTIONS).returncode == 0

    again = run("verify", str(folder), "--db", db, "--quiet", "--max-age", "1h", *OPTIONS)

    assert again.returncode == 0, again.stderr
    assert "as last checked: 1 ok" in again.stderr


def test_table_on_a_pipe_lists_failures_first(tmp_path, web):
    folder = articles(tmp_path / "a", web)

    completed = run("verify", str(folder), "--db", str(tmp_path / "a.db"), *OPTIONS,
                    env={**os.environ, "COLUMNS": "80"})

    lines = completed.stdout.splitlines()
    assert lines[0].split() == ["verdict", "code", "url"]
    assert lines[1].startswith("dead") and lines[2].strip() == "HTTP 404"
    assert [line.split()[0] for line in lines[3:]] == ["ok"] * 5
    assert max(map(len, lines)) <= 80
