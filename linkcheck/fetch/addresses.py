"""Which addresses we may connect to: public unicast only (SSRF); host literals read in every form DNS would."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Hosts the BSD inet_aton (and thus getaddrinfo) reads as IPv4: 2130706433, 0x7f.1, 017700000001, 127.1
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}\.?$", re.IGNORECASE)
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


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


def is_public(address: IPAddress) -> bool:
    """True when the address is globally routable unicast (the only kind we fetch by default)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        embedded = address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and not is_public(embedded):
            return False
    return not (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def check_host(host: str) -> None:
    """Raise UnsafeAddress when the host literal is not public; names are checked after resolving."""
    name = host.lower().rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        raise UnsafeAddress(f"{host} is a loopback name (allow with --allow-private)")
    address = literal_address(host)
    if address is not None:
        check_address(str(address), prefix="" if host.strip("[]") == str(address) else f"{host} is ")


def check_address(ip: str, prefix: str = "") -> None:
    """Raise UnsafeAddress when the address is not public; `prefix` starts the message."""
    address = literal_address(ip)
    if address is None:
        raise UnsafeAddress(f"{prefix}{ip!r}, not an IP address")
    if not is_public(address):
        kind = _kind(address)
        article = "an" if kind[0] in "aeiouI" else "a"
        raise UnsafeAddress(f"{prefix}{address}, {article} {kind} address (allow with --allow-private)")


def check_addresses(host: str, addresses: Iterable[str]) -> None:
    """Raise UnsafeAddress when any resolved address is not public (we cannot choose which is used)."""
    for ip in addresses:
        check_address(ip, prefix=f"{host} resolves to ")


def _kind(address: IPAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return "IPv4-mapped " + _kind(address.ipv4_mapped)
    for attribute in ("loopback", "link_local", "multicast", "unspecified", "private", "reserved"):
        if getattr(address, f"is_{attribute}"):
            return attribute.replace("_", "-")
    return "non-public"
