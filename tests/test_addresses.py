"""Which hosts and addresses the fetcher may connect to, checked without DNS."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from linkcheck.fetch.addresses import AddressPolicy, Reach, UnsafeAddress, check_host, classify


@pytest.mark.parametrize("host", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "news.example", "1.2.3.4.5"])
def test_public_hosts_pass_the_literal_check(host: str) -> None:
    check_host(host)


@pytest.mark.parametrize("host", ["100.64.0.1", "198.18.0.1", "2002:7f00:1::", "192.0.2.1", "255.255.255.255"])
def test_other_non_public_ranges_are_refused(host: str) -> None:
    with pytest.raises(UnsafeAddress):
        check_host(host)


@pytest.mark.parametrize(("address", "kind"), [
    ("fec0::1", "site-local (deprecated)"),
    ("192.0.0.8", "IETF protocol assignment"),       # the IPv4 dummy address
    ("192.0.0.170", "IETF protocol assignment"),     # NAT64 discovery
    ("192.88.99.1", "6to4 relay anycast (deprecated)"),
    ("0.1.2.3", "this-network"),
    ("240.0.0.1", "reserved"),
    ("224.0.0.251", "multicast"),
    ("64:ff9b:1::1", "local-use NAT64"),
    ("100::1", "discard-only"),
    ("2001:2::1", "benchmarking"),
    ("3fff::1", "documentation"),
    ("4000::1", "unallocated"),                      # IPv6 outside 2000::/3 is not global unicast
    ("::7f00:1", "unallocated"),                     # IPv4-compatible (deprecated)
    ("64:ff9b::7f00:1", "IPv4-embedding loopback"),  # NAT64 of 127.0.0.1
    ("2002:a00:1::", "IPv4-embedding private"),      # 6to4 of 10.0.0.1
    ("fd00:ec2::254", "cloud metadata"),
])
def test_special_purpose_addresses_are_not_public(address: str, kind: str) -> None:
    reach, found = classify(ip_address(address))
    assert (reach, found) != (Reach.PUBLIC, "public") and found == kind


@pytest.mark.parametrize("address", ["192.0.0.9", "192.31.196.1", "2001:4:112::1", "64:ff9b::808:808",
                                     "2002:808:808::1", "2a00:1450:4001:80b::200e"])
def test_globally_reachable_entries_of_the_registries_are_public(address: str) -> None:
    assert classify(ip_address(address))[0] is Reach.PUBLIC


@pytest.mark.parametrize("host", ["169.254.169.254", "169.254.1.1", "fe80::1", "[fe80::1%eth0]",
                                  "100.100.100.200", "metadata.google.internal", "instance-data."])
def test_link_local_and_metadata_need_their_own_option(host: str) -> None:
    with pytest.raises(UnsafeAddress, match="--allow-link-local"):
        AddressPolicy(allow_private=True).check_host(host)
    AddressPolicy(allow_link_local=True).check_host(host)


def test_private_addresses_need_allow_private_even_with_link_local_allowed() -> None:
    with pytest.raises(UnsafeAddress, match="--allow-private"):
        AddressPolicy(allow_link_local=True).check_host("10.0.0.1")
    AddressPolicy(allow_private=True).check_host("10.0.0.1")
