"""TLS for real: hypercorn on loopback with a certificate from a throwaway CA, over HTTP/1.1 and
HTTP/2; the CA bundle option; a certificate failure named for what it is, and a run whose every
handshake fails is not 'network unavailable'."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest

from linkcheck.archive import Archive
from linkcheck.config import Config
from linkcheck.fetch import Fetcher, FetchError
from linkcheck.pipeline import verify
from linkcheck.verdict import Rule, Verdict

from .test_faults import write_article
from .tls_server import forward_proxy, tls_web

HOST = "127.0.0.4"


def fetch(url: str, config: Config, names: dict[str, str] | None = None):
    async def resolve(host: str, port: int) -> list[str]:
        return [(names or {})[host]]

    async def go():
        async with Fetcher(config, resolver=resolve if names else None) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(asyncio.wait_for(go(), 30))


def trusting(ca_file: Path, **options: object) -> Config:
    return Config(allow_private=True, ca_bundle=ca_file, timeout=5, retries=0, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(("http2", "version"), [(True, "HTTP/2"), (False, "HTTP/1.1")])
def test_a_page_over_tls_by_name_with_the_configured_ca(tmp_path: Path, http2: bool, version: str):
    with tls_web(tmp_path) as web:
        result = fetch(web.url("/story", host="news.test"), trusting(web.ca_file, http2=http2),
                       names={"news.test": HOST})
    assert (result.error, result.status, result.http_version) == (None, 200, version), result.error_detail
    assert f"{version} for news.test:{web.port}".encode() in result.body, "Host (or :authority) names the host"
    assert result.remote_ip == HOST


def test_the_ca_bundle_comes_from_ssl_cert_file_too(tmp_path: Path):
    from linkcheck.config import load_config

    with tls_web(tmp_path) as web:
        config = load_config(tmp_path, environ={"SSL_CERT_FILE": str(web.ca_file)})
        assert config.ca_bundle == web.ca_file
        result = fetch(web.url("/"), Config(**{**config.__dict__, "allow_private": True, "retries": 0}))
    assert result.status == 200, result.error_detail


def test_a_directory_of_hashed_ca_certificates_as_ssl_cert_dir(tmp_path: Path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: it names the certificate by its subject hash")
    from linkcheck.config import load_config

    with tls_web(tmp_path) as web:
        subject_hash = subprocess.run([openssl, "x509", "-hash", "-noout", "-in", str(web.ca_file)],
                                      capture_output=True, text=True, check=True).stdout.strip()
        (tmp_path / "certs").mkdir()
        shutil.copy(web.ca_file, tmp_path / "certs" / f"{subject_hash}.0")
        config = load_config(tmp_path, environ={"SSL_CERT_DIR": str(tmp_path / "certs")})
        assert config.ca_dir == tmp_path / "certs" and config.ca_bundle is None
        result = fetch(web.url("/"), Config(**{**config.__dict__, "allow_private": True, "retries": 0}))
    assert result.status == 200, result.error_detail


@pytest.mark.parametrize(("case", "why"), [
    ("untrusted", "unable to get local issuer certificate"),
    ("expired", "certificate has expired"),
    ("other name", "Hostname mismatch"),
])
def test_a_certificate_failure_says_what_is_wrong_with_the_certificate(tmp_path: Path, case: str, why: str):
    with tls_web(tmp_path, expired=case == "expired") as web:
        config = Config(allow_private=True, timeout=5, retries=2,
                        ca_bundle=None if case == "untrusted" else web.ca_file)
        names = {"news.test": HOST, "other.test": HOST}
        result = fetch(web.url("/", host="other.test" if case == "other name" else "news.test"), config, names)
    assert result.error is FetchError.TLS, (result.error, result.error_detail)
    assert "TLS certificate not valid" in result.error_detail and why in result.error_detail, result.error_detail
    assert result.attempts == 1, "a bad certificate is not retried"
    assert web.seen == []


def test_a_run_where_every_handshake_fails_is_not_network_unavailable(tmp_path: Path):
    with tls_web(tmp_path) as web:
        articles = tmp_path / "articles"
        write_article(articles, [web.url("/a"), web.url("/b")])
        config = Config(allow_private=True, timeout=5, retries=0, workers=1, repair="off",
                        network_canaries=("linkcheck-canary.invalid",), probe_soft_404=False)
        archive = Archive(tmp_path / "a.db")
        results = []
        try:
            with archive.lock():
                outcome = asyncio.run(verify([articles], config, archive, results.append))
        finally:
            archive.close()
    assert outcome.network_up, "a TLS handshake is an answer: the network is up"
    decisions = [c.decision for r in results for c in r.citations]
    assert {d.rule for d in decisions} == {Rule.TLS} and {d.verdict for d in decisions} == {Verdict.UNREACHABLE}
    assert all("certificate not valid" in d.reason and "refused" not in d.reason for d in decisions)


def test_https_through_a_forward_proxy_tunnels_to_the_named_host(tmp_path: Path):
    with tls_web(tmp_path) as web, forward_proxy(names={"news.test": HOST}) as proxy:
        config = trusting(web.ca_file, https_proxy=proxy.url)
        result = fetch(web.url("/via-proxy", host="news.test"), config)
    assert result.status == 200, (result.error, result.error_detail)
    assert proxy.targets == [f"news.test:{web.port}"], "the proxy resolved the name, not linkcheck"
    assert web.seen[-1][2] == "/via-proxy"
