"""DNS rebinding: a name is resolved once per connection, every address checked, and the connection
goes to exactly those addresses, on every hop; the Host header still names the host.

Several addresses are tried in turn, the next one after a quarter second alongside (RFC 8305).
The test controls the resolver (its answers change from a public address to 127.0.0.1, as a
rebinding name's do) and the network: `Internet` connects the public address to the loopback
server 127.0.0.2, which plays the public site, while 127.0.0.1 plays the private service that must
never see a request. Nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import httpcore
import pytest

from linkcheck.config import Config
from linkcheck.fetch import Fetcher, FetchError

from .local_server import Handler, LocalWeb, local_web, redirect

PUBLIC_IP = "93.184.215.14"
SITE = "127.0.0.2"       # plays PUBLIC_IP
PRIVATE = "127.0.0.1"    # the service a rebinding name points to next


BLACK_HOLE = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"   # public, and never answers here
UNREACHABLE = "2606:4700::6810:84e5"                      # public, and refuses at once


class Internet(httpcore.AsyncNetworkBackend):
    """Connects PUBLIC_IP to the loopback server SITE, BLACK_HOLE never, UNREACHABLE not at all,
    everything else as asked; records each connect."""

    def __init__(self) -> None:
        self.connects: list[str] = []
        self.abandoned = 0
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable | None = None) -> httpcore.AsyncNetworkStream:
        self.connects.append(host)
        if host == UNREACHABLE:
            raise httpcore.ConnectError("[Errno 101] Network is unreachable")
        if host == BLACK_HOLE:
            try:
                await asyncio.Event().wait()
            finally:
                self.abandoned += 1
        return await self._inner.connect_tcp(SITE if host == PUBLIC_IP else host, port, timeout, local_address,
                                             socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class Rebinding:
    """A name server whose names answer a public address first and 127.0.0.1 from then on."""

    def __init__(self, first: dict[str, list[str]] | None = None) -> None:
        self.lookups: list[str] = []
        self._first = first

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if self._first is not None:
            return self._first.get(host, [PRIVATE])
        return [PUBLIC_IP] if self.lookups.count(host) == 1 else [PRIVATE]


def echo_host(handler: Handler) -> None:
    handler.answer(200, f"<html><body>site {handler.headers['Host']}</body></html>".encode())


def secret(handler: Handler) -> None:
    handler.answer(200, b"<html><body>internal secret</body></html>")


@pytest.fixture
def web():
    with local_web((PRIVATE, SITE)) as running:
        running.fallbacks[SITE] = echo_host
        running.fallbacks[PRIVATE] = secret
        yield running


def fetch(web: LocalWeb, url: str, resolver: Rebinding, internet: Internet, **options: object):
    config = Config(timeout=5, retries=0, probe_soft_404=False, **options)  # type: ignore[arg-type]

    async def go():
        async with Fetcher(config, resolver=resolver, network_backend=internet) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(asyncio.wait_for(go(), 30))


def test_the_connection_goes_to_the_address_that_was_checked(web: LocalWeb):
    resolver, internet = Rebinding(), Internet()
    result = fetch(web, f"http://rebind.test:{web.port}/article", resolver, internet)
    assert result.status == 200 and b"site rebind.test" in result.body, "the Host header names the host"
    assert resolver.lookups == ["rebind.test"], "resolved once: nothing left for a second answer"
    assert internet.connects == [PUBLIC_IP]
    assert web.connections[PRIVATE] == 0


def test_every_hop_is_resolved_and_checked_before_connecting(web: LocalWeb):
    web.routes["/moved"] = redirect(f"http://rebind.test:{web.port}/admin")
    resolver = Rebinding(first={"news.test": [PUBLIC_IP]})   # rebind.test answers 127.0.0.1
    internet = Internet()
    result = fetch(web, f"http://news.test:{web.port}/moved", resolver, internet)
    assert result.error is FetchError.PRIVATE_ADDRESS, (result.error, result.error_detail)
    assert "rebind.test resolves to 127.0.0.1, a loopback address" in result.error_detail
    assert [hop.status for hop in result.chain] == [302]
    assert internet.connects == [PUBLIC_IP], "no connection was even tried to the loopback address"
    assert web.connections[PRIVATE] == 0


def test_a_name_with_one_private_address_among_public_ones_is_refused(web: LocalWeb):
    resolver, internet = Rebinding(first={"mixed.test": [PUBLIC_IP, PRIVATE]}), Internet()
    result = fetch(web, f"http://mixed.test:{web.port}/", resolver, internet)
    assert result.error is FetchError.PRIVATE_ADDRESS and internet.connects == []


def test_allow_private_does_not_allow_a_name_that_resolves_to_cloud_metadata(web: LocalWeb):
    resolver, internet = Rebinding(first={"meta.test": ["169.254.169.254"]}), Internet()
    result = fetch(web, f"http://meta.test:{web.port}/latest/meta-data/", resolver, internet, allow_private=True)
    assert result.error is FetchError.PRIVATE_ADDRESS and "--allow-link-local" in result.error_detail
    assert internet.connects == []


def test_allow_private_connects_to_the_checked_private_address(web: LocalWeb):
    resolver, internet = Rebinding(first={"intranet.test": [PRIVATE]}), Internet()
    result = fetch(web, f"http://intranet.test:{web.port}/", resolver, internet, allow_private=True)
    assert result.status == 200 and b"internal secret" in result.body
    assert internet.connects == [PRIVATE]


def test_a_name_that_does_not_resolve_is_dns_without_a_connection(web: LocalWeb):
    async def nothing(host: str, port: int) -> list[str]:
        import socket
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    internet = Internet()
    config = Config(timeout=5, retries=2)

    async def go():
        async with Fetcher(config, resolver=nothing, network_backend=internet) as fetcher:
            return await fetcher.fetch(f"http://gone.test:{web.port}/")

    result = asyncio.run(asyncio.wait_for(go(), 30))
    assert result.error is FetchError.DNS and result.attempts == 1 and internet.connects == []


def test_an_address_that_never_answers_does_not_hold_up_the_next(web: LocalWeb):
    resolver, internet = Rebinding(first={"dual.test": [BLACK_HOLE, PUBLIC_IP]}), Internet()
    result = fetch(web, f"http://dual.test:{web.port}/article", resolver, internet)
    assert result.status == 200 and result.remote_ip == PUBLIC_IP
    assert internet.connects == [BLACK_HOLE, PUBLIC_IP] and internet.abandoned == 1


def test_an_unreachable_address_is_skipped_and_all_unreachable_is_a_connect_failure(web: LocalWeb):
    resolver = Rebinding(first={"dual.test": [UNREACHABLE, PUBLIC_IP], "gone.test": [UNREACHABLE]})
    internet = Internet()
    result = fetch(web, f"http://dual.test:{web.port}/", resolver, internet)
    assert result.status == 200 and internet.connects == [UNREACHABLE, PUBLIC_IP]
    result = fetch(web, f"http://gone.test:{web.port}/", resolver, internet)
    assert result.error is FetchError.CONNECT and "unreachable" in result.error_detail
