"""Connections: every TCP connection goes to an address that was resolved once and checked (no
DNS rebinding between the check and the connect), over streams that can be marked poisoned so the
pool never reuses them; and the httpx transport of one host built on them."""

from __future__ import annotations

import asyncio
import ssl
import typing
from collections.abc import Callable, Coroutine, Iterable

import h11
import httpcore
import httpx

from .addresses import AddressPolicy, literal_address
from .dns import CachedResolver

NetworkStream = httpcore.AsyncNetworkStream
_NEXT_ATTEMPT_AFTER = 0.25      # seconds before the next address is tried alongside (RFC 8305)
SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


class CheckedStream(httpcore.AsyncNetworkStream):
    """A network stream that can be poisoned: httpcore then sees it as readable while idle, which
    for HTTP/1.1 means 'the server closed or sent unasked bytes', and drops the connection instead
    of reusing it. Counts reads since the last write, so a response that was already buffered
    before its request went out (smuggled) can be told apart."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, address: str | None = None) -> None:
        self._inner = inner
        self.address = address   # the checked address connected to; None behind a proxy
        self.poisoned = False
        self.reads_since_write = 0

    def poison(self) -> None:
        """Never hand this connection out again."""
        self.poisoned = True

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.reads_since_write += 1
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.reads_since_write = 0
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return CheckedStream(await self._inner.start_tls(ssl_context, server_hostname, timeout), self.address)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable" and self.poisoned:
            return True
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Resolves a host name once, checks every address against the policy, and connects to exactly
    those addresses (in the resolver's order); TLS still names the host (httpcore passes the URL's
    host as server name) and so does the Host header. Without a resolver (behind a proxy) it only
    wraps the streams."""

    def __init__(self, resolver: CachedResolver | None, policy: AddressPolicy,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._resolver = resolver
        self._policy = policy
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[SocketOption] | None = None) -> httpcore.AsyncNetworkStream:
        if self._resolver is None:
            addresses = [host]
        else:
            literal = literal_address(host)
            addresses = [str(literal)] if literal is not None else await self._resolver.resolve(host, port)
            if literal is not None:
                self._policy.check_address(addresses[0])
            else:
                self._policy.check_addresses(host, addresses)

        async def connect(address: str) -> httpcore.AsyncNetworkStream:
            stream = await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            return CheckedStream(stream, address if self._resolver is not None else None)

        return await _first_connection(addresses, connect)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[SocketOption] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("linkcheck does not connect to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def _first_connection(addresses: list[str], connect: Callable[[str], Coroutine[None, None, NetworkStream]]
                            ) -> NetworkStream:
    """Connect to the first address that answers; the next attempt starts when the one before has
    failed or taken _NEXT_ATTEMPT_AFTER (RFC 8305), so a black-holed IPv6 address costs a quarter
    second, not the timeout. Connections that lose the race are closed."""
    if len(addresses) == 1:
        return await connect(addresses[0])
    pending: set[asyncio.Task[httpcore.AsyncNetworkStream]] = set()
    failures: list[BaseException] = []
    winner: httpcore.AsyncNetworkStream | None = None

    async def settle(wait: float | None) -> None:
        nonlocal winner
        done, _ = await asyncio.wait(pending, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            pending.discard(task)
            if (error := task.exception()) is not None:
                failures.append(error)
            elif winner is None:
                winner = task.result()
            else:
                await task.result().aclose()

    try:
        for address in addresses:
            pending.add(asyncio.create_task(connect(address)))
            await settle(_NEXT_ATTEMPT_AFTER)  # a failure ends the wait early
            if winner is not None:
                return winner
        while winner is None and pending:
            await settle(None)
        if winner is not None:
            return winner
        raise failures[0]
    finally:
        for task in pending:
            task.cancel()
        for outcome in await asyncio.gather(*pending, return_exceptions=True):
            if isinstance(outcome, httpcore.AsyncNetworkStream):
                await outcome.aclose()


def host_transport(backend: httpcore.AsyncNetworkBackend, ssl_context: ssl.SSLContext, http2: bool,
                   limits: httpx.Limits, proxy: str | None) -> httpx.AsyncHTTPTransport:
    """httpx's transport for one host, connecting through `backend` (directly or via `proxy`)."""
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, http2=http2, limits=limits, proxy=proxy,
                                         trust_env=False)  # configuration comes from Config only
    # httpx takes no network backend; its httpcore pool (a proxy pool too) keeps the one it makes
    # connections with here. tests/integration/test_pinned_dns.py fails should this ever change.
    transport._pool._network_backend = backend
    return transport


def surplus_bytes(response: httpx.Response) -> int:
    """Bytes an HTTP/1.1 server sent after the end of this response (after its Content-Length, or
    its last chunk): the start of a response nobody asked for. 0 when none, or not HTTP/1.1."""
    stream = getattr(response.stream, "_httpcore_stream", None)
    stream = getattr(stream, "_stream", None)
    connection = getattr(stream, "_connection", None)
    state = getattr(connection, "_h11_state", None)
    if getattr(state, "their_state", None) not in (h11.DONE, h11.MUST_CLOSE, h11.IDLE, h11.CLOSED):
        return 0  # the response is not over: what is buffered is still its own body
    # (IDLE: read to its end, httpx closed the response and h11 began the next cycle)
    trailing = getattr(state, "trailing_data", None)
    if not isinstance(trailing, tuple) or not trailing or not isinstance(trailing[0], bytes | bytearray):
        return 0
    return len(trailing[0])


def checked_stream(response: httpx.Response) -> CheckedStream | None:
    """The stream the response came on, when it is one of ours."""
    stream = response.extensions.get("network_stream")
    return stream if isinstance(stream, CheckedStream) else None


def tls_context(ca_bundle: str | None, ca_dir: str | None) -> ssl.SSLContext:
    """The one TLS context of a run: the given CAs (a PEM file, a hashed directory) instead of the
    built-in bundle, else certifi's."""
    import certifi

    if ca_bundle or ca_dir:
        return ssl.create_default_context(cafile=ca_bundle or None, capath=ca_dir or None)
    return ssl.create_default_context(cafile=certifi.where())


def proxy_for(url: httpx.URL, http_proxy: str, https_proxy: str, no_proxy: Iterable[str]) -> str | None:
    """The proxy a request to `url` goes through, or None (direct): by scheme, unless the host or
    a domain above it is in `no_proxy` ("*" for every host, a leading dot allowed, no ports)."""
    proxy = https_proxy if url.scheme == "https" else http_proxy
    if not proxy:
        return None
    host = url.host.lower().rstrip(".")
    for entry in no_proxy:
        entry = entry.strip().lower().lstrip(".").rstrip(".")
        if entry == "*" or host == entry or host.endswith("." + entry):
            return None
    return proxy
