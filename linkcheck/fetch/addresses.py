"""Which addresses we may connect to (SSRF): public unicast by default, by the IANA special-purpose
registries; host literals read in every form DNS would."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Hosts the BSD inet_aton (and thus getaddrinfo) reads as IPv4: 2130706433, 0x7f.1, 017700000001, 127.1
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}\.?$", re.IGNORECASE)
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
# Cloud instance-metadata services by name (they resolve to link-local or private addresses; by
# name matters when a proxy resolves for us).
_METADATA_NAMES = ("metadata", "metadata.google.internal", "metadata.goog", "instance-data",
                   "instance-data.ec2.internal", "metadata.azure.com", "metadata.tencentyun.com")


class Reach(Enum):
    """How far an address may be trusted as a fetch target."""

    PUBLIC = "public"
    PRIVATE = "private"          # loopback, private, reserved ...: allowed with --allow-private
    LINK_LOCAL = "link-local"    # link-local and cloud metadata: allowed with --allow-link-local only


@dataclass(frozen=True)
class _Block:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    kind: str
    reach: Reach


def _blocks(reach: Reach, *entries: tuple[str, str]) -> list[_Block]:
    return [_Block(ipaddress.ip_network(net), kind, reach) for net, kind in entries]


# First match wins, so the narrow entries come before the blocks that hold them. From the IANA
# IPv4 and IPv6 Special-Purpose Address Registries (entries not globally reachable; the few that
# are, such as anycast services inside 192.0.0.0/24 and 2001::/23, are listed as public) plus the
# cloud metadata addresses, multicast, and everything IPv6 outside 2000::/3 (not global unicast).
_REGISTRY: list[_Block] = [
    *_blocks(Reach.LINK_LOCAL,
             ("169.254.169.254/32", "cloud metadata"), ("169.254.170.2/32", "cloud metadata"),
             ("100.100.100.200/32", "cloud metadata"), ("192.0.0.192/32", "cloud metadata"),
             ("fd00:ec2::254/128", "cloud metadata"),
             ("169.254.0.0/16", "link-local"), ("fe80::/10", "link-local")),
    *_blocks(Reach.PUBLIC,
             ("192.0.0.9/32", "PCP anycast"), ("192.0.0.10/32", "TURN anycast"),
             ("192.31.196.0/24", "AS112"), ("192.52.193.0/24", "AMT"), ("192.175.48.0/24", "AS112"),
             ("2001:1::1/128", "PCP anycast"), ("2001:1::2/128", "TURN anycast"),
             ("2001:1::3/128", "DNS-SD SRP anycast"), ("2001:3::/32", "AMT"), ("2001:4:112::/48", "AS112"),
             ("2001:20::/28", "ORCHIDv2"), ("2001:30::/28", "DRIP"), ("2620:4f:8000::/48", "AS112")),
    *_blocks(Reach.PRIVATE,
             ("0.0.0.0/8", "this-network"), ("10.0.0.0/8", "private"), ("100.64.0.0/10", "shared (carrier NAT)"),
             ("127.0.0.0/8", "loopback"), ("172.16.0.0/12", "private"),
             ("192.0.0.0/24", "IETF protocol assignment"), ("192.0.2.0/24", "documentation"),
             ("192.88.99.0/24", "6to4 relay anycast (deprecated)"), ("192.168.0.0/16", "private"),
             ("198.18.0.0/15", "benchmarking"), ("198.51.100.0/24", "documentation"),
             ("203.0.113.0/24", "documentation"), ("224.0.0.0/4", "multicast"),
             ("255.255.255.255/32", "broadcast"), ("240.0.0.0/4", "reserved"),
             ("::1/128", "loopback"), ("::/128", "unspecified"), ("64:ff9b:1::/48", "local-use NAT64"),
             ("100::/64", "discard-only"), ("100:0:0:1::/64", "dummy"),
             ("2001:2::/48", "benchmarking"), ("2001:db8::/32", "documentation"),
             ("2001::/23", "IETF protocol assignment"), ("3fff::/20", "documentation"),
             ("fc00::/7", "unique-local (private)"), ("fec0::/10", "site-local (deprecated)"),
             ("ff00::/8", "multicast")),
]
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeAddress(Exception):
    """The target is, or resolves to, an address we must not connect to."""


def literal_address(host: str) -> IPAddress | None:
    """The IP address a host literal denotes (incl. integer, octal and hex forms), else None."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            return None
    return None


