"""Response smuggling: a response whose Content-Length ends before the bytes the server sent carries
a second response nobody asked for. The surplus is recorded on the check, and the kept-alive
connection is never reused, so the next URL gets its own answer (a real raw-socket server)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest

from linkcheck.config import Config
from linkcheck.fetch import Fetcher

HOST = "127.0.0.1"
SMUGGLED = b"<html><body>smuggled page</body></html>"


def _response(body: bytes, declared: int | None = None) -> bytes:
    length = len(body) if declared is None else declared
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % length + body


class RawServer:
    """Answers each request on a connection; the first path named /smuggle gets a response with a
    second one glued behind it, in the same write."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[str] = []
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        with conn:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                path = head.split(b" ")[1].decode()
                self.requests.append(path)
                if path.startswith("/smuggle"):
                    first = b"<html><body>first</body></html>"
                    conn.sendall(_response(first) + _response(SMUGGLED))
                else:
                    conn.sendall(_response(f"<html><body>real page {path}</body></html>".encode()))

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._listener.close()


@pytest.fixture
def server() -> Iterator[RawServer]:
    with RawServer() as running:
        yield running


def _fetch_in_turn(port: int, paths: list[str]):
    config = Config(allow_private=True, per_host=1, timeout=5, retries=0)

    async def go():
        async with Fetcher(config) as fetcher:
            return [await fetcher.fetch(f"http://{HOST}:{port}{path}") for path in paths]

    return asyncio.run(asyncio.wait_for(go(), 30))


def test_a_surplus_after_the_content_length_is_recorded_and_the_connection_dropped(server: RawServer):
    first, second = _fetch_in_turn(server.port, ["/smuggle", "/next"])
    assert first.status == 200 and first.body == b"<html><body>first</body></html>"
    assert len(first.warnings) == 1 and f"{len(_response(SMUGGLED))} bytes after the end" in first.warnings[0]
    assert "Content-Length 31" in first.warnings[0]
    assert second.body == b"<html><body>real page /next</body></html>", "the smuggled page was taken as the answer"
    assert second.warnings == ()
    assert server.requests == ["/smuggle", "/next"] and server.connections == 2


def test_an_honest_server_keeps_its_connection(server: RawServer):
    first, second = _fetch_in_turn(server.port, ["/a", "/b"])
    assert (first.warnings, second.warnings) == ((), ())
    assert second.body == b"<html><body>real page /b</body></html>"
    assert server.connections == 1, "keep-alive reuse still works"
