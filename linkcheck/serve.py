"""`linkcheck serve`: browse the archive in Datasette with linkcheck's metadata and canned queries.

Archived pages must never run in the reader's browser: bodies are compressed BLOBs (Datasette
offers them as downloads), text cells are escaped by Datasette, linkcheck's own plugin
(serve_pages) shows an archived page only under a Content-Security-Policy sandbox that runs no
script and fetches nothing, and serve refuses to start when another Datasette plugin that renders
cells (render_cell hook) is installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

from . import schema
from .schema import ArchiveError
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
                      host: str = "127.0.0.1") -> list[str]:
    """The command line that serves `db_path` read-only with the given metadata file and
    linkcheck's plugin (citation check pages, archived pages)."""
    return [sys.executable, "-m", "datasette", "serve", str(db_path), "--metadata",
            str(metadata_path), "--port", str(port), "--host", host,
            "--setting", "default_page_size", "50",
            "--plugins-dir", str(PLUGIN_DIR), "--template-dir", str(TEMPLATE_DIR)]


def bring_up_to_date(db_path: Path) -> None:
    """Migrate an archive an older linkcheck wrote, so that the views and pages served exist."""
    import sqlite3

    from .archive import Archive

    conn = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error:
        return  # not an archive: left to Datasette to say so
    finally:
        conn.close()
    if 0 < version < schema.SCHEMA_VERSION:
        Archive(db_path).close()


def serve(db_path: Path | str, port: int = 8001, host: str = "127.0.0.1") -> int:
    """Start Datasette on the archive and wait until it stops; return its exit status."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ArchiveError(f"no archive at {db_path}; run `linkcheck verify` first")
    renderers = cell_rendering_plugins()
    if renderers:
        raise ArchiveError("refusing to serve: Datasette plugin(s) that render cells are installed "
                           f"({', '.join(renderers)}); archived HTML could run in the browser. "
                           "Uninstall them or use another environment")
    bring_up_to_date(db_path)
    with tempfile.TemporaryDirectory(prefix="linkcheck-") as folder:
        metadata_path = Path(folder) / METADATA_FILE
        metadata_path.write_text(json.dumps(load_metadata(db_path), ensure_ascii=False), "utf-8")
        try:
            return subprocess.call(datasette_command(db_path, metadata_path, port, host))
        except KeyboardInterrupt:
            return 0
