"""Which hosts and addresses the fetcher may connect to, checked without DNS."""

from __future__ import annotations

import pytest

from linkcheck.fetch.addresses import UnsafeAddress, check_host


@pytest.mark.parametrize("host", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "news.example", "1.2.3.4.5"])
def test_public_hosts_pass_the_literal_check(host: str) -> None:
    check_host(host)


@pytest.mark.parametrize("host", ["100.64.0.1", "198.18.0.1", "2002:7f00:1::", "192.0.2.1", "255.255.255.255"])
def test_other_non_public_ranges_are_refused(host: str) -> None:
    with pytest.raises(UnsafeAddress):
        check_host(host)
