"""`linkcheck serve`: browse the archive in Datasette with linkcheck's metadata and canned queries.

Archived pages must never run in the reader's browser: bodies are compressed BLOBs (Datasette
offers them as downloads), text cells are escaped by Datasette, linkcheck's own plugin
(serve_pages) shows an archived page only under a Content-Security-Policy sandbox that runs no
script and fetches nothing, and serve refuses to start when another Datasette plugin that renders
cells (render_cell hook) is installed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from . import schema
from .errors import ArchiveError, ServeError, UsageError
from .serve_pages import PLUGIN_DIR, PLUGIN_NAME, TEMPLATE_DIR

METADATA_FILE = "datasette-metadata.json"
_PACKAGED_DB_NAME = "linkcheck"


def load_metadata(db_path: Path | str) -> dict:
    """The packaged Datasette metadata, keyed to the database name Datasette gives `db_path`."""
    text = resources.files("linkcheck").joinpath("data", METADATA_FILE).read_text("utf-8")
    metadata = json.loads(text)
    name = Path(db_path).stem
    databases = metadata.get("databases", {})
    if name != _PACKAGED_DB_NAME and _PACKAGED_DB_NAME in databases:
        databases[name] = databases.pop(_PACKAGED_DB_NAME)
    return metadata


def cell_rendering_plugins() -> list[str]:
    """Installed Datasette plugins that can change how a cell is shown (could render HTML)."""
    from datasette.plugins import DEFAULT_PLUGINS, get_plugins

    return sorted(p["name"] for p in get_plugins()
                  if p["name"] not in (*DEFAULT_PLUGINS, PLUGIN_NAME) and "render_cell" in p["hooks"])


def datasette_command(db_path: Path | str, metadata_path: Path | str, port: int = 8001,
                      host: str = "127.0.0.1", immutable: bool = False) -> list[str]:
    """The command line that serves `db_path` read-only (as an immutable file on request) with the
    given metadata file and linkcheck's plugin (citation check pages, archived pages)."""
    database = ["-i", str(db_path)] if immutable else [str(db_path)]
    return [sys.executable, "-m", "datasette", "serve", *database, "--metadata",
            str(metadata_path), "--port", str(port), "--host", host,
            "--setting", "default_page_size", "50",
            "--plugins-dir", str(PLUGIN_DIR), "--template-dir", str(TEMPLATE_DIR)]


def bring_up_to_date(db_path: Path) -> None:
    """Migrate an archive an older linkcheck wrote, so that the views and pages served exist."""
    from .archive import Archive
    from .archive.reader import open_archive

    database = open_archive(db_path)  # an ArchiveError unless it is a linkcheck archive
    try:
        version = database.execute("PRAGMA user_version").fetchone()[0]
    finally:
        database.close()
    if version >= schema.SCHEMA_VERSION:
        return
    if schema.needs_immutable(db_path):
        raise ArchiveError(f"{db_path} was written by an older linkcheck (schema {version}) and is read-only "
                           "here: run `linkcheck verify` on it once where it is writable, or serve a copy")
    Archive(db_path).close()


def check_port_free(host: str, port: int) -> None:
    """A UsageError when nothing can listen on `host`:`port` (in use, or not an address of this machine)."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"--host {host}: {exc.strerror}") from None
    family, kind, proto, _, address = addresses[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"port {port} on {host} is in use; stop what listens there or choose "
                                 "another with --port") from None
            raise UsageError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None


class _Stopped(Exception):
    """SIGTERM or SIGHUP reached serve: stop Datasette, remove the temporary files, exit 0."""


def serve(db_path: Path | str, port: int = 8001, host: str = "127.0.0.1") -> None:
    """Start Datasette on the archive and wait until it stops (Ctrl-C, SIGTERM); a ServeError when
    Datasette fails. Its temporary files are gone and its Datasette process stopped on return."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise ArchiveError(f"no archive at {db_path}; run `linkcheck verify` first")
    renderers = cell_rendering_plugins()
    if renderers:
        raise ArchiveError("refusing to serve: Datasette plugin(s) that render cells are installed "
                           f"({', '.join(renderers)}); archived HTML could run in the browser. "
                           "Uninstall them or use another environment")
    bring_up_to_date(db_path)
    check_port_free(host, port)
    immutable = schema.needs_immutable(db_path)
    with tempfile.TemporaryDirectory(prefix="linkcheck-serve-") as folder, _stop_on_termination():
        metadata_path = Path(folder) / METADATA_FILE
        metadata_path.write_text(json.dumps(load_metadata(db_path), ensure_ascii=False), "utf-8")
        status = _run_until_stopped(datasette_command(db_path, metadata_path, port, host, immutable))
    if status != 0:
        raise ServeError(f"Datasette stopped with exit status {status} (its messages are above)")


def _run_until_stopped(command: list[str]) -> int:
    """Run Datasette to its end; on Ctrl-C or SIGTERM stop it and wait for it, 0 then."""
    child = subprocess.Popen(command, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    try:
        return child.wait()
    except KeyboardInterrupt:
        # Ctrl-C in a terminal reached Datasette too (one process group): let it shut down first.
        _stop(child, signal.SIGINT, grace=5)
        return 0
    except _Stopped:
        _stop(child, signal.SIGTERM, grace=0)
        return 0
    finally:
        if child.poll() is None:
            _stop(child, signal.SIGTERM, grace=0)


def _stop(child: subprocess.Popen, sent: signal.Signals, grace: float) -> None:
    """Wait `grace` seconds for `child` to end by itself, then send `sent`, then kill it."""
    for action in (None, sent, signal.SIGKILL):
        if action is not None and child.poll() is None:
            child.send_signal(action)
        try:
            child.wait(timeout=grace if action is None else 10)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def _stop_on_termination() -> Iterator[None]:
    """SIGTERM and SIGHUP raise _Stopped in the main thread, so that everything is cleaned up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stopped(signum: int, frame: object) -> None:
        raise _Stopped(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, stopped) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _die_with_parent() -> None:
    # In the child before exec: Datasette gets SIGTERM if serve dies (even by SIGKILL).
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
