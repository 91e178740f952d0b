"""The fetcher against a real HTTP server on 127.0.0.x: limits, faults, caps and address safety."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from linkcheck.config import Config
from linkcheck.fetch import Fetcher, FetchError, FetchResult
from linkcheck.fetch import hosts as hosts_module

from .local_server import (
    LocalWeb,
    brotli_bomb,
    delayed,
    gzip_bomb,
    local_web,
    page,
    raw,
    redirect,
    reset,
    sequence,
    slowloris,
    stream,
    truncated,
)

LOCAL = Config(allow_private=True, timeout=5.0, retries=2, max_bytes=1024 * 1024)


async def _no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture(scope="module")
def web() -> Iterator[LocalWeb]:
    with local_web() as server:
        yield server


def fetch_all(urls: list[str], config: Config = LOCAL, **options: object) -> list[FetchResult]:
    async def run() -> list[FetchResult]:
        async with Fetcher(config, sleep=_no_wait, **options) as fetcher:  # type: ignore[arg-type]
            return list(await asyncio.gather(*(fetcher.fetch(url) for url in urls)))
    return asyncio.run(run())


def fetch(url: str, config: Config = LOCAL, **options: object) -> FetchResult:
    return fetch_all([url], config, **options)[0]


def test_page_is_fetched_with_address_and_version(web: LocalWeb) -> None:
    web.routes["/hello"] = page(b"<html>hallo</html>", headers=[("X-Custom", "1")])
    result = fetch(web.url("/hello"))
    assert (result.status, result.body, result.error) == (200, b"<html>hallo</html>", None)
    assert result.remote_ip == "127.0.0.1"
    assert result.http_version == "HTTP/1.1"
    assert result.header("x-custom") == "1"


def test_not_found_is_a_response_not_an_error(web: LocalWeb) -> None:
    result = fetch(web.url("/nowhere"))
    assert (result.status, result.error) == (404, None)


def test_loopback_refused_by_default_without_touching_the_server(web: LocalWeb) -> None:
    web.routes["/secret"] = page(b"secret")
    before = web.hits["/secret"]
    result = fetch(web.url("/secret"), Config(timeout=2.0))
    assert result.error is FetchError.PRIVATE_ADDRESS
    assert "loopback" in result.error_detail
    assert web.hits["/secret"] == before


def test_redirect_chain_across_hosts_is_recorded(web: LocalWeb) -> None:
    web.routes["/old"] = redirect(web.url("/moved", host="127.0.0.3"), 301)
    web.routes["/moved"] = redirect("/new")
    web.routes["/new"] = page(b"new home")
    result = fetch(web.url("/old", host="127.0.0.2"))
    assert [hop.status for hop in result.chain] == [301, 302, 200]
    assert result.final_url == web.url("/new", host="127.0.0.3")
    assert result.body == b"new home"


def test_retries_503_then_succeeds(web: LocalWeb) -> None:
    web.routes["/flaky"] = sequence(page(b"", 503), page(b"", 503), page(b"up again"))
    result = fetch(web.url("/flaky"))
    assert (result.status, result.attempts, result.body) == (200, 3, b"up again")


def test_per_host_limit_is_never_exceeded_while_hosts_run_in_parallel(web: LocalWeb) -> None:
    web.routes["/busy"] = delayed(0.05, page(b"busy"))
    web.max_in_flight.clear()
    urls = [web.url(f"/busy?{i}", host=host) for i in range(8) for host in ("127.0.0.2", "127.0.0.3")]
    results = fetch_all(urls, Config(allow_private=True, concurrency=8, per_host=2))
    assert all(r.status == 200 for r in results)
    assert max(web.max_in_flight["127.0.0.2"], web.max_in_flight["127.0.0.3"]) <= 2
    assert web.max_in_flight_total >= 3  # more than one host's share: hosts did not wait for each other


# Own servers (not the shared `web`): these count connections, which other tests would disturb.
SPARE_HOSTS = ("127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7")


def test_connections_to_a_host_are_reused() -> None:
    with local_web(SPARE_HOSTS[:2]) as web:
        web.routes["/a"] = page(b"again")
        web.routes["/hop"] = redirect(web.url("/a", host="127.0.0.5"))
        urls = [web.url(f"/a?{i}", host="127.0.0.4") for i in range(12)]
        urls += [web.url(f"/hop?{i}", host="127.0.0.4") for i in range(6)]
        results = fetch_all(urls, Config(allow_private=True, concurrency=4, per_host=2))
    assert all(r.status == 200 for r in results)
    assert 1 <= web.connections["127.0.0.4"] <= 2   # 18 requests over at most per_host connections
    assert 1 <= web.connections["127.0.0.5"] <= 2   # redirect targets reuse their own host's connections


def test_idle_clients_beyond_the_bound_are_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hosts_module, "_MAX_TRANSPORTS", 2)
    with local_web(SPARE_HOSTS) as web:
        web.routes["/a"] = page(b"a")

        async def run() -> tuple[dict[str, int], dict[str, int]]:
            async with Fetcher(LOCAL, sleep=_no_wait) as fetcher:
                for host in SPARE_HOSTS:
                    assert (await fetcher.fetch(web.url("/a", host=host))).status == 200
                held = await asyncio.to_thread(web.wait_until_open, dict.fromkeys(SPARE_HOSTS[2:], 1))
            return held, await asyncio.to_thread(web.wait_until_open, {})

        held, after_exit = asyncio.run(run())
    assert held == {"127.0.0.6": 1, "127.0.0.7": 1}   # only the two most recently used hosts
    assert after_exit == {}
    assert all(web.connections[host] == 1 for host in SPARE_HOSTS)


def test_client_of_a_host_idle_past_the_keep_alive_is_closed() -> None:
    now = [1000.0]
    with local_web(SPARE_HOSTS[:2]) as web:
        web.routes["/a"] = page(b"a")

        async def run() -> dict[str, int]:
            async with Fetcher(LOCAL, sleep=_no_wait, clock=lambda: now[0]) as fetcher:
                await fetcher.fetch(web.url("/a", host="127.0.0.4"))
                now[0] += 60.0
                await fetcher.fetch(web.url("/a", host="127.0.0.5"))
                return await asyncio.to_thread(web.wait_until_open, {"127.0.0.5": 1})

        assert asyncio.run(run()) == {"127.0.0.5": 1}


def test_slowloris_ends_in_timeout(web: LocalWeb) -> None:
    web.routes["/trickle"] = slowloris(interval=1.0)
    result = fetch(web.url("/trickle"), Config(allow_private=True, timeout=0.5, retries=0))
    assert result.error is FetchError.TIMEOUT
    assert result.status is None


def test_large_page_is_cut_at_the_cap(web: LocalWeb) -> None:
    web.routes["/huge"] = stream(60 * 1024 * 1024)
    result = fetch(web.url("/huge"))
    assert result.truncated and len(result.body) == LOCAL.max_bytes
    assert result.error is None


@pytest.mark.parametrize("bomb", [gzip_bomb, brotli_bomb])
def test_decompression_bomb_is_cut_in_bounded_memory(web: LocalWeb, bomb: object) -> None:
    web.routes["/bomb"] = bomb()  # type: ignore[operator]
    tracemalloc.start()
    try:
        result = fetch(web.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.truncated and len(result.body) == LOCAL.max_bytes
    assert peak < 20 * 1024 * 1024  # client set-up and the 1 MB body, never the 50 MB the bomb inflates to


def test_broken_gzip_is_a_body_error_keeping_nothing_decodable(web: LocalWeb) -> None:
    web.routes["/badgzip"] = page(b"\x1f\x8b\x08\x00garbage-not-deflate", headers=[("Content-Encoding", "gzip")])
    result = fetch(web.url("/badgzip"))
    assert result.error is FetchError.BODY
    assert "gzip" in result.error_detail
    assert result.status == 200


def test_truncated_transfer_is_a_body_error_keeping_what_arrived(web: LocalWeb) -> None:
    web.routes["/cut"] = truncated(declared=1000, sent=b"<html><body>only the start")
    result = fetch(web.url("/cut"))
    assert result.error is FetchError.BODY
    assert result.body == b"<html><body>only the start"


def test_connection_reset_is_retried_then_reported(web: LocalWeb) -> None:
    web.routes["/reset"] = reset
    result = fetch(web.url("/reset"))
    assert result.error is FetchError.RESET
    assert result.attempts == LOCAL.retries + 1


def test_invalid_status_line_is_a_reset(web: LocalWeb) -> None:
    web.routes["/junk"] = raw(b"NOT HTTP AT ALL\r\n\r\n")
    result = fetch(web.url("/junk"), Config(allow_private=True, retries=0))
    assert result.error is FetchError.RESET


def test_invalid_header_line_is_a_reset(web: LocalWeb) -> None:
    web.routes["/badheader"] = raw(b"HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 2\r\n\r\nok")
    result = fetch(web.url("/badheader"), Config(allow_private=True, retries=0))
    assert result.error is FetchError.RESET


def test_body_without_length_is_read_until_close(web: LocalWeb) -> None:
    web.routes["/old-style"] = raw(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<p>whole page</p>")
    result = fetch(web.url("/old-style"))
    assert (result.status, result.body, result.error) == (200, b"<p>whole page</p>", None)


def test_redirect_loop_on_a_real_server(web: LocalWeb) -> None:
    web.routes["/ping"] = redirect("/pong")
    web.routes["/pong"] = redirect("/ping")
    result = fetch(web.url("/ping"))
    assert result.error is FetchError.REDIRECT_LOOP


def test_redirect_without_location_on_a_real_server(web: LocalWeb) -> None:
    web.routes["/nowhere-to-go"] = page(b"", 302)
    result = fetch(web.url("/nowhere-to-go"))
    assert (result.error, result.status) == (FetchError.BAD_REDIRECT, 302)


def test_refused_connection_is_connect_error() -> None:
    with local_web(hosts=("127.0.0.4",)) as other:
        port = other.port
    result = fetch(f"http://127.0.0.4:{port}/", Config(allow_private=True, retries=1))
    assert result.error is FetchError.CONNECT
    assert result.attempts == 2


def test_unknown_name_is_dns_error_without_retry() -> None:
    result = fetch("http://no-such-host.invalid/", Config(retries=3))
    assert result.error is FetchError.DNS
    assert result.attempts == 1


class _Rewrite(httpx.AsyncBaseTransport):
    """Sends every request to one real address, as a rebinding DNS answer would."""

    def __init__(self, address: str, port: int) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._address, self._port = address, port

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host=self._address, port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def test_address_actually_connected_to_is_checked(web: LocalWeb) -> None:
    web.routes["/rebound"] = page(b"internal")
    transport = _Rewrite("127.0.0.1", web.port)
    result = asyncio.run(_fetch_with(Fetcher(Config(), transport=transport), "http://public.example/rebound"))
    assert result.error is FetchError.PRIVATE_ADDRESS
    assert "connected to 127.0.0.1" in result.error_detail
    assert result.body == b""


async def _fetch_with(fetcher: Fetcher, url: str) -> FetchResult:
    async with fetcher:
        return await fetcher.fetch(url)
