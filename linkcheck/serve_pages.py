"""linkcheck's own pages inside Datasette (loaded by `linkcheck serve` as the plugin in
serve_plugin/): one page per citation check with its evidence, the archived page as it looked
with scripts and network fetches disabled, the raw snapshot, and ids in views shown as links.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import zstandard
from markupsafe import Markup

from .archive.evidence import citation_evidence
from .page import PageKind, sniff_kind
from .schema import VIEWS

PREFIX = "/-/linkcheck"
PLUGIN_DIR = Path(__file__).parent / "serve_plugin"
TEMPLATE_DIR = PLUGIN_DIR / "templates"
PLUGIN_NAME = "linkcheck_pages.py"  # how Datasette names a plugin loaded from PLUGIN_DIR

# An archived page may show itself and its inline styles, nothing else: no script runs (sandbox
# without allow-scripts), no subresource is fetched from anywhere (default-src 'none'), no form
# is sent, and only linkcheck's own pages may frame it.
ARCHIVED_PAGE_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                     "font-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'")
_SAFE_HEADERS = {"content-security-policy": ARCHIVED_PAGE_CSP, "x-content-type-options": "nosniff",
                 "referrer-policy": "no-referrer", "cache-control": "no-store"}

# Id columns of the views and canned queries, and the table each one names a row of.
ID_COLUMNS = {"run_id": "runs", "check_id": "checks", "citation_id": "citations", "link_id": "links",
              "snapshot_id": "snapshots", "page_text_id": "page_texts", "capture_check_id": "capture_checks"}


def citation_url(database: str, citation_check_id: int) -> str:
    return f"{PREFIX}/{database}/citation/{citation_check_id}"


def archived_url(database: str, snapshot_id: int) -> str:
    return f"{PREFIX}/{database}/snapshot/{snapshot_id}"


def routes() -> list[tuple[str, Callable]]:
    """Datasette's register_routes: (regex, view) pairs."""
    database = r"(?P<database>[^/]+)"
    return [(rf"^{PREFIX}/{database}/citation/(?P<id>\d+)$", citation_page),
            (rf"^{PREFIX}/{database}/snapshot/(?P<id>\d+)$", archived_page),
            (rf"^{PREFIX}/{database}/snapshot/(?P<id>\d+)/raw$", raw_snapshot)]


async def citation_page(datasette: Any, request: Any) -> Any:
    """One citation check: verdict, reason, rule, chain, evidence, previous check, text diff."""
    from datasette.utils.asgi import NotFound, Response

    name, check_id = request.url_vars["database"], int(request.url_vars["id"])
    db = _database(datasette, name)
    evidence = await db.execute_fn(lambda conn: citation_evidence(conn, check_id))
    if evidence is None:
        raise NotFound(f"no citation check {check_id}")
    urls = datasette.urls
    links = {
        "article": urls.row(name, "articles", evidence.article_id),
        "citation": urls.row(name, "citations", evidence.citation_id),
        "link": urls.row(name, "links", evidence.link_id),
        "check": urls.row(name, "checks", evidence.check_id),
        "run": urls.row(name, "runs", evidence.run_id),
        "rule": urls.row(name, "rules", evidence.rule) if evidence.rule else None,
        "history": urls.query(name, "url_history") + "?" + urlencode({"url": evidence.url}),
        "previous": (citation_url(name, evidence.previous_citation_check_id)
                     if evidence.previous_citation_check_id else None),
        "snapshot": urls.row(name, "snapshots", evidence.snapshot_id) if evidence.snapshot_id else None,
        "archived": archived_url(name, evidence.snapshot_id) if evidence.snapshot_id else None,
        "raw": archived_url(name, evidence.snapshot_id) + "/raw" if evidence.snapshot_id else None,
        "page_text": urls.row(name, "page_texts", evidence.page_text_id) if evidence.page_text_id else None,
    }
    html = await datasette.render_template(
        "linkcheck_citation_check.html",
        {"database": name, "evidence": evidence, "links": links,
         "diff_lines": [(_diff_class(line), line) for line in (evidence.text_diff or "").splitlines()]},
        request=request)
    return Response.html(html)


async def archived_page(datasette: Any, request: Any) -> Any:
    """The snapshot as the page looked: its HTML under ARCHIVED_PAGE_CSP (other kinds as text)."""
    body, content_type = await _snapshot(datasette, request)
    return _response(*archived_page_content(body, content_type))


async def raw_snapshot(datasette: Any, request: Any) -> Any:
    """The snapshot's bytes as they came, shown as text (never rendered)."""
    body, content_type = await _snapshot(datasette, request)
    return _response(body, "text/plain" + _charset(content_type))


def archived_page_content(body: bytes, content_type: str | None) -> tuple[bytes, str]:
    """The body and content type to show an archived page with: HTML as HTML, PDFs and other
    binaries as downloads, anything else as plain text; the headers of _SAFE_HEADERS always apply."""
    kind = sniff_kind(body, (content_type or "").lower())
    if kind is PageKind.HTML:
        return body, "text/html" + _charset(content_type)
    if kind is PageKind.TEXT:
        return body, "text/plain" + _charset(content_type)
    return body, "application/octet-stream"


def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Markup | None:
    """Datasette's render_cell: in linkcheck's views and canned queries, ids link to their rows and
    citation_check_id to the citation check page."""
    if not isinstance(value, int):
        return None
    if table is not None and table not in VIEWS:
        return None
    if column == "citation_check_id":
        return Markup('<a href="{}">evidence {}</a>').format(citation_url(database, value), value)
    if column in ID_COLUMNS:
        return Markup('<a href="{}">{}</a>').format(datasette.urls.row(database, ID_COLUMNS[column], value), value)
    return None


def _database(datasette: Any, name: str) -> Any:
    from datasette.utils.asgi import NotFound

    try:
        return datasette.get_database(name)
    except KeyError:
        raise NotFound(f"no database {name}") from None


async def _snapshot(datasette: Any, request: Any) -> tuple[bytes, str | None]:
    from datasette.utils.asgi import NotFound

    db = _database(datasette, request.url_vars["database"])
    snapshot_id = int(request.url_vars["id"])

    def read(conn: sqlite3.Connection) -> tuple[bytes, str | None] | None:
        row = conn.execute("SELECT body, content_type FROM snapshots WHERE id = ?", [snapshot_id]).fetchone()
        if row is None:
            return None
        return zstandard.ZstdDecompressor().decompressobj().decompress(row[0]), row[1]

    found = await db.execute_fn(read)
    if found is None:
        raise NotFound(f"no snapshot {snapshot_id}")
    return found


def _response(body: bytes, content_type: str) -> Any:
    from datasette.utils.asgi import Response

    headers = dict(_SAFE_HEADERS)
    if content_type == "application/octet-stream":
        headers["content-disposition"] = "attachment"
    return Response(body, headers=headers, content_type=content_type)


def _charset(content_type: str | None) -> str:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        value = value.strip().strip('"')
        if name.lower() == "charset" and value.replace("-", "").replace("_", "").isalnum():
            return f"; charset={value}"
    return ""


def _diff_class(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "diff-file"
    if line.startswith("@@"):
        return "diff-hunk"
    return {"+": "diff-added", "-": "diff-removed"}.get(line[:1], "")

