"""The fetcher's status, redirect, retry, cap and safety behaviour, on mocked transports (respx)."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import brotli
import httpx
import pytest
import respx

from linkcheck.config import Config
from linkcheck.errors import ConfigError
from linkcheck.fetch import Fetcher, FetchError, FetchResult, host_key
from linkcheck.fetch import hosts as hosts_module
from linkcheck.fetch.retries import retry_after_seconds

CONFIG = Config(allow_private=False, retries=2, max_retry_after=30.0, max_redirects=10)


class FakeTime:
    """A clock that only moves when the fetcher sleeps; records every wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def run(
    urls: list[str],
    router: respx.Router | None = None,
    config: Config = CONFIG,
    time: FakeTime | None = None,
    handler: Callable[[httpx.Request], httpx.Response] | None = None,
    **options: object,
) -> list[FetchResult]:
    """Fetch the URLs one after another through a mocked transport."""
    time = time or FakeTime()
    transport = httpx.MockTransport(handler or router.async_handler)  # type: ignore[union-attr]

    async def go() -> list[FetchResult]:
        async with Fetcher(config, transport=transport, sleep=time.sleep, clock=time.clock, **options) as f:  # type: ignore[arg-type]
            return [await f.fetch(url) for url in urls]
    return asyncio.run(go())


def fetch(url: str, router: respx.Router | None = None, **kw: object) -> FetchResult:
    return run([url], router, **kw)[0]  # type: ignore[arg-type]


@pytest.fixture
def router() -> respx.Router:
    return respx.Router(assert_all_called=False)


# Status and headers

@pytest.mark.parametrize("status", [200, 204, 403, 404, 410, 451])
def test_final_status_is_reported_without_retry(router: respx.Router, status: int) -> None:
    router.get("https://news.example/a").respond(status, text="x")
    result = fetch("https://news.example/a", router)
    assert (result.status, result.error, result.attempts) == (status, None, 1)
    assert result.final_url == "https://news.example/a"
    assert [hop.status for hop in result.chain] == [status]


def test_headers_are_lower_case_and_body_is_kept(router: respx.Router) -> None:
    router.get("https://news.example/a").respond(200, html="<p>Hallo</p>", headers={"X-Thing": "1"})
    result = fetch("https://news.example/a", router)
    assert result.body == b"<p>Hallo</p>"
    assert ("x-thing", "1") in result.headers
    assert result.header("Content-Type") == "text/html; charset=utf-8"


def test_browser_like_headers_are_sent(router: respx.Router) -> None:
    route = router.get("https://news.example/a").respond(200)
    fetch("https://news.example/a", router)
    sent = route.calls.last.request.headers
    assert sent["user-agent"] == CONFIG.user_agent and "linkcheck" in sent["user-agent"]
    assert sent["accept-language"].startswith("de")
    assert "br" in sent["accept-encoding"] and "gzip" in sent["accept-encoding"]


def test_body_is_cut_at_max_bytes(router: respx.Router) -> None:
    router.get("https://news.example/big").respond(200, content=b"a" * 5000)
    result = fetch("https://news.example/big", router, config=Config(max_bytes=1000))
    assert result.truncated and result.body == b"a" * 1000


# Redirects

def test_redirect_chain_is_recorded(router: respx.Router) -> None:
    router.get("http://news.example/old").respond(301, headers={"Location": "https://news.example/old"})
    router.get("https://news.example/old").respond(302, headers={"Location": "/new#section"})
    router.get("https://news.example/new").respond(200, text="moved here")
    result = fetch("http://news.example/old", router)
    assert [(h.url, h.status) for h in result.chain] == [
        ("http://news.example/old", 301), ("https://news.example/old", 302), ("https://news.example/new", 200)]
    assert result.chain[1].location == "/new#section"
    assert result.final_url == "https://news.example/new"
    assert result.url == "http://news.example/old"
    assert result.attempts == 1


