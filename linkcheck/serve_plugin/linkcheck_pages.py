"""The Datasette plugin `linkcheck serve` loads (--plugins-dir): see linkcheck.serve_pages."""

from collections.abc import Callable
from typing import Any

from datasette import hookimpl
from markupsafe import Markup

from linkcheck import serve_pages


@hookimpl
def register_routes() -> list[tuple[str, Callable]]:
    return serve_pages.routes()


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Markup | None:
    return serve_pages.render_cell(value, column, table, database, datasette)
