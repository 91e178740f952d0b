"""The network check: any canary name that resolves means the network is up."""

from __future__ import annotations

import asyncio
import socket

from linkcheck.config import Config
from linkcheck.fetch import network_is_up


def test_network_is_up_when_any_canary_resolves() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        if host == "iana.org":
            return ["192.0.43.8"]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert asyncio.run(network_is_up(Config(), resolver=resolve))


def test_network_is_down_when_no_canary_resolves() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    assert not asyncio.run(network_is_up(Config(), resolver=resolve))


def test_network_check_gives_up_on_a_hanging_resolver() -> None:
    async def hang(host: str, port: int) -> list[str]:
        await asyncio.sleep(3600)
        return []

    assert not asyncio.run(network_is_up(Config(timeout=0.05), resolver=hang))
