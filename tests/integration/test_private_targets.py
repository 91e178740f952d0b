"""The SSRF guard: without --allow-private nothing on loopback/private/link-local is ever fetched.

At the CLI: cited loopback URLs (literal, integer and short forms, IPv4-mapped, loopback
names) are refused with a clear reason and the local server sees no request.
At the fetcher: a public first hop redirecting into private ranges is refused before the second
request (httpx MockTransport), a name that resolves to loopback is refused before connecting
(DNS rebinding: test_pinned_dns.py). Also: archived content is never rendered (Datasette metadata
enables no HTML rendering).
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import httpx
import pytest

from linkcheck.config import Config
from linkcheck.fetch import Fetcher, FetchError

from .faultserver import REPO, FaultServer, run_linkcheck
from .test_faults import json_lines, write_article

PUBLIC_IP = "93.184.215.14"  # a public literal: no DNS needed, and the mock transport answers it
REFUSAL_WORDS = ("private", "loopback", "link-local", "allow-private", "not public", "non-public")


def _loopback_hostname() -> str | None:
    """This machine's host name when it resolves to loopback (as in many containers), else None."""
    name = socket.gethostname()
    if not name or name.lower() in ("localhost", "localhost.localdomain"):
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    except OSError:
        return None
    return name if addresses and all(a.startswith("127.") or a == "::1" for a in addresses) else None


@pytest.fixture(scope="module")
def server():
    with FaultServer(hosts=2, max_lifetime=120) as running:
        yield running


def test_cited_loopback_urls_are_refused_without_a_request(server: FaultServer, tmp_path: Path):
    port = server.ports["127.0.0.1"]
    urls = [
        server.url("/good", host=1),
        server.url("/good", host=2),
        f"http://localhost:{port}/good",
        f"http://2130706433:{port}/good",          # 127.0.0.1 as one integer
        f"http://127.1:{port}/good",               # inet_aton shorthand
        f"http://[::ffff:127.0.0.1]:{port}/good",  # IPv4-mapped IPv6
    ]
    write_article(tmp_path / "articles", urls)
    before = len(server.requests)
    run = run_linkcheck(["verify", str(tmp_path / "articles"), "--db", str(tmp_path / "a.db"),
                         "--format", "json", "--timeout", "2", "--retries", "1", "--repair", "off"],
                        cwd=tmp_path, timeout=60)
    assert not run.timed_out and "Traceback" not in run.stderr, run.stderr[-3000:]
    rows = {row["url"]: row for row in json_lines(run.stdout)}
    assert set(rows) == set(urls), "every refused URL still gets its result line"
    assert len(server.requests) == before, f"the server was reached: {server.requests[before:]}"
    for url, row in rows.items():
        assert row["verdict"] != "ok", url
        assert row["status"] is None, url
        reason = row["reason"].lower()
        assert any(word in reason for word in REFUSAL_WORDS), f"{url}: reason does not say why: {row['reason']}"
    assert run.returncode == 1


def _redirecting_transport(target: str, seen: list[httpx.URL]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if request.url.host == PUBLIC_IP:
            return httpx.Response(302, headers={"Location": target})
        return httpx.Response(200, html="<html><title>secret</title><body>internal data</body></html>")
    return httpx.MockTransport(handle)


async def _resolve_private(host: str, port: int) -> list[str]:
    return {"intranet.example": ["10.1.2.3"], "metadata.example": ["169.254.169.254"],
            "mixed.example": [PUBLIC_IP, "192.168.0.10"]}.get(host, [PUBLIC_IP])


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:8080/admin",
    "http://localhost/admin",
    "http://sub.localhost/admin",
    "http://[::1]/admin",
    "http://2130706433/admin",
    "http://0x7f.0.0.1/admin",
    "http://10.0.0.1/admin",
    "http://192.168.1.1/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:10.0.0.1]/admin",
    "http://intranet.example/admin",     # resolves to 10.1.2.3
    "http://metadata.example/admin",     # resolves to link-local
    "http://mixed.example/admin",        # one public and one private address: refused
])
def test_redirect_into_private_range_is_refused_before_the_request(target: str):
    seen: list[httpx.URL] = []
    config = Config(allow_private=False, timeout=2, retries=1)

    async def go():
        async with Fetcher(config, _redirecting_transport(target, seen), resolver=_resolve_private) as fetcher:
            return await fetcher.fetch(f"http://{PUBLIC_IP}/article")

    result = asyncio.run(asyncio.wait_for(go(), 20))
    assert result.error == FetchError.PRIVATE_ADDRESS, (result.error, result.error_detail)
    assert [str(u) for u in seen] == [f"http://{PUBLIC_IP}/article"], "the private target was requested"
    assert result.chain and result.chain[0].status == 302
    assert result.body == b""
    assert any(word in result.error_detail.lower() for word in REFUSAL_WORDS), result.error_detail


