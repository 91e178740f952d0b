"""Real TLS on loopback for tests: a throwaway CA (trustme), hypercorn serving HTTP/1.1 and HTTP/2
on 127.0.0.x, and a small forward proxy (CONNECT tunnels and absolute-form GETs).

    with tls_web() as web:                       # https://127.0.0.4:<port>, also as news.test
        web.ca_file                              # PEM of the CA that signed its certificate
        web.url("/page", host="news.test")
        web.seen                                 # (http_version, host header, path) of each request

    with forward_proxy(names={"news.test": "127.0.0.4"}) as proxy:
        proxy.url                                # http://127.0.0.5:<port>
        proxy.targets                            # what clients asked it for ("news.test:443", a URL ...)

Each server runs its own event loop in a daemon thread and stops on leaving the block.
"""

from __future__ import annotations

import asyncio
import datetime
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

trustme = pytest.importorskip("trustme", reason="trustme (the test extra) makes the throwaway CA")
hypercorn_asyncio = pytest.importorskip("hypercorn.asyncio", reason="hypercorn (the test extra) serves TLS and HTTP/2")
from hypercorn.config import Config as HypercornConfig  # noqa: E402

PAGE = ("<html lang=\"en\"><head><title>TLS page</title></head><body><article><h1>Served over TLS</h1>"
        "<p>{version} for {host}</p></article></body></html>")


@dataclass
class TlsWeb:
    host: str
    port: int
    ca_file: Path
    seen: list[tuple[str, str, str]] = field(default_factory=list)

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"https://{host or self.host}:{self.port}{path}"


def _app(web: TlsWeb):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        host = headers.get("host") or headers.get(":authority", "")
        web.seen.append((scope["http_version"], host, scope["path"]))
        body = PAGE.format(version=f"HTTP/{scope['http_version']}", host=host).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
    return app


@contextmanager
def tls_web(tmp_path: Path, host: str = "127.0.0.4", names: tuple[str, ...] = ("news.test",),
            expired: bool = False) -> Iterator[TlsWeb]:
    """Hypercorn with a certificate for `names` and `host` from a fresh CA (h2 and http/1.1 by ALPN)."""
    ca = trustme.CA()
    validity = {}
    if expired:
        now = datetime.datetime.now(datetime.UTC)
        validity = {"not_before": now - datetime.timedelta(days=30), "not_after": now - datetime.timedelta(days=1)}
    leaf = ca.issue_cert(*names, host, **validity)
    ca_file, key_file = tmp_path / f"ca-{host}.pem", tmp_path / f"server-{host}.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    leaf.private_key_and_cert_chain_pem.write_to_path(str(key_file))
    listener = socket.create_server((host, 0))
    web = TlsWeb(host, listener.getsockname()[1], ca_file)
    config = HypercornConfig()
    config.bind = [f"fd://{listener.detach()}"]  # hypercorn owns (and closes) the socket
    config.certfile = config.keyfile = str(key_file)
    config.alpn_protocols = ["h2", "http/1.1"]
    config.accesslog = config.errorlog = None
    with _running(lambda stop: hypercorn_asyncio.serve(_app(web), config, shutdown_trigger=stop.wait)):
        yield web


@dataclass
class ForwardProxy:
    url: str
    targets: list[str] = field(default_factory=list)


@contextmanager
def forward_proxy(names: dict[str, str], host: str = "127.0.0.5") -> Iterator[ForwardProxy]:
    """An HTTP proxy that tunnels CONNECT and forwards absolute-form requests, resolving host names
    with `names` only (a name it does not know gets 502)."""
    listener = socket.create_server((host, 0))
    proxy = ForwardProxy(f"http://{host}:{listener.getsockname()[1]}")

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
        proxy.targets.append(target)
        if method == "CONNECT":
            name, _, port = target.rpartition(":")
        else:
            name, _, port = target.split("/", 3)[2].partition(":")
            port = port or "80"
        address = names.get(name.strip("[]"))
        if address is None:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(address, int(port))
        if method == "CONNECT":
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:  # origin-form to the server, one request per connection
            request_line, rest = head.split(b"\r\n", 1)
            path = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
            upstream_writer.write(f"{method} {path} HTTP/1.1\r\n".encode() + rest.replace(
                b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
            await upstream_writer.drain()
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async def serve(stop: asyncio.Event) -> None:
        server = await asyncio.start_server(handle, sock=listener)
        async with server:
            await stop.wait()

    with _running(serve):
        yield proxy


@contextmanager
def _running(main) -> Iterator[None]:
    """Run `main(stop_event)` in an event loop of its own thread until the block is left."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        task = loop.create_task(main(stop))
        loop.call_soon(started.set)
        try:
            loop.run_until_complete(task)
        except Exception:
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
