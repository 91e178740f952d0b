"""Per-host connection pools and politeness: each host's own httpx transport, made on first use
and closed when idle; each host's slots (at most `per_host` requests in flight) and its pause after
a 429; the slots all hosts share (`concurrency`)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from ..config import Config

KEEPALIVE = 5.0                # seconds an idle connection, and so an idle host's transport, is kept
_MAX_TRANSPORTS = 256          # per-host transports kept open; the least recently used idle ones beyond are closed
_MAX_PAUSED_HOSTS = 1024       # idle hosts whose 429 pause we still remember
_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_key(url: str | httpx.URL) -> str:
    """Lower-case host[:port] of a URL, the unit of per-host limits; "" when the URL is unusable."""
    if isinstance(url, str) and url.isascii() and "%" not in url:
        # httpx parses a URL in Python at ~0.1 ms; urlsplit gives the same key for plain URLs.
        try:
            parts = urlsplit(url)
            host, port, default_port = parts.hostname, parts.port, _DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError:
            return ""
        if host and default_port:
            host = f"[{host}]" if ":" in host else host
            return host if port in (None, default_port) else f"{host}:{port}"
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, TypeError, ValueError, UnicodeDecodeError):
        return ""
    if ":" in host:
        host = f"[{host}]"
    return host if parsed.port is None else f"{host}:{parsed.port}"


@dataclass
class HostGate:
    """Per-host politeness: a concurrency limit and a 'not before' time set by 429s."""

    slots: asyncio.Semaphore
    users: int = 0
    not_before: float = 0.0

    def pause_until(self, moment: float) -> None:
        """Send no request to this host before `moment` (a 429 or a Retry-After)."""
        self.not_before = max(self.not_before, moment)


@dataclass
class _HostTransport:
    """One host's httpx transport (its connection pool); `active` requests use it, idle since
    `idle_since` when none do."""

    transport: httpx.AsyncBaseTransport
    active: int = 0
    idle_since: float = 0.0


class HostPools:
    """The transports and gates of every host the run talks to.

    `new_transport(proxy)` makes a host's transport (direct when proxy is None); with `shared` (the
    caller's transport in tests) every host gets that one, and only `aclose` closes it."""

    def __init__(self, config: Config, new_transport: Callable[[str | None], httpx.AsyncBaseTransport],
                 clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]],
                 shared: httpx.AsyncBaseTransport | None = None) -> None:
        self._per_host = max(1, config.per_host)
        self._new_transport = new_transport
        self._shared = shared
        self._clock, self._sleep = clock, sleep
        self._transports: OrderedDict[str, _HostTransport] = OrderedDict()  # least recently used first
        self._slots = asyncio.Semaphore(max(1, config.concurrency))
        self._gates: dict[str, HostGate] = {}      # hosts with requests waiting or in flight
        self._paused: dict[str, float] = {}        # idle hosts -> not-before time left by a 429

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[HostGate]:
        """Per-host slot first (so queued requests hold no global slot), then the host's pause, then global."""
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = HostGate(asyncio.Semaphore(self._per_host),
                                                not_before=self._paused.pop(host, 0.0))
        gate.users += 1
        try:
            async with gate.slots:
                while (pause := gate.not_before - self._clock()) > 0:
                    await self._sleep(pause)
                async with self._slots:
                    yield gate
        finally:
            gate.users -= 1
            if gate.users == 0 and self._gates.get(host) is gate:
                del self._gates[host]
                self._remember_pause(host, gate.not_before)

    @asynccontextmanager
    async def transport(self, host: str, proxy: str | None = None) -> AsyncIterator[httpx.AsyncBaseTransport]:
        """The host's own transport (one per proxy it is reached through), made on first use; making
        one first closes stale idle ones."""
        if proxy is not None:
            host = f"{host} via {proxy}"
        entry = self._transports.get(host)
        stale: list[httpx.AsyncBaseTransport] = []
        if entry is None:
            stale = self._take_stale()
            entry = self._transports[host] = _HostTransport(self._new_transport(proxy))
        else:
            self._transports.move_to_end(host)
        entry.active += 1
        try:
            for transport in stale:
                await self._close(transport)
            yield entry.transport
        finally:
            entry.active -= 1
            entry.idle_since = self._clock()
            if self._transports.get(host) is entry:
                self._transports.move_to_end(host)

    async def aclose(self) -> None:
        """Close every host's transport."""
        entries, self._transports = list(self._transports.values()), OrderedDict()
        for entry in entries:
            await self._close(entry.transport)
        if self._shared is not None:
            await self._shared.aclose()

    def _take_stale(self) -> list[httpx.AsyncBaseTransport]:
        """Remove idle transports unused for longer than the keep-alive, or least recently used beyond the bound."""
        now, stale = self._clock(), []
        # Idle entries are in the order they went idle (each moved to the end when released).
        for host, entry in list(self._transports.items()):
            if entry.active:
                continue
            if len(self._transports) < _MAX_TRANSPORTS and now - entry.idle_since < KEEPALIVE:
                break
            del self._transports[host]
            stale.append(entry.transport)
        return stale

    async def _close(self, transport: httpx.AsyncBaseTransport) -> None:
        # The caller's shared transport is closed once, in aclose: closing it here would close it
        # under every other host.
        if self._shared is None:
            await transport.aclose()

    def _remember_pause(self, host: str, not_before: float) -> None:
        now = self._clock()
        if not_before <= now:
            return
        self._paused[host] = not_before
        if len(self._paused) > _MAX_PAUSED_HOSTS:
            for name, until in list(self._paused.items()):
                if until <= now:
                    del self._paused[name]
            while len(self._paused) > _MAX_PAUSED_HOSTS:
                del self._paused[min(self._paused, key=self._paused.__getitem__)]