def test_redirect_loop_is_detected(router: respx.Router) -> None:
    router.get("https://a.example/x").respond(302, headers={"Location": "https://b.example/y"})
    router.get("https://b.example/y").respond(302, headers={"Location": "https://a.example/x"})
    result = fetch("https://a.example/x", router)
    assert result.error is FetchError.REDIRECT_LOOP
    assert len(result.chain) == 2


def test_cookie_bounce_back_to_the_same_url_is_no_loop(router: respx.Router) -> None:
    router.get("https://news.example/a").mock(side_effect=[
        httpx.Response(302, headers={"Location": "/consent"}), httpx.Response(200, text="article")])
    router.get("https://news.example/consent").respond(
        302, headers={"Location": "/a", "Set-Cookie": "consent=yes; Path=/"})
    result = fetch("https://news.example/a", router)
    assert (result.status, result.error, result.body) == (200, None, b"article")


def test_cookie_set_by_one_host_is_sent_to_another_of_the_same_site(router: respx.Router) -> None:
    router.get("https://www.site.example/a").respond(
        302, headers={"Location": "https://consent.site.example/check", "Set-Cookie": "ok=1; Domain=site.example"})
    check = router.get("https://consent.site.example/check").respond(200, text="consented")
    result = fetch("https://www.site.example/a", router)
    assert (result.status, result.body) == (200, b"consented")
    assert check.calls.last.request.headers.get("cookie") == "ok=1"


def test_too_many_redirects(router: respx.Router) -> None:
    for i in range(20):
        router.get(f"https://news.example/{i}").respond(301, headers={"Location": f"/{i + 1}"})
    result = fetch("https://news.example/0", router, config=Config(max_redirects=5))
    assert result.error is FetchError.TOO_MANY_REDIRECTS
    assert len(result.chain) == 6


@pytest.mark.parametrize("location", [None, "", "javascript:alert(1)", "ftp://files.example/x", "http://"])
def test_redirect_without_usable_location_is_bad_redirect(router: respx.Router, location: str | None) -> None:
    headers = {} if location is None else {"Location": location}
    router.get("https://news.example/a").respond(302, headers=headers)
    result = fetch("https://news.example/a", router)
    assert result.error is FetchError.BAD_REDIRECT
    assert result.status == 302


# Retries and Retry-After

def test_503_is_retried_then_succeeds(router: respx.Router) -> None:
    route = router.get("https://news.example/a").mock(side_effect=[
        httpx.Response(503), httpx.Response(503), httpx.Response(200, text="ok")])
    time = FakeTime()
    result = fetch("https://news.example/a", router, time=time)
    assert (result.status, result.attempts, route.call_count) == (200, 3, 3)
    assert len(time.sleeps) == 2 and all(s > 0 for s in time.sleeps)


def test_persistent_500_is_returned_after_the_retries(router: respx.Router) -> None:
    router.get("https://news.example/a").respond(500)
    result = fetch("https://news.example/a", router, config=Config(retries=3))
    assert (result.status, result.attempts, result.error) == (500, 4, None)


def test_retry_after_is_honoured(router: respx.Router) -> None:
    router.get("https://news.example/a").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)])
    time = FakeTime()
    result = fetch("https://news.example/a", router, time=time)
    assert (result.status, result.attempts) == (200, 2)
    assert time.now - 1000.0 >= 7


def test_429_that_never_clears_returns_429(router: respx.Router) -> None:
    router.get("https://news.example/a").respond(429, headers={"Retry-After": "1"})
    result = fetch("https://news.example/a", router)
    assert (result.status, result.attempts, result.error) == (429, CONFIG.retries + 1, None)


def test_retry_after_beyond_the_limit_is_not_waited_for(router: respx.Router) -> None:
    router.get("https://news.example/a").respond(429, headers={"Retry-After": "3600"})
    time = FakeTime()
    result = fetch("https://news.example/a", router, time=time)
    assert (result.status, result.attempts) == (429, 1)
    assert time.now - 1000.0 <= CONFIG.max_retry_after


