"""`linkcheck serve` as a real process: a busy port, signals, Datasette failing, a read-only mount.
Each test checks that serve leaves neither temporary files nor a Datasette process behind."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_cli_archive import CHANGED, make_archive
from typer.testing import CliRunner

from linkcheck import serve as serve_module
from linkcheck.cli import app

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups and signals are POSIX")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("serve") / "linkcheck.db")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(args: list[str], temp: Path, prefix: tuple[str, ...] = ()) -> subprocess.Popen:
    """`linkcheck serve ARGS` in a session of its own (so the test can see whether its group is
    gone), with its temporary files under `temp`."""
    return subprocess.Popen([*prefix, sys.executable, "-m", "linkcheck", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, env={**os.environ, "TMPDIR": str(temp)})


def wait_until_up(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=2).status_code == 200:
                return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    stop_group(process)
    pytest.fail(f"serve did not start: {process.communicate()[0].decode()}")


def group_alive(process: subprocess.Popen) -> bool:
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_group(process: subprocess.Popen) -> None:
    """Cleanup for a failed test only: what serve itself must do is asserted before this runs."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_group_gone(process: subprocess.Popen, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while group_alive(process) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not group_alive(process)


@contextlib.contextmanager
def serving(args: list[str], temp: Path, prefix: tuple[str, ...] = ()) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    process = start([*args, "--port", str(port)], temp, prefix)
    try:
        wait_until_up(process, port)
        yield process, port
    finally:
        if group_alive(process):
            stop_group(process)


@pytest.mark.parametrize("how", ["SIGTERM to serve alone", "SIGHUP to serve alone", "Ctrl-C to the group"])
def test_stopped_serve_leaves_no_datasette_and_no_temporary_files(db, tmp_path, how):
    temp = tmp_path / "tmp"
    temp.mkdir()
    with serving(["--db", str(db)], temp) as (process, port):
        assert [p.name for p in temp.iterdir()][0].startswith("linkcheck-serve-")
        if how.startswith("Ctrl-C"):
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGTERM if "TERM" in how else signal.SIGHUP)
        assert process.wait(timeout=30) == 0, process.stdout.read().decode() if process.stdout else ""
        assert wait_group_gone(process), "Datasette was left running"
    assert list(temp.iterdir()) == []