def classify(address: IPAddress) -> tuple[Reach, str]:
    """How far the address reaches, and its kind in words ("loopback", "cloud metadata" ...)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded, decisive = _embedded_ipv4(address)
        if embedded is not None:
            reach, kind = classify(embedded)
            if reach is not Reach.PUBLIC:
                return reach, f"IPv4-embedding {kind}"
            if decisive:
                return reach, kind
    for block in _REGISTRY:
        if address.version == block.network.version and address in block.network:
            return block.reach, block.kind
    if isinstance(address, ipaddress.IPv6Address) and address not in _GLOBAL_UNICAST:
        return Reach.PRIVATE, "unallocated"
    # What the registries above do not list but Python knows (a newer registry, say).
    if not address.is_global or address.is_multicast:
        return Reach.PRIVATE, "non-public"
    return Reach.PUBLIC, "public"


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a run may connect to: public ones, plus what the two options allow."""

    allow_private: bool = False
    allow_link_local: bool = False

    def allows(self, reach: Reach) -> bool:
        return reach is Reach.PUBLIC or (reach is Reach.PRIVATE and self.allow_private) or (
            reach is Reach.LINK_LOCAL and self.allow_link_local)

    def check_host(self, host: str) -> None:
        """Raise UnsafeAddress when the host literal, or a loopback or metadata name, is not allowed;
        other names are checked after resolving."""
        name = host.lower().rstrip(".")
        if (name in _LOCAL_NAMES or name.endswith(".localhost")) and not self.allow_private:
            raise UnsafeAddress(f"{host} is a loopback name (allow with --allow-private)")
        if name in _METADATA_NAMES and not self.allow_link_local:
            raise UnsafeAddress(f"{host} is a cloud metadata name (allow with --allow-link-local)")
        address = literal_address(host)
        if address is not None:
            self.check_address(str(address), prefix="" if host.strip("[]") == str(address) else f"{host} is ")

    def check_address(self, ip: str, prefix: str = "") -> None:
        """Raise UnsafeAddress when the address is not allowed; `prefix` starts the message."""
        address = literal_address(ip)
        if address is None:
            raise UnsafeAddress(f"{prefix}{ip!r}, not an IP address")
        reach, kind = classify(address)
        if not self.allows(reach):
            article = "an" if kind[0] in "aeiouIA" else "a"
            option = "--allow-link-local" if reach is Reach.LINK_LOCAL else "--allow-private"
            raise UnsafeAddress(f"{prefix}{address}, {article} {kind} address (allow with {option})")

    def check_addresses(self, host: str, addresses: Iterable[str]) -> None:
        """Raise UnsafeAddress when any resolved address is not allowed (any one may be connected to)."""
        for ip in addresses:
            self.check_address(ip, prefix=f"{host} resolves to ")


_DEFAULT = AddressPolicy()


def check_host(host: str) -> None:
    """check_host of the default policy (public addresses only)."""
    _DEFAULT.check_host(host)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address | None, bool]:
    """The IPv4 address an IPv4-mapped, NAT64 (64:ff9b::/96), 6to4 or Teredo address carries, and
    whether it alone decides (mapped and NAT64 addresses are that IPv4 address; the others are
    refused when it is not public, and otherwise judged as IPv6)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped, True
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), True
    if address.sixtofour is not None:
        return address.sixtofour, False
    return (address.teredo[1] if address.teredo else None), False
