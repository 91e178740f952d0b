"""Name resolution: the resolver seam tests replace, the system resolver, a run's lookup cache, the network check."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

from ..config import Config

# Resolves a host name to its addresses; raises socket.gaierror when the name does not exist.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_CANARY_TIMEOUT = 3.0
_DNS_TTL = 60.0                # seconds a lookup (or a name-not-found) is reused within a run
_DNS_CACHE_SIZE = 4096


async def system_resolve(host: str, port: int) -> list[str]:
    """Resolve with the event loop's non-blocking getaddrinfo, in its order (RFC 6724: an address
    family this machine cannot reach comes last, and the connection tries them in turn); raises
    socket.gaierror."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class CachedResolver:
    """A resolver whose answers, a name-not-found included, are reused briefly: many URLs of a run share few hosts."""

    def __init__(self, resolver: Resolver, clock: Callable[[], float]) -> None:
        self._resolver = resolver
        self._clock = clock
        self._answers: dict[tuple[str, int], tuple[float, list[str] | socket.gaierror]] = {}

    async def resolve(self, host: str, port: int) -> list[str]:
        """The host's addresses, from the cache when looked up less than a minute ago; raises socket.gaierror."""
        now = self._clock()
        expires, answer = self._answers.get((host, port), (0.0, []))
        if expires <= now:
            try:
                answer = await self._resolver(host, port)
            except socket.gaierror as exc:
                answer = exc
            if len(self._answers) >= _DNS_CACHE_SIZE:
                self._answers.clear()
            self._answers[(host, port)] = (now + _DNS_TTL, answer)
        if isinstance(answer, socket.gaierror):
            raise socket.gaierror(answer.errno, answer.strerror)
        return answer


async def network_is_up(config: Config, resolver: Resolver | None = None) -> bool:
    """True when any of `config.network_canaries` resolves (DNS only, no connection)."""
    if not config.network_canaries:
        return True
    resolve = resolver or system_resolve

    async def resolves(name: str) -> bool:
        try:
            async with asyncio.timeout(min(config.timeout, _CANARY_TIMEOUT)):
                return bool(await resolve(name, 443))
        except (OSError, TimeoutError):
            return False

    return any(await asyncio.gather(*(resolves(name) for name in config.network_canaries)))
