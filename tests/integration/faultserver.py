"""A misbehaving HTTP server for tests: hangs, resets, bombs, broken headers, on loopback only.

Raw asyncio streams, so a fault can be injected at the byte level (no HTTP library in the way).
Each fault lives at its own path; `FaultServer.url(path, host=n)` spreads URLs over the
loopback addresses 127.0.0.1 ... 127.0.0.N (one listening socket each), so that per-host limits
of the client under test do not make one slow fault wait for another.

The server runs its own event loop in a daemon thread, stops on `stop()` / context exit, and
stops by itself after `max_lifetime` seconds in any case. Nothing big is ever held in memory:
the 60 MB page is generated while it is sent, and the compression bombs are made at run time
by compressing zeros chunk by chunk (only their few KB of compressed bytes are kept).

Also here: `run_linkcheck`, which runs the `linkcheck` command of this working tree in a
subprocess with a hard timeout and measures that process's own peak RSS (os.wait4).
"""

from __future__ import annotations

import asyncio
import collections
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

REPO = Path(__file__).resolve().parents[2]

MB = 1024 * 1024
BOMB_BYTES = 2 * 1024 * MB          # what each compression bomb expands to
BIG_PAGE_BYTES = 60 * MB
_ZEROS = bytes(MB)

# The page every "good" path serves; the test article tells the same story, so its key
# entities are found on the page.
ARTICLE_TITLE = "Bundestag beschließt Haushalt für 2025"
ARTICLE_PARAGRAPHS = (
    "Der Bundestag in Berlin hat am Freitag den Haushalt für das Jahr 2025 beschlossen. "
    "Bundesfinanzminister Christian Lindner sprach von einem soliden Haushalt.",
    "Bundeskanzler Olaf Scholz verteidigte die Ausgaben für die Bundeswehr und die Hilfe für "
    "die Ukraine. Die Opposition um Friedrich Merz kritisierte die neuen Schulden.",
    "Der Haushalt sieht Ausgaben von 480 Milliarden Euro vor. Der Bundesrat muss noch zustimmen; "
    "Christian Lindner rechnet mit einer Zustimmung im Dezember.",
)


def article_html(extra: str = "", title: str = ARTICLE_TITLE) -> bytes:
    """A news page with the article's story in <article>, plus some boilerplate around it."""
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    return (
        "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">"
        f"<title>{title} | Testzeitung</title></head><body>"
        "<nav><a href=\"/\">Startseite</a> <a href=\"/politik\">Politik</a></nav>"
        f"<main><article><h1>{title}</h1>{paragraphs}{extra}</article></main>"
        "<footer>© Testzeitung · Impressum · Datenschutz</footer></body></html>"
    ).encode()


NOT_FOUND_HTML = (b"<!doctype html><html><head><title>Seite nicht gefunden (404)</title></head>"
                  b"<body><h1>Seite nicht gefunden</h1><p>Die angeforderte Seite existiert nicht."
                  b"</p></body></html>")


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    host: str      # the loopback address it came in on
    method: str
    target: str    # raw request target (path and query)
    at: float      # time.monotonic()