def test_datasette_dies_with_serve_even_when_serve_is_killed(db, tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux's")
    with serving(["--db", str(db)], tmp_path) as (process, port):
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert wait_group_gone(process), "Datasette outlived a killed serve"


def test_busy_port_is_exit_2_with_a_message_and_no_temporary_files(db, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start(["--db", str(db), "--port", str(port)], tmp_path)
        output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 2, output
    assert f"linkcheck: error: port {port} on 127.0.0.1 is in use" in output and "Traceback" not in output
    assert not group_alive(process) and list(tmp_path.iterdir()) == []


def test_datasette_failing_is_exit_2_and_cleans_up(db, tmp_path, monkeypatch):
    monkeypatch.setattr(serve_module.tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(serve_module, "datasette_command",
                        lambda *args, **kwargs: [sys.executable, "-c", "raise SystemExit(3)"])
    outcome = CliRunner().invoke(app, ["serve", "--db", str(db), "--port", str(free_port())])
    assert outcome.exit_code == 2, outcome.output
    assert outcome.stderr.strip() == "linkcheck: error: Datasette stopped with exit status 3 (its messages are above)"
    assert list(tmp_path.iterdir()) == []


def test_datasette_losing_the_port_race_is_exit_2_and_cleans_up(db, tmp_path, monkeypatch):
    """The port is taken after serve's own check, when Datasette binds it."""
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setattr(serve_module, "check_port_free", lambda host, port: None)
        monkeypatch.setattr(serve_module.tempfile, "tempdir", str(tmp_path))
        outcome = CliRunner().invoke(app, ["serve", "--db", str(db), "--port", str(port)])
    assert outcome.exit_code == 2, outcome.output
    assert re.fullmatch(r"linkcheck: error: Datasette stopped with exit status [1-9]\d* \(its messages are above\)\n",
                        outcome.stderr)
    assert list(tmp_path.iterdir()) == []


def _read_only_mount(source: Path) -> tuple[str, ...]:
    """A command prefix that runs the rest with `source` mounted read-only on itself (a mount and
    user namespace of its own: no root needed); skip where the system does not allow it."""
    unshare = shutil.which("unshare")
    prefix = (unshare or "unshare", "--map-root-user", "--mount", "sh", "-c",
              f"mount --bind '{source}' '{source}' && mount -o remount,bind,ro '{source}' && exec \"$@\"", "sh")
    probe = [*prefix, "sh", "-c", f"touch '{source}/probe' 2>/dev/null || echo read-only"]
    if unshare is None or subprocess.run(probe, capture_output=True, text=True).stdout.strip() != "read-only":
        pytest.skip("no unshare, or user namespaces are not allowed here: cannot make a read-only mount")
    return prefix


@pytest.fixture
def read_only_archive(tmp_path) -> tuple[Path, tuple[str, ...]]:
    folder = tmp_path / "mounted"
    folder.mkdir()
    db = make_archive(folder / "linkcheck.db")
    for sidecar in folder.glob("linkcheck.db?*"):
        sidecar.unlink()  # as a copied archive arrives: the file alone, in WAL mode
    return db, _read_only_mount(folder)


def test_serve_of_an_archive_on_a_read_only_mount_works(read_only_archive, tmp_path):
    db, prefix = read_only_archive
    temp = tmp_path / "tmp"
    temp.mkdir()
    with serving(["--db", str(db)], temp, prefix) as (process, port):
        links = httpx.get(f"http://127.0.0.1:{port}/linkcheck/links.json?_shape=array", timeout=10)
        assert links.status_code == 200, links.text
        assert CHANGED in {row["url"] for row in links.json()}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert wait_group_gone(process)
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("args, shows", [
    (["diff", CHANGED], "+Kim Jong Un besucht Nordkorea wieder."),
    (["export", "--warc", "{out}/out.warc"], "wrote 13 record(s)"),
])
def test_diff_and_export_read_an_archive_on_a_read_only_mount(read_only_archive, tmp_path, args, shows):
    db, prefix = read_only_archive
    args = [a.format(out=tmp_path) for a in args]
    completed = subprocess.run([*prefix, sys.executable, "-m", "linkcheck", *args, "--db", str(db)],
                               capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr
    assert shows in completed.stdout + completed.stderr


def test_export_to_a_read_only_mount_is_exit_2(read_only_archive, tmp_path):
    db, prefix = read_only_archive
    completed = subprocess.run([*prefix, sys.executable, "-m", "linkcheck", "export", "--warc",
                                str(db.parent / "out.warc"), "--db", str(db)],
                               capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.strip() == f"linkcheck: error: cannot write {db.parent / 'out.warc'}: Read-only file system"


def test_verify_on_a_read_only_mount_is_one_clear_line_and_exit_2(read_only_archive, tmp_path):
    db, prefix = read_only_archive
    article = tmp_path / "a.txt"
    article.write_text("25.11.2026\nTitel\n\nText über Berlin.\n\nQuellen:\n- https://news.example/a\n", "utf-8")
    completed = subprocess.run([*prefix, sys.executable, "-m", "linkcheck", "verify", str(article), "--db", str(db)],
                               capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr == (f"linkcheck: error: cannot write the archive {db}: it is on a read-only file system; "
                                "give a writable --db (diff, export and serve read it where it is)\n")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only file")
def test_verify_of_an_archive_read_only_for_the_user_is_one_clear_line_and_exit_2(tmp_path):
    db = make_archive(tmp_path / "linkcheck.db")
    db.chmod(0o444)
    article = tmp_path / "a.txt"
    article.write_text("25.11.2026\nTitel\n\nText über Berlin.\n\nQuellen:\n- https://news.example/a\n", "utf-8")
    outcome = CliRunner().invoke(app, ["verify", str(article), "--db", str(db)])
    assert outcome.exit_code == 2
    assert outcome.stderr == (f"linkcheck: error: cannot write the archive {db}: the file is read-only for this "
                              "user; give a writable --db (diff, export and serve read it where it is)\n")
