"""A real HTTP server on a loopback address that serves a fixed table of routes, for end-to-end runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Page:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})


def redirect(location: str, status: int = 301) -> Page:
    return Page(b"", status, {"Location": location, "Content-Length": "0"})


@contextmanager
def serve(routes: dict[str, Page], host: str = "127.0.0.1", fallback: Page | None = None) -> Iterator[str]:
    """Serve `routes` on host:<free port>; yields the base URL. Unknown paths get `fallback` or 404."""
    missing = fallback or Page(b"<html><body><h1>404</h1></body></html>", 404)
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            requests.append(self.path)
            page = routes.get(self.path, missing)
            self.send_response(page.status)
            for name, value in page.headers.items():
                self.send_header(name, value)
            if "Content-Length" not in page.headers:
                self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            self.wfile.write(page.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    server.requests = requests  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
