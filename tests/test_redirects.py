"""The redirect step, pure: where a URL's first hop and each 3xx response lead, or why not."""

from __future__ import annotations

import httpx
import pytest

from linkcheck.fetch import FetchError
from linkcheck.fetch.addresses import AddressPolicy
from linkcheck.fetch.failures import Failure
from linkcheck.fetch.redirects import first_hop, next_hop

HERE = httpx.URL("https://news.example/a/page?x=1")


def follow(location: str | None, *, visits: dict[str, int] | None = None, cookies_seen: bool = False,
           redirects: int = 1, max_redirects: int = 10, allow_private: bool = False,
           allow_link_local: bool = False) -> str | FetchError:
    """Where a 302 from HERE leads: the next URL, or the FetchError that ends the chain."""
    step = next_hop(HERE, 302, location, visits={str(HERE): 1, **(visits or {})}, cookies_seen=cookies_seen,
                    redirects=redirects, max_redirects=max_redirects,
                    policy=AddressPolicy(allow_private, allow_link_local))
    return step.error if isinstance(step, Failure) else str(step)


@pytest.mark.parametrize(("location", "options", "leads_to"), [
    ("https://news.example/b", {}, "https://news.example/b"),
    ("/new#section", {}, "https://news.example/new"),                      # relative, fragment dropped
    ("other?y=2", {}, "https://news.example/a/other?y=2"),
    ("  /padded  ", {}, "https://news.example/padded"),
    ("http://www.news.example/a", {}, "http://www.news.example/a"),         # scheme and host may change
    ("https://Bücher.example/", {}, "https://xn--bcher-kva.example/"),
    (None, {}, FetchError.BAD_REDIRECT),
    ("", {}, FetchError.BAD_REDIRECT),
    ("javascript:alert(1)", {}, FetchError.BAD_REDIRECT),
    ("ftp://files.example/x", {}, FetchError.BAD_REDIRECT),
    ("http://", {}, FetchError.BAD_REDIRECT),
    ("https://[::1/", {}, FetchError.BAD_REDIRECT),
    ("/a/page?x=1", {}, FetchError.REDIRECT_LOOP),                          # straight back to itself
    ("/a/page?x=1", {"cookies_seen": True}, "https://news.example/a/page?x=1"),  # a consent bounce
    ("/a/page?x=1", {"cookies_seen": True, "visits": {str(HERE): 2}}, FetchError.REDIRECT_LOOP),
    ("/b", {"visits": {"https://news.example/b": 1}}, FetchError.REDIRECT_LOOP),
    ("/b", {"redirects": 10, "max_redirects": 10}, "https://news.example/b"),
    ("/b", {"redirects": 11, "max_redirects": 10}, FetchError.TOO_MANY_REDIRECTS),
    ("/a/page?x=1", {"redirects": 11, "max_redirects": 10}, FetchError.REDIRECT_LOOP),  # the loop is named first
    ("http://127.0.0.1/admin", {}, FetchError.PRIVATE_ADDRESS),
    ("http://2130706433/admin", {}, FetchError.PRIVATE_ADDRESS),            # 127.0.0.1 as an integer
    ("http://[::ffff:10.0.0.1]/", {}, FetchError.PRIVATE_ADDRESS),
    ("http://169.254.169.254/latest/meta-data/", {}, FetchError.PRIVATE_ADDRESS),
    ("http://localhost:8080/", {}, FetchError.PRIVATE_ADDRESS),
    ("http://127.0.0.1/admin", {"allow_private": True}, "http://127.0.0.1/admin"),
    # Link-local and cloud metadata stay refused with --allow-private; --allow-link-local allows them.
    ("http://169.254.169.254/latest/meta-data/", {"allow_private": True}, FetchError.PRIVATE_ADDRESS),
    ("http://[fe80::1]/", {"allow_private": True}, FetchError.PRIVATE_ADDRESS),
    ("http://[fd00:ec2::254]/", {"allow_private": True}, FetchError.PRIVATE_ADDRESS),
    ("http://metadata.google.internal/", {"allow_private": True}, FetchError.PRIVATE_ADDRESS),
    ("http://169.254.169.254/latest/meta-data/", {"allow_link_local": True},
     "http://169.254.169.254/latest/meta-data/"),
    ("http://10.0.0.1/", {"allow_link_local": True}, FetchError.PRIVATE_ADDRESS),
    ("http://intranet.example/", {}, "http://intranet.example/"),           # names are checked after DNS
    ("http://127.0.0.1/admin", {"redirects": 11, "max_redirects": 10}, FetchError.TOO_MANY_REDIRECTS),
])
def test_where_a_redirect_leads(location: str | None, options: dict, leads_to: str | FetchError) -> None:
    assert follow(location, **options) == leads_to


def test_redirect_without_location_names_the_status() -> None:
    step = next_hop(HERE, 301, None, visits={}, cookies_seen=False, redirects=1, max_redirects=10,
                    policy=AddressPolicy())
    assert isinstance(step, Failure) and step.detail == "HTTP 301 without Location"


def test_refused_redirect_target_is_named_so_the_chain_ends_there() -> None:
    step = next_hop(HERE, 302, "http://10.0.0.7/x", visits={}, cookies_seen=False, redirects=1,
                    max_redirects=10, policy=AddressPolicy())
    assert isinstance(step, Failure)
    assert str(step.refused) == "http://10.0.0.7/x"
    assert "10.0.0.7, a private address (allow with --allow-private)" in step.detail


def test_other_failures_name_no_refused_hop() -> None:
    step = next_hop(HERE, 302, "/a/page?x=1", visits={str(HERE): 1}, cookies_seen=False, redirects=1,
                    max_redirects=10, policy=AddressPolicy())
    assert isinstance(step, Failure) and step.refused is None and not step.retryable


@pytest.mark.parametrize(("url", "first"), [
    ("https://news.example/a#top", "https://news.example/a"),
    ("  https://news.example/a  ", "https://news.example/a"),
    ("http://NEWS.example/", "http://news.example/"),
    ("https://news.example", "https://news.example"),
    ("ftp://files.example/a", FetchError.INVALID_URL),
    ("news.example/a", FetchError.INVALID_URL),
    ("http://", FetchError.INVALID_URL),
    ("", FetchError.INVALID_URL),
    ("http://10.1.2.3/", FetchError.PRIVATE_ADDRESS),
    ("http://app.localhost/", FetchError.PRIVATE_ADDRESS),
])
def test_first_hop(url: str, first: str | FetchError) -> None:
    step = first_hop(url, AddressPolicy())
    assert (step.error if isinstance(step, Failure) else str(step)) == first


def test_first_hop_to_a_private_address_is_refused_only_when_not_allowed() -> None:
    refused = first_hop("http://[::1]:8000/", AddressPolicy())
    assert isinstance(refused, Failure) and str(refused.refused) == "http://[::1]:8000/"
    assert str(first_hop("http://[::1]:8000/", AddressPolicy(allow_private=True))) == "http://[::1]:8000/"