def test_429_slows_down_that_host_only(router: respx.Router) -> None:
    router.get("https://slow.example/a").respond(429, headers={"Retry-After": "20"})
    router.get("https://slow.example/b").respond(200)
    router.get("https://other.example/c").respond(200)
    time = FakeTime()
    waited: dict[str, float] = {}

    async def go() -> None:
        transport = httpx.MockTransport(router.async_handler)
        async with Fetcher(Config(retries=0), transport=transport, sleep=time.sleep, clock=time.clock) as f:
            await f.fetch("https://slow.example/a")
            for url in ("https://other.example/c", "https://slow.example/b"):
                before = time.now
                assert (await f.fetch(url)).status == 200
                waited[url] = time.now - before
    asyncio.run(go())
    assert waited["https://other.example/c"] == 0
    assert waited["https://slow.example/b"] >= 19


@pytest.mark.parametrize(("value", "seconds"), [
    ("5", 5.0), ("0", 0.0), ("Wed, 25 Nov 2026 01:00:30 GMT", 30.0),
    ("Wed, 25 Nov 2026 00:59:00 GMT", 0.0), ("soon", None), ("", None), (None, None)])
def test_retry_after_header_forms(value: str | None, seconds: float | None) -> None:
    now = datetime(2026, 11, 25, 1, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(value, now) == seconds


def test_connect_error_is_retried(router: respx.Router) -> None:
    route = router.get("https://news.example/a").mock(side_effect=httpx.ConnectError("refused"))
    result = fetch("https://news.example/a", router)
    assert result.error is FetchError.CONNECT
    assert result.attempts == route.call_count == CONFIG.retries + 1


def test_read_timeout_is_retried(router: respx.Router) -> None:
    router.get("https://news.example/a").mock(side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200)])
    result = fetch("https://news.example/a", router)
    assert (result.status, result.attempts) == (200, 2)


def test_dns_failure_inside_the_transport_is_not_retried() -> None:
    calls: list[httpx.Request] = []

    def name_not_known(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        try:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError("[Errno -2] Name or service not known") from exc

    result = fetch("https://gone.example/a", handler=name_not_known)
    assert (result.error, result.attempts, len(calls)) == (FetchError.DNS, 1, 1)


def test_dns_failure_from_the_resolver_is_not_retried(router: respx.Router) -> None:
    route = router.get("https://gone.example/a").respond(200)

    async def nxdomain(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = fetch("https://gone.example/a", router, resolver=nxdomain)
    assert (result.error, result.attempts, route.call_count) == (FetchError.DNS, 1, 0)
    assert "gone.example" in result.error_detail


# Bodies

def _streamed(body: bytes, encoding: str) -> Callable[[httpx.Request], httpx.Response]:
    """A handler whose response body is raw (still encoded), like a real connection's."""
    return lambda request: httpx.Response(
        200, headers={"Content-Encoding": encoding}, stream=httpx.ByteStream(body))


@pytest.mark.parametrize(("encoding", "compress"), [
    ("gzip", gzip.compress), ("br", brotli.compress), ("deflate", lambda data: __import__("zlib").compress(data))])
def test_decompression_bomb_is_cut_at_max_bytes(encoding: str, compress: Callable[[bytes], bytes]) -> None:
    bomb = compress(b"\0" * (20 * 1024 * 1024))
    result = fetch("https://news.example/bomb", handler=_streamed(bomb, encoding), config=Config(max_bytes=100_000))
    assert result.truncated and len(result.body) == 100_000 and result.error is None


def test_compressed_body_is_decoded() -> None:
    result = fetch("https://news.example/a", handler=_streamed(gzip.compress(b"<p>Hallo</p>"), "gzip"))
    assert (result.body, result.truncated, result.error) == (b"<p>Hallo</p>", False, None)


def test_raw_deflate_is_accepted_too() -> None:
    import zlib
    squeezer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw_deflate = squeezer.compress(b"<p>Hallo</p>") + squeezer.flush()
    result = fetch("https://news.example/a", handler=_streamed(raw_deflate, "deflate"))
    assert (result.body, result.error) == (b"<p>Hallo</p>", None)


@pytest.mark.parametrize(("body", "encoding"), [
    (b"\x1f\x8b\x08\x00 not gzip at all", "gzip"), (gzip.compress(b"x" * 10000)[:-30], "gzip"),
    (b"junk", "br"), (b"abc", "compress")])
def test_broken_or_unknown_encoding_is_a_body_error(body: bytes, encoding: str) -> None:
    result = fetch("https://news.example/a", handler=_streamed(body, encoding))
    assert result.error is FetchError.BODY
    assert encoding in result.error_detail
    assert result.status == 200


# Safety

@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.5.4/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[fe80::1]/", "http://[fc00::1]/",
    "http://[::ffff:127.0.0.1]/", "http://2130706433/", "http://0x7f.1/", "http://017700000001/",
    "http://127.1/", "http://0.0.0.0/", "http://localhost/", "http://LOCALHOST./", "http://app.localhost/",
    "http://224.0.0.1/"])
