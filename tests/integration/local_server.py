"""A real, misbehaving-on-demand HTTP server on several loopback addresses (127.0.0.x), for tests.

    with local_web() as web:                      # 127.0.0.1, 127.0.0.2, 127.0.0.3, one port
        web.routes["/a"] = page(b"hello")
        web.routes["/slow"] = delayed(0.2, page(b"late"))
        url = web.url("/a", host="127.0.0.2")
        ...
        web.max_in_flight["127.0.0.2"]            # most requests a host served at once
        web.connections["127.0.0.2"]              # TCP connections a host accepted (reuse shows here)

A route is a function of the request handler that writes the whole answer itself, so it can also
stall, trickle, truncate, reset or send invalid bytes. Linux routes all of 127/8 to loopback.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[["Handler"], None]
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")


@dataclass
class LocalWeb:
    """The servers' shared state: routes, and what they saw (hits, requests in flight per host)."""

    hosts: tuple[str, ...]
    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    fallbacks: dict[str, Route] = field(default_factory=dict)    # host -> answer for unknown paths
    hits: Counter[str] = field(default_factory=Counter)         # path -> requests
    in_flight: Counter[str] = field(default_factory=Counter)    # host -> requests being served
    max_in_flight: Counter[str] = field(default_factory=Counter)
    max_in_flight_total: int = 0
    connections: Counter[str] = field(default_factory=Counter)       # host -> connections accepted
    open_connections: Counter[str] = field(default_factory=Counter)  # host -> connections not yet closed
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.hosts[0]}:{self.port}{path}"

    def enter(self, host: str, path: str) -> None:
        with self.lock:
            self.hits[path] += 1
            self.in_flight[host] += 1
            self.max_in_flight[host] = max(self.max_in_flight[host], self.in_flight[host])
            self.max_in_flight_total = max(self.max_in_flight_total, sum(self.in_flight.values()))

    def leave(self, host: str) -> None:
        with self.lock:
            self.in_flight[host] -= 1

    def connected(self, host: str, change: int) -> None:
        with self.lock:
            self.connections[host] += max(0, change)
            self.open_connections[host] += change

    def wait_until_open(self, expected: dict[str, int], seconds: float = 5.0) -> dict[str, int]:
        """Open connections per host once they match `expected` (the server sees a close a moment late)."""
        deadline = time.monotonic() + seconds
        while True:
            with self.lock:
                now_open = {host: n for host, n in self.open_connections.items() if n}
            if now_open == expected or time.monotonic() > deadline:
                return now_open
            time.sleep(0.01)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    web: LocalWeb  # set on the subclass made per server

    def setup(self) -> None:
        super().setup()
        self.web.connected(self.server.server_address[0], +1)

    def finish(self) -> None:
        self.web.connected(self.server.server_address[0], -1)
        super().finish()

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        host = self.server.server_address[0]
        path = self.path.split("?", 1)[0]
        self.web.enter(host, path)
        try:
            (self.web.routes.get(path) or self.web.fallbacks.get(host, not_found))(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client hung up: expected when it caps a body
        finally:
            self.web.leave(host)

    def answer(self, status: int, body: bytes = b"", headers: Sequence[tuple[str, str]] = ()) -> None:
        """A complete response with Content-Length (keep-alive friendly)."""
        self.send_response(status)
        names = {name.lower() for name, _ in headers}
        for name, value in headers:
            self.send_header(name, value)
        if "content-type" not in names:
            self.send_header("Content-Type", "text/html; charset=utf-8")
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def pause(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; False when it is."""
        return not self.web.stopping.wait(seconds)

    def log_message(self, *args: object) -> None:
        pass


def page(body: bytes = b"<html><body>ok</body></html>", status: int = 200,
         headers: Sequence[tuple[str, str]] = ()) -> Route:
    return lambda handler: handler.answer(status, body, headers)


def not_found(handler: Handler) -> None:
    handler.answer(404, b"<html><body><h1>Not found</h1></body></html>")


def redirect(location: str, status: int = 302) -> Route:
    return page(b"", status, [("Location", location)])


def delayed(seconds: float, route: Route) -> Route:
    def answer(handler: Handler) -> None:
        if handler.pause(seconds):
            route(handler)
    return answer


def sequence(*routes: Route) -> Route:
    """Answer with the routes in turn; the last one repeats (e.g. 503, 503, 200)."""
    calls = iter(range(10**9))

    def answer(handler: Handler) -> None:
        routes[min(next(calls), len(routes) - 1)](handler)
    return answer


def slowloris(interval: float = 1.0, length: int = 1000) -> Route:
    """Headers at once, then one body byte every `interval` seconds."""
    def answer(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        handler.wfile.flush()
        for _ in range(length):
            if not handler.pause(interval):
                return
            handler.wfile.write(b"x")
            handler.wfile.flush()
    return answer


def stream(total: int, chunk: int = 64 * 1024, headers: Sequence[tuple[str, str]] = ()) -> Route:
    """`total` bytes of filler generated on the fly (a 60 MB page without 60 MB in memory)."""
    def answer(handler: Handler) -> None:
        handler.send_response(200)
        for name, value in [("Content-Type", "text/html"), ("Content-Length", str(total)), *headers]:
            handler.send_header(name, value)
        handler.end_headers()
        block = b"<p>" + b"x" * (chunk - 7) + b"</p>"
        sent = 0
        while sent < total and not handler.web.stopping.is_set():
            piece = block[: min(chunk, total - sent)]
            handler.wfile.write(piece)
            sent += len(piece)
    return answer


def gzip_bomb(decoded_size: int = 50 * 1024 * 1024) -> Route:
    """A small gzip body that inflates to `decoded_size` bytes."""
    body = gzip.compress(b"\0" * decoded_size, compresslevel=9)
    return page(body, headers=[("Content-Encoding", "gzip")])


def brotli_bomb(decoded_size: int = 50 * 1024 * 1024) -> Route:
    import brotli

    body = brotli.compress(b"\0" * decoded_size, quality=5)
    return page(body, headers=[("Content-Encoding", "br")])


def truncated(declared: int = 1000, sent: bytes = b"<html><body>only the start") -> Route:
    """Promise `declared` bytes, send fewer, hang up."""
    def answer(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(declared))
        handler.end_headers()
        handler.wfile.write(sent)
        handler.wfile.flush()
        handler.close_connection = True
    return answer


def raw(response: bytes) -> Route:
    """Send these exact bytes (invalid headers, HTTP/1.0 without length, ...) and close."""
    def answer(handler: Handler) -> None:
        handler.wfile.write(response)
        handler.wfile.flush()
        handler.close_connection = True
    return answer


def reset(handler: Handler) -> None:
    """Close the connection with a TCP RST before any response."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


@contextmanager
def local_web(hosts: Sequence[str] = HOSTS) -> Iterator[LocalWeb]:
    """Start one threaded server per host, all on the same free port; stop them on exit."""
    web = LocalWeb(tuple(hosts))
    handler = type("BoundHandler", (Handler,), {"web": web})
    servers = _bind_all(web.hosts, handler)
    web.port = servers[0].server_address[1]
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
               for s in servers]
    for thread in threads:
        thread.start()
    try:
        yield web
    finally:
        web.stopping.set()
        for server in servers:
            server.shutdown()
            server.server_close()


def _bind_all(hosts: Sequence[str], handler: type[Handler], tries: int = 20) -> list[ThreadingHTTPServer]:
    for _ in range(tries):
        servers: list[ThreadingHTTPServer] = []
        try:
            for host in hosts:
                port = servers[0].server_address[1] if servers else 0
                server = ThreadingHTTPServer((host, port), handler)
                server.daemon_threads = True
                server.block_on_close = False
                servers.append(server)
            return servers
        except OSError:
            for server in servers:
                server.server_close()
            time.sleep(0.01)
    raise RuntimeError(f"cannot bind one port on all of {', '.join(hosts)}")
