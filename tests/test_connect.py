"""Which proxy a request goes through (pure), and the run's TLS context."""

from __future__ import annotations

import ssl

import httpx
import pytest

from linkcheck.fetch.connect import proxy_for, tls_context

HTTP, HTTPS = "http://proxy:3128", "http://tls-proxy:3128"


@pytest.mark.parametrize(("url", "no_proxy", "expected"), [
    ("http://news.example/a", (), HTTP),
    ("https://news.example/a", (), HTTPS),
    ("https://news.example/a", ("ws.example",), HTTPS),           # a suffix, but not a domain above the host
    ("https://news.example/a", ("example",), None),
    ("https://news.example/a", ("news.example",), None),
    ("https://www.news.example/a", (".news.example",), None),     # a domain and its subdomains
    ("https://www.News.Example./a", ("news.example",), None),
    ("https://other.example/a", ("news.example", "*"), None),     # "*": every host directly
])
def test_proxy_by_scheme_unless_no_proxy(url: str, no_proxy: tuple[str, ...], expected: str | None) -> None:
    assert proxy_for(httpx.URL(url), HTTP, HTTPS, no_proxy) == expected


def test_no_proxy_configured_means_direct() -> None:
    assert proxy_for(httpx.URL("https://news.example/"), HTTP, "", ()) is None


def test_tls_context_verifies_names_and_certificates() -> None:
    context = tls_context(None, None)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


def test_a_missing_ca_bundle_is_an_error() -> None:
    with pytest.raises(OSError):
        tls_context("/nonexistent/ca.pem", None)