Handler = Callable[["FaultServer", Request, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class FaultServer:
    """Start with `with FaultServer() as server:`; URLs from `server.url('/hang', host=3)`."""

    def __init__(self, hosts: int = 40, latency: float = 0.0, max_lifetime: float = 300.0) -> None:
        if not 1 <= hosts <= 250:
            raise ValueError("hosts must be between 1 and 250 (127.0.0.1 ... 127.0.0.250)")
        self.host_count = hosts
        self.latency = latency            # seconds before every answer (slow but healthy servers)
        self.max_lifetime = max_lifetime  # the server stops by itself after this, whatever happens
        self.ports: dict[str, int] = {}
        self.requests: list[Request] = []
        self._hits: collections.Counter[str] = collections.Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.base_events.Server] = []
        self._connections: set[asyncio.Task] = set()
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._startup_error: BaseException | None = None
        self._bombs: dict[str, bytes] = {}
        self._bomb_lock = threading.Lock()
        self.closed_port = _unused_port()  # nothing listens there: connection refused

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> FaultServer:
        self._thread = threading.Thread(target=self._run, name="faultserver", daemon=True)
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("fault server did not start within 15 s")
        if self._startup_error is not None:
            raise RuntimeError(f"fault server failed to start: {self._startup_error}")
        return self

    def stop(self) -> None:
        if self._loop is not None and not self._stopped.is_set():
            self._loop.call_soon_threadsafe(self._shutdown_requested.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def prepare_bombs(self) -> None:
        """Make the compressed bombs now (about a second of CPU) instead of at the first request."""
        for kind in ("br", "zstd"):
            self._bomb(kind)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()
            self._stopped.set()

    async def _serve(self) -> None:
        self._shutdown_requested = asyncio.Event()
        try:
            for n in range(1, self.host_count + 1):
                address = f"127.0.0.{n}"
                server = await asyncio.start_server(self._accept, address, 0, limit=4 * MB)
                self._servers.append(server)
                self.ports[address] = server.sockets[0].getsockname()[1]
        except BaseException as exc:  # report to start() instead of dying silently in the thread
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await asyncio.wait_for(self._shutdown_requested.wait(), self.max_lifetime)
        except TimeoutError:
            print(f"faultserver: stopping by itself after {self.max_lifetime:.0f} s", file=sys.stderr)
        for server in self._servers:
            server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    # -- addresses and bookkeeping --------------------------------------------------------------

    def address(self, host: int = 1) -> str:
        """'127.0.0.N:PORT' of host number `host` (1-based)."""
        ip = f"127.0.0.{host}"
        return f"{ip}:{self.ports[ip]}"

    def url(self, path: str, host: int = 1) -> str:
        return f"http://{self.address(host)}{path}"

    def hits(self, prefix: str = "/") -> int:
        """Requests seen whose path starts with `prefix` (any host)."""
        return sum(n for target, n in list(self._hits.items()) if target.startswith(prefix))

    def hits_on(self, host: int) -> int:
        ip = f"127.0.0.{host}"
        return sum(1 for r in list(self.requests) if r.host == ip)

    # -- connections ----------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            await self._serve_connection(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass  # the client gave up or misbehaved: fine, this is a fault server
        except asyncio.CancelledError:
            pass
        finally:
            self._connections.discard(task)
            if not writer.transport.is_closing():
                writer.transport.abort()

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        local_ip = writer.get_extra_info("sockname")[0]
        while True:  # keep-alive: httpx may send several requests on one connection
            head = await reader.readuntil(b"\r\n\r\n")
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = request_line.split(" ")
            if len(parts) != 3:
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                await writer.drain()
                return
            request = Request(local_ip, parts[0], parts[1], time.monotonic())
            self.requests.append(request)
            self._hits[request.target.split("?", 1)[0]] += 1
            if self.latency:
                await asyncio.sleep(self.latency)
            keep_alive = await _route(request.target)(self, request, reader, writer)
            if not keep_alive:
                await writer.drain()
                writer.close()
                return

    # -- bombs ----------------------------------------------------------------------------------

    def _bomb(self, kind: str) -> bytes:
        """The compressed bytes of BOMB_BYTES zeros for 'br' or 'zstd' (made once, a few KB)."""
        with self._bomb_lock:
            if kind not in self._bombs:
                self._bombs[kind] = _compress_zeros(kind, BOMB_BYTES)
            return self._bombs[kind]


# -- byte-level helpers ---------------------------------------------------------------------------

def _head(status: str, headers: list[tuple[str, str]] | None = None, close: bool = True) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in (headers or [])]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _send(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


def _html_response(body: bytes, status: str = "200 OK", content_type: str | None = "text/html; charset=utf-8",
                   extra: list[tuple[str, str]] | None = None) -> bytes:
    headers = [("Content-Length", str(len(body)))]
    if content_type is not None:
        headers.insert(0, ("Content-Type", content_type))
    return _head(status, headers + (extra or [])) + body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST instead of a FIN (SO_LINGER on, linger time 0)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def gzip_bomb_chunks(total: int) -> collections.abc.Iterator[bytes]:
    """A gzip stream of `total` zero bytes, made from one repeated compressed 1 MB segment.

    After a Z_FULL_FLUSH the deflate state is reset, so every further MB of zeros compresses to
    the same bytes: the whole bomb costs one MB of compression, whatever its size.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    final_block = compressor.flush()[:-8]  # the empty last block; our own CRC and size follow
    megabytes = total // MB
    yield first
    for _ in range(megabytes - 1):
        yield segment
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(_ZEROS, crc)
    yield final_block + struct.pack("<II", crc, (megabytes * MB) & 0xFFFFFFFF)


def gzip_bomb_size(total: int) -> int:
    return sum(len(chunk) for chunk in _gzip_parts(total))


def _gzip_parts(total: int) -> list[bytes]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush()[:-8] + b"\0" * 8
    return [first] + [segment] * (total // MB - 1) + [final]


def _compress_zeros(kind: str, total: int) -> bytes:
    """Compress `total` zero bytes a MB at a time (never holding them); returns the small result."""
    if kind == "br":
        import brotli

        compressor = brotli.Compressor(quality=5)
        parts = [compressor.process(_ZEROS) for _ in range(total // MB)]
        parts.append(compressor.finish())
    elif kind == "zstd":
        import zstandard

        compressor = zstandard.ZstdCompressor(level=3).compressobj()
        parts = [compressor.compress(_ZEROS) for _ in range(total // MB)]
        parts.append(compressor.flush())
    else:
        raise ValueError(kind)
    return b"".join(parts)


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the faults -----------------------------------------------------------------------------------

async def _good(server: FaultServer, request: Request, reader, writer) -> bool:
    # The path in a comment: each URL its own body (and snapshot), the same main text.
    marker = request.target[:200].replace("--", "")
    await _send(writer, _html_response(article_html(f"<!-- {marker} -->")))
    return False


async def _not_found(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, _html_response(NOT_FOUND_HTML, status="404 Not Found"))
    return False


async def _hang(server: FaultServer, request: Request, reader, writer) -> bool:
    """Read the request, never answer; wait until the client hangs up or the server stops."""
    await reader.read()  # returns at EOF (client closed)
    return False


async def _slowloris(server: FaultServer, request: Request, reader, writer) -> bool:
    """The whole response, status line included, one byte per second."""
    for byte in _html_response(article_html()):
        await _send(writer, bytes([byte]))
        await asyncio.sleep(1.0)
    return False


async def _slow_body(server: FaultServer, request: Request, reader, writer) -> bool:
    """Headers at once, then the body one byte per second."""
    body = article_html()
    await _send(writer, _head("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                         ("Content-Length", str(len(body)))]))
    for byte in body:
        await _send(writer, bytes([byte]))
        await asyncio.sleep(1.0)
    return False


async def _reset_at_once(server: FaultServer, request: Request, reader, writer) -> bool:
    _reset(writer)
    return False


async def _reset_mid_body(server: FaultServer, request: Request, reader, writer) -> bool:
    body = article_html()
    await _send(writer, _head("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                         ("Content-Length", str(len(body) + 50_000))]) + body[:800])
    await asyncio.sleep(0.05)
    _reset(writer)
    return False


async def _truncated(server: FaultServer, request: Request, reader, writer) -> bool:
    """Content-Length promises 100 000 bytes; the whole article page comes, then a clean close."""
    await _send(writer, _head("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                         ("Content-Length", "100000")]) + article_html())
    return False


async def _gzip_bomb(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, _head("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                         ("Content-Encoding", "gzip"),
                                         ("Content-Length", str(gzip_bomb_size(BOMB_BYTES)))]))
    for chunk in gzip_bomb_chunks(BOMB_BYTES):
        await _send(writer, chunk)
    return False


def _compressed_bomb(kind: str) -> Handler:
    async def handler(server: FaultServer, request: Request, reader, writer) -> bool:
        body = await asyncio.to_thread(server._bomb, kind)
        await _send(writer, _head("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                             ("Content-Encoding", kind),
                                             ("Content-Length", str(len(body)))]) + body)
        return False
    return handler


def _big_page(chunked: bool) -> Handler:
    async def handler(server: FaultServer, request: Request, reader, writer) -> bool:
        start = article_html().split(b"</article>")[0]  # left open: the filler is part of it
        filler = (b"<p>" + b"Weitere Meldungen aus dem Haushaltsausschuss folgen. " * 20 + b"</p>\n")
        headers = [("Content-Type", "text/html; charset=utf-8")]
        headers.append(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(BIG_PAGE_BYTES)))
        await _send(writer, _head("200 OK", headers))
        sent = 0
        block = filler * (64 * 1024 // len(filler))
        pieces = [start]
        while sent < BIG_PAGE_BYTES:
            piece = pieces.pop() if pieces else block
            piece = piece[:BIG_PAGE_BYTES - sent]
            sent += len(piece)
            await _send(writer, b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            await _send(writer, b"0\r\n\r\n")
        return False
    return handler


async def _redirect_loop(server: FaultServer, request: Request, reader, writer) -> bool:
    other = "/loop/b" if request.target.startswith("/loop/a") else "/loop/a"
    await _send(writer, _head("302 Found", [("Location", other), ("Content-Length", "0")]))
    return False


async def _redirect_chain(server: FaultServer, request: Request, reader, writer) -> bool:
    """/chain/N redirects to /chain/N-1 ... /chain/0, which is the article page."""
    left = int(request.target.rsplit("/", 1)[1] or 0)
    if left <= 0:
        return await _good(server, request, reader, writer)
    await _send(writer, _head("301 Moved Permanently", [("Location", f"/chain/{left - 1}"),
                                                        ("Content-Length", "0")]))
    return False


async def _bad_headers(server: FaultServer, request: Request, reader, writer) -> bool:
    body = article_html()
    await _send(writer, b"HTTP/1.1 200 OK\r\n"
                        b"Content-Type: text/html; charset=utf-8\r\n"
                        b"this header line has no colon\r\n"
                        b"X-Bin\xff\xfe: \x01\x02\x03\r\n"
                        b": no name\r\n"
                        b"Content-Length: " + str(len(body)).encode() + b"\r\n"
                        b"Connection: close\r\n\r\n" + body)
    return False


async def _header_non_ascii(server: FaultServer, request: Request, reader, writer) -> bool:
    body = article_html()
    await _send(writer, b"HTTP/1.1 200 OK\r\n"
                        b"Content-Type: text/html; charset=utf-8\r\n"
                        + "X-Redakteur: Jürgen Müller — ☃\r\n".encode()
                        + "X-Latin: Gr\xfc\xdfe\r\n".encode("latin-1")
                        + b"Content-Length: " + str(len(body)).encode() + b"\r\n"
                        b"Connection: close\r\n\r\n" + body)
    return False


async def _no_content_type(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, _html_response(article_html(), content_type=None))
    return False


async def _wrong_content_type(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, _html_response(article_html(), content_type="image/png"))
    return False


async def _binary_junk(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, _html_response(random.Random(7).randbytes(200_000)))
    return False


async def _bad_charset(server: FaultServer, request: Request, reader, writer) -> bool:
    """UTF-8 bytes declared as charset=foobar, in the header and in a <meta> tag."""
    body = article_html().replace(b'<meta charset="utf-8">', b'<meta charset="foobar">')
    await _send(writer, _html_response(body, content_type="text/html; charset=foobar"))
    return False


async def _status_100(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, b"HTTP/1.1 100 Continue\r\n\r\n")
    return False


async def _status_102(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, b"HTTP/1.1 102 Processing\r\nContent-Type: text/html\r\n\r\n")
    return False


async def _redirect_without_location(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, _head("302 Found", [("Content-Length", "0")]))
    return False


async def _redirect_bad_location(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, _head("301 Moved Permanently", [("Location", "http://[::1"), ("Content-Length", "0")]))
    return False


async def _long_location(server: FaultServer, request: Request, reader, writer) -> bool:
    """A redirect whose Location is 10 000 characters long; the target is the article page."""
    location = "/long/" + "a" * 9_994
    await _send(writer, _head("302 Found", [("Location", location), ("Content-Length", "0")]))
    return False


async def _too_many_requests_once(server: FaultServer, request: Request, reader, writer) -> bool:
    """429 with Retry-After: 1 the first time this path is asked for, then the article page."""
    if server._hits[request.target.split("?", 1)[0]] == 1:
        await _send(writer, _html_response(b"slow down", status="429 Too Many Requests",
                                           content_type="text/plain", extra=[("Retry-After", "1")]))
        return False
    return await _good(server, request, reader, writer)


async def _unavailable_once(server: FaultServer, request: Request, reader, writer) -> bool:
    """503 the first time this path is asked for, then the article page."""
    if server._hits[request.target.split("?", 1)[0]] == 1:
        await _send(writer, _html_response(b"<h1>Service Unavailable</h1>", status="503 Service Unavailable"))
        return False
    return await _good(server, request, reader, writer)


async def _endless_headers(server: FaultServer, request: Request, reader, writer) -> bool:
    """A status line, then header lines without end (until the client hangs up)."""
    await _send(writer, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    line = b"X-Filler: " + b"a" * 100 + b"\r\n"
    for _ in range(1_000_000):  # 100 MB at most, never reached: the client stops reading first
        await _send(writer, line * 100)
    return False


async def _tiny_chunks(server: FaultServer, request: Request, reader, writer) -> bool:
    """The article page, then an endless chunked body of 1-byte chunks (parser CPU, not bandwidth)."""
    await _send(writer, _head("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                         ("Transfer-Encoding", "chunked")]))
    page = article_html().split(b"</article>")[0]
    await _send(writer, b"%x\r\n%s\r\n" % (len(page), page))
    block = b"1\r\n.\r\n" * 10_000
    for _ in range(10_000):  # 100 M chunks at most, never reached
        await _send(writer, block)
    return False


async def _redirect_to_file(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, _head("302 Found", [("Location", "file:///etc/passwd"), ("Content-Length", "0")]))
    return False


async def _empty_200(server: FaultServer, request: Request, reader, writer) -> bool:
    await _send(writer, _html_response(b""))
    return False


async def _hostile_markup(server: FaultServer, request: Request, reader, writer) -> bool:
    """The article page with scripts and event handlers, for "nothing archived is ever run"."""
    extra = ("<script>document.title='pwned'</script><img src=x onerror=\"alert(1)\">"
             "<p>&lt;script&gt;alert(2)&lt;/script&gt;</p>")
    body = article_html(extra, title="Bundestag &lt;script&gt;alert(3)&lt;/script&gt; Haushalt")
    await _send(writer, _html_response(body))
    return False


async def _nested_divs(server: FaultServer, request: Request, reader, writer) -> bool:
    """/nested-divs/N: the article page with N nested <div>s (11 bytes each) before its end, made
    while it is sent; 1,000,000 divs are 11 MB."""
    depth = int(request.target.rsplit("/", 1)[1] or 0)
    start, end = article_html().split(b"</article>")
    size = len(start) + 11 * depth + len(end) + len(b"</article>")
    await _send(writer, _head("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                         ("Content-Length", str(size))]) + start)
    step = 10_000
    for sent in range(0, depth, step):
        await _send(writer, b"<div>" * min(step, depth - sent))
    for sent in range(0, depth, step):
        await _send(writer, b"</div>" * min(step, depth - sent))
    await _send(writer, b"</article>" + end)
    return False


async def _pdf_bomb(server: FaultServer, request: Request, reader, writer) -> bool:
    """A 35 KB PDF of 200 pages sharing one content stream of 300,000 text operators."""
    try:
        from documents import pdf_bomb
    except ImportError:  # run from bench/ with the repository on the path
        from tests.documents import pdf_bomb
    await _send(writer, _html_response(pdf_bomb(), content_type="application/pdf"))
    return False


# Path prefix -> handler; the longest matching prefix wins; everything else is a 404 page.
ROUTES: dict[str, Handler] = {
    "/good": _good,
    "/page/": _good,
    "/long/": _good,
    "/hang": _hang,
    "/slowloris": _slowloris,
    "/slow-body": _slow_body,
    "/reset-mid-body": _reset_mid_body,
    "/reset": _reset_at_once,
    "/truncated": _truncated,
    "/gzip-bomb": _gzip_bomb,
    "/brotli-bomb": _compressed_bomb("br"),
    "/zstd-bomb": _compressed_bomb("zstd"),
    "/big-60mb-chunked": _big_page(chunked=True),
    "/big-60mb": _big_page(chunked=False),
    "/loop/": _redirect_loop,
    "/chain/": _redirect_chain,
    "/bad-headers": _bad_headers,
    "/header-non-ascii": _header_non_ascii,
    "/no-content-type": _no_content_type,
    "/wrong-content-type": _wrong_content_type,
    "/binary-junk": _binary_junk,
    "/bad-charset": _bad_charset,
    "/status-100": _status_100,
    "/status-102": _status_102,
    "/redirect-no-location": _redirect_without_location,
    "/redirect-bad-location": _redirect_bad_location,
    "/long-location": _long_location,
    "/429-once/": _too_many_requests_once,
    "/503-once/": _unavailable_once,
    "/empty-200": _empty_200,
    "/endless-headers": _endless_headers,
    "/tiny-chunks": _tiny_chunks,
    "/redirect-to-file": _redirect_to_file,
    "/hostile-markup": _hostile_markup,
    "/nested-divs/": _nested_divs,
    "/pdf-bomb": _pdf_bomb,
}
_BY_LENGTH = sorted(ROUTES, key=len, reverse=True)


def _route(target: str) -> Handler:
    path = unquote(target.split("?", 1)[0])
    for prefix in _BY_LENGTH:
        if path.startswith(prefix):
            return ROUTES[prefix]
    return _not_found


# -- running linkcheck ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkcheckRun:
    """What one `linkcheck` subprocess did."""

    args: tuple[str, ...]
    returncode: int | None   # None when it was killed for running past its timeout
    stdout: str
    stderr: str
    seconds: float           # wall clock
    peak_mb: float           # this process's own peak RSS (from os.wait4)
    timed_out: bool


def linkcheck_command(*args: str) -> list[str]:
    """The command line running this working tree's linkcheck (not whatever is installed)."""
    return [sys.executable, "-c", "from linkcheck.cli import main; main()", *args]


def linkcheck_env() -> dict[str, str]:
    # The repository first on the path: a `linkcheck` package of another project (LinkChecker)
    # installed in the same environment must not shadow ours.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("COLUMNS", "200")
    env["NO_COLOR"] = "1"
    return env


def start_linkcheck(args: list[str], cwd: Path, out: Path, err: Path) -> subprocess.Popen:
    return subprocess.Popen(linkcheck_command(*args), cwd=cwd, env=linkcheck_env(),
                            stdin=subprocess.DEVNULL, stdout=out.open("wb"), stderr=err.open("wb"))


def wait_measured(process: subprocess.Popen, timeout: float) -> tuple[int | None, float, bool]:
    """Reap `process` with os.wait4 (its own rusage); SIGKILL it after `timeout` seconds.

    Returns (exit status or None if killed for the timeout, peak RSS in MB, timed out).
    """
    if process.returncode is not None:  # already reaped by Popen.poll(): its rusage is gone
        return process.returncode, 0.0, False
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline and not timed_out:
            timed_out = True
            process.send_signal(signal.SIGKILL)
        time.sleep(0.02)
    process.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024  # Linux: kilobytes
    return (None if timed_out else process.returncode), peak_mb, timed_out


def run_linkcheck(args: list[str], cwd: Path | None = None, timeout: float = 60.0) -> LinkcheckRun:
    """Run `linkcheck ARGS` to the end (or kill it at `timeout`) and measure its peak memory."""
    with tempfile.TemporaryDirectory(prefix="linkcheck-run-") as scratch:
        work = Path(cwd or scratch)
        out, err = Path(scratch) / "stdout", Path(scratch) / "stderr"
        started = time.monotonic()
        process = start_linkcheck(args, work, out, err)
        returncode, peak_mb, timed_out = wait_measured(process, timeout)
        seconds = time.monotonic() - started
        return LinkcheckRun(tuple(args), returncode, out.read_text("utf-8", "replace"),
                            err.read_text("utf-8", "replace"), seconds, peak_mb, timed_out)
