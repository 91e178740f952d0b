"""Through a real local forward proxy: plain HTTP is forwarded, no_proxy hosts go direct, and the
address rules still hold: private and loopback targets are refused by literal, by name and by what
our resolver says before anything is handed to the proxy (HTTPS through it: test_tls.py)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from linkcheck.config import Config
from linkcheck.fetch import Fetcher, FetchError

from .local_server import LocalWeb, local_web, page, redirect
from .tls_server import ForwardProxy, forward_proxy

SITE = "127.0.0.2"


@pytest.fixture
def web():
    with local_web((SITE,)) as running:
        running.routes["/story"] = page(b"<html><body>the story</body></html>")
        yield running


@pytest.fixture
def proxy():
    with forward_proxy(names={"plain.test": SITE, "intranet.test": "127.0.0.1"}) as running:
        yield running


async def _our_dns(host: str, port: int) -> list[str]:
    if host == "intranet.test":
        return ["10.0.0.1"]
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")  # only the proxy knows


def fetch(url: str, config: Config):
    async def go():
        async with Fetcher(config, resolver=_our_dns) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(asyncio.wait_for(go(), 30))


def via(proxy: ForwardProxy, **options: object) -> Config:
    return Config(http_proxy=proxy.url, https_proxy=proxy.url, timeout=5, retries=0, **options)  # type: ignore[arg-type]


def test_plain_http_is_forwarded_by_the_proxy(web: LocalWeb, proxy: ForwardProxy):
    result = fetch(f"http://plain.test:{web.port}/story", via(proxy))
    assert result.status == 200 and result.body == b"<html><body>the story</body></html>"
    assert proxy.targets == [f"http://plain.test:{web.port}/story"]


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/", "http://localhost:{port}/", "http://[::1]:{port}/",
                                    "http://2130706433:{port}/", "http://169.254.169.254/latest/meta-data/",
                                    "http://metadata.google.internal/", "http://intranet.test:{port}/"])
def test_private_targets_are_refused_before_the_proxy_sees_them(web: LocalWeb, proxy: ForwardProxy, target: str):
    result = fetch(target.format(port=web.port), via(proxy))
    assert result.error is FetchError.PRIVATE_ADDRESS, (result.error, result.error_detail)
    assert proxy.targets == []


def test_a_redirect_to_loopback_is_refused_before_the_proxy_sees_it(web: LocalWeb, proxy: ForwardProxy):
    web.routes["/moved"] = redirect("http://127.0.0.1/admin")
    result = fetch(f"http://plain.test:{web.port}/moved", via(proxy))
    assert result.error is FetchError.PRIVATE_ADDRESS and [hop.status for hop in result.chain] == [302]
    assert proxy.targets == [f"http://plain.test:{web.port}/moved"]


def test_no_proxy_hosts_are_reached_directly(web: LocalWeb, proxy: ForwardProxy):
    result = fetch(f"http://{SITE}:{web.port}/story", via(proxy, no_proxy=(SITE,), allow_private=True))
    assert result.status == 200 and proxy.targets == []


def test_a_host_the_proxy_cannot_reach_is_a_connect_failure(proxy: ForwardProxy):
    result = fetch("https://unknown.test/", via(proxy))
    assert result.error is FetchError.CONNECT and "the proxy could not reach unknown.test" in result.error_detail
    assert proxy.targets == ["unknown.test:443"]


def test_a_proxy_that_is_down_is_named_in_the_reason():
    with socket.socket() as closed:  # a port nobody listens on once this socket is closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = Config(http_proxy=f"http://user:secret@127.0.0.1:{port}", https_proxy="", timeout=5, retries=0)
    result = fetch("http://plain.test/story", config)
    assert result.error is FetchError.CONNECT
    assert f"cannot connect to the proxy http://127.0.0.1:{port} (for plain.test)" in result.error_detail
    assert "secret" not in result.error_detail