def test_private_targets_are_refused_by_default(router: respx.Router, url: str) -> None:
    route = router.route().respond(200)
    result = fetch(url, router)
    assert result.error is FetchError.PRIVATE_ADDRESS
    assert "--allow-private" in result.error_detail or "--allow-link-local" in result.error_detail
    assert (result.status, result.attempts, result.chain) == (None, 1, ())
    assert route.call_count == 0


def test_private_targets_are_allowed_when_configured(router: respx.Router) -> None:
    router.route().respond(200)
    result = fetch("http://127.0.0.1/", router, config=Config(allow_private=True))
    assert (result.status, result.error) == (200, None)


def test_redirect_into_a_private_address_is_refused(router: respx.Router) -> None:
    router.get("https://public.example/a").respond(302, headers={"Location": "http://127.0.0.1/admin"})
    internal = router.get("http://127.0.0.1/admin").respond(200)
    result = fetch("https://public.example/a", router)
    assert result.error is FetchError.PRIVATE_ADDRESS
    assert result.final_url == "http://127.0.0.1/admin"
    assert [hop.status for hop in result.chain] == [302]
    assert (result.status, result.headers, result.attempts) == (None, (), 1)
    assert internal.call_count == 0


def test_name_resolving_to_a_private_address_is_refused(router: respx.Router) -> None:
    route = router.get("https://intranet.example/").respond(200)

    async def resolve(host: str, port: int) -> list[str]:
        return {"intranet.example": ["93.184.216.34", "10.0.0.7"]}[host]

    result = fetch("https://intranet.example/", router, resolver=resolve)
    assert result.error is FetchError.PRIVATE_ADDRESS
    assert "intranet.example resolves to 10.0.0.7" in result.error_detail
    assert route.call_count == 0


def test_lookups_are_shared_by_urls_of_one_host(router: respx.Router) -> None:
    router.get(url__regex=r"https://news\.example/.*").respond(200)
    lookups: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["93.184.216.34"]

    results = run(["https://news.example/a", "https://news.example/b"], router, resolver=resolve)
    assert [r.status for r in results] == [200, 200]
    assert lookups == ["news.example"]


def test_name_resolving_to_public_addresses_is_fetched(router: respx.Router) -> None:
    router.get("https://news.example/").respond(200)

    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]

    assert fetch("https://news.example/", router, resolver=resolve).status == 200


# Invalid input

@pytest.mark.parametrize("url", ["ftp://files.example/a", "mailto:x@news.example", "news.example/a",
                                 "http://", "https://[::1/", "javascript:alert(1)", ""])
def test_invalid_urls(router: respx.Router, url: str) -> None:
    result = fetch(url, router)
    assert result.error is FetchError.INVALID_URL
    assert (result.status, result.attempts, result.chain) == (None, 0, ())
    assert result.url == url


# Limits