def test_redirect_into_private_range_is_followed_when_allowed():
    seen: list[httpx.URL] = []
    config = Config(allow_private=True, timeout=2, retries=0)

    async def go():
        async with Fetcher(config, _redirecting_transport("http://10.0.0.1/admin", seen),
                           resolver=_resolve_private) as fetcher:
            return await fetcher.fetch(f"http://{PUBLIC_IP}/article")

    result = asyncio.run(asyncio.wait_for(go(), 20))
    assert result.status == 200 and len(seen) == 2


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/",
                                    "http://metadata.google.internal/computeMetadata/v1/",
                                    "http://metadata.example/latest/meta-data/"])  # resolves to 169.254.169.254
def test_allow_private_still_refuses_link_local_and_cloud_metadata(target: str):
    seen: list[httpx.URL] = []

    async def go(config: Config):
        async with Fetcher(config, _redirecting_transport(target, seen), resolver=_resolve_private) as fetcher:
            return await fetcher.fetch(f"http://{PUBLIC_IP}/article")

    result = asyncio.run(asyncio.wait_for(go(Config(allow_private=True, timeout=2, retries=0)), 20))
    assert result.error == FetchError.PRIVATE_ADDRESS and "--allow-link-local" in result.error_detail
    assert len(seen) == 1, "the metadata address was requested"
    result = asyncio.run(asyncio.wait_for(go(Config(allow_link_local=True, timeout=2, retries=0)), 20))
    assert result.status == 200 and len(seen) == 3


def test_name_resolving_to_loopback_is_refused_before_connecting(server: FaultServer):
    """Real DNS (/etc/hosts): this machine's name resolves to 127.0.0.1, so it is never fetched."""
    hostname = _loopback_hostname()
    if hostname is None:
        pytest.skip("this machine's host name does not resolve to loopback")
    config = Config(allow_private=False, timeout=2, retries=1)
    before = len(server.requests)

    async def go():
        async with Fetcher(config) as fetcher:
            return await fetcher.fetch(f"http://{hostname}:{server.ports['127.0.0.1']}/good")

    result = asyncio.run(asyncio.wait_for(go(), 20))
    assert result.error == FetchError.PRIVATE_ADDRESS, (result.error, result.error_detail)
    assert "127.0.0.1" in result.error_detail
    assert len(server.requests) == before, "the server was reached"


def test_datasette_metadata_enables_no_html_rendering():
    folder = REPO / "linkcheck" / "data"
    metadata_files = [p for p in folder.glob("*") if p.suffix in (".json", ".yml", ".yaml")
                      and "metadata" in p.name]
    if not metadata_files:
        pytest.skip("no Datasette metadata in linkcheck/data")
    for path in metadata_files:
        text = path.read_text("utf-8").lower()
        for forbidden in ("render_html", "datasette-render-html", "render-html", "render_markdown",
                          "datasette-render-markdown", "<script", "javascript:", "extra_js_urls"):
            assert forbidden not in text, f"{path.name} mentions {forbidden!r}"
        if path.suffix == ".json":
            metadata = json.loads(path.read_text("utf-8"))
            assert "plugins" not in metadata or not any(
                "render" in name for name in metadata["plugins"]), metadata.get("plugins")