def test_per_host_limit_is_never_exceeded() -> None:
    in_flight: Counter[str] = Counter()
    most: Counter[str] = Counter()

    async def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        in_flight[host] += 1
        most[host] = max(most[host], in_flight[host])
        await asyncio.sleep(0.001)
        in_flight[host] -= 1
        return httpx.Response(200)

    async def go() -> list[FetchResult]:
        config = Config(concurrency=6, per_host=2)
        async with Fetcher(config, transport=httpx.MockTransport(handler)) as f:
            urls = [f"https://{host}.example/{i}" for i in range(10) for host in ("a", "b", "c")]
            return list(await asyncio.gather(*(f.fetch(url) for url in urls)))

    results = asyncio.run(go())
    assert all(r.status == 200 for r in results)
    assert max(most.values()) <= 2
    assert set(most) == {"a.example", "b.example", "c.example"}


def test_every_host_uses_the_given_transport_which_is_closed_once_at_the_end(
        router: respx.Router, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hosts_module, "_MAX_TRANSPORTS", 1)  # every new host closes the last one's client
    closes: list[int] = []

    class Transport(httpx.MockTransport):
        async def aclose(self) -> None:
            closes.append(1)

    router.get(url__regex=r"https://h\d\.example/").respond(200)
    hosts = [f"https://h{i}.example/" for i in range(4)]

    async def go() -> list[FetchResult]:
        async with Fetcher(CONFIG, transport=Transport(router.async_handler)) as f:
            results = [await f.fetch(url) for url in hosts + hosts]
            assert closes == []
        return results

    assert [r.status for r in asyncio.run(go())] == [200] * 8
    assert closes == [1]


# Helpers

@pytest.mark.parametrize(("url", "key"), [
    ("https://News.Example/a?b", "news.example"), ("http://news.example:8080/", "news.example:8080"),
    ("https://news.example:443/", "news.example"), ("https://bücher.de/", "xn--bcher-kva.de"),
    ("http://[::1]:8000/", "[::1]:8000"), ("https://[::1/", "")])
def test_host_key(url: str, key: str) -> None:
    assert host_key(url) == key


@pytest.mark.parametrize("url", [
    "http://User:pw@News.EXAMPLE:80/a", "https://news.example:80/", "http://news.example.:81",
    "http://news.example:/a", "http://127.0.0.2:4321/p?q#f", "https://[2001:DB8::1]:443/"])
def test_host_key_of_a_string_is_the_fetchers_key_for_the_parsed_url(url: str) -> None:
    assert host_key(url) == host_key(httpx.URL(url))


def test_configured_headers_go_with_every_request_and_replace_the_defaults() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "/b"}) if request.url.path == "/a" else httpx.Response(200)

    config = Config(headers=(("X-Consent", "yes"), ("User-Agent", "our-bot/1")))
    fetch("https://8.8.8.8/a", handler=handler, config=config)
    assert [(r.headers["x-consent"], r.headers["user-agent"]) for r in seen] == [("yes", "our-bot/1")] * 2


def test_cookies_from_a_netscape_cookie_file_are_sent_to_their_domain(tmp_path) -> None:
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n"
                       ".news.example\tTRUE\t/\tFALSE\t0\tconsent\tyes\n"
                       ".news.example\tTRUE\t/\tFALSE\t1000\told\texpired in 1970\n"
                       "other.example\tFALSE\t/\tFALSE\t0\tsession\tsecret\n")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    async def public(host: str, port: int) -> list[str]:
        return ["8.8.8.8"]

    run(["https://www.news.example/a", "https://third.example/"], handler=handler,
        config=Config(cookie_file=cookies), resolver=public)
    assert [r.headers.get("cookie") for r in seen] == ["consent=yes", None]


def test_an_unreadable_cookie_file_is_a_config_error(tmp_path) -> None:
    (tmp_path / "cookies.txt").write_text("not a cookie file\n")
    for path in (tmp_path / "cookies.txt", tmp_path / "missing.txt"):
        with pytest.raises(ConfigError, match="cookie file"):
            Fetcher(Config(cookie_file=path))


def test_only_http_proxies_are_supported_and_the_password_is_not_shown() -> None:
    with pytest.raises(ConfigError, match="only http:// and https://") as refused:
        Fetcher(Config(https_proxy="socks5://user:secret@proxy:1080"))
    assert "secret" not in str(refused.value) and "socks5://proxy:1080" in str(refused.value)
