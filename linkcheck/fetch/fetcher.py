"""The Fetcher: the per-URL loop of hops, their retries and the exchange on a host's transport."""

from __future__ import annotations

import asyncio
import email.utils
import time
import weakref
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from http.cookiejar import CookieJar
from urllib.parse import urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState, wait_exponential_jitter

from ..config import Config
from .addresses import UnsafeAddress, check_address, check_addresses, literal_address
from .body import CappedBody, drain, read_capped
from .dns import CachedResolver, Resolver, system_resolve
from .failures import Failure, describe, failure_for
from .redirects import first_hop, next_hop
from .result import FetchError, FetchResult, Hop

__all__ = ["Fetcher", "host_key", "url_budget"]


Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/pdf;q=0.8,*/*;q=0.7"
_BACKOFF = wait_exponential_jitter(multiplier=0.5, max=8.0, jitter=0.5)
_PAUSE_AFTER_429 = 1.0         # host pause when a 429 names no Retry-After
_MAX_PAUSED_HOSTS = 1024       # idle hosts whose 429 pause we still remember
_KEEPALIVE = 5.0               # seconds an idle connection, and so an idle host's client, is kept
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_CLIENTS = 256             # per-host clients kept open; the least recently used idle ones beyond are closed


@dataclass(frozen=True)
class _Response:
    """One HTTP response, body already read (or skipped for redirects)."""

    url: httpx.URL
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    truncated: bool = False
    body_error: str = ""                       # set when the body broke off or did not decode
    http_version: str | None = None
    remote_ip: str | None = None
    retry_after: float | None = None           # seconds the server asked us to wait

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)


@dataclass
class _HostGate:
    """Per-host politeness: a concurrency limit and a 'not before' time set by 429s."""

    slots: asyncio.Semaphore
    users: int = 0
    not_before: float = 0.0


@dataclass
class _HostClient:
    """One host's httpx transport (its connection pool); `active` requests use it, idle since
    `idle_since` when none do."""

    client: httpx.AsyncBaseTransport
    active: int = 0
    idle_since: float = 0.0


@dataclass
class _Budget:
    """Bounded total time per URL; starts with its first attempt, not while queued."""

    seconds: float
    deadline: float | None = None
    attempts: int = 0

    def remaining(self, now: float) -> float:
        if self.deadline is None:
            self.deadline = now + self.seconds
        return self.deadline - now


def host_key(url: str | httpx.URL) -> str:
    """Lower-case host[:port] of a URL, the unit of per-host limits; "" when the URL is unusable."""
    if isinstance(url, str) and url.isascii() and "%" not in url:
        # httpx parses a URL in Python at ~0.1 ms; urlsplit gives the same key for plain URLs.
        try:
            parts = urlsplit(url)
            host, port, default_port = parts.hostname, parts.port, _DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError:
            return ""
        if host and default_port:
            host = f"[{host}]" if ":" in host else host
            return host if port in (None, default_port) else f"{host}:{port}"
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, TypeError, ValueError, UnicodeDecodeError):
        return ""
    if ":" in host:
        host = f"[{host}]"
    return host if parsed.port is None else f"{host}:{parsed.port}"


def url_budget(config: Config) -> float:
    """Longest time one URL may take once started: every attempt plus waits between them."""
    longest_wait = max(config.max_retry_after, 8.5)
    return config.timeout * (config.retries + 1) + config.retries * longest_wait


class Fetcher:
    """Async fetcher with global and per-host limits. Use as `async with Fetcher(config) as f:`.

    `transport` lets tests plug in respx or httpx.MockTransport; `resolver`, `sleep` and `clock`
    replace DNS and time (retry and Retry-After waits) in tests.
    """

    def __init__(
        self,
        config: Config,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        resolver: Resolver | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self.config = config
        self.transport = transport
        resolver = resolver if resolver is not None else (system_resolve if transport is None else None)
        self._dns = CachedResolver(resolver, clock) if resolver is not None else None
        self._sleep = sleep
        self._clock = clock
        self._new_client: Callable[[], httpx.AsyncBaseTransport] | None = None  # set while entered
        self._headers = httpx.Headers({
            "User-Agent": config.user_agent,
            "Accept": ACCEPT,
            "Accept-Language": "de,en;q=0.8",
            "Accept-Encoding": "gzip, deflate, br",
        })
        self._timeouts = httpx.Timeout(config.timeout).as_dict()
        # One jar for every host: a consent bounce may cross hosts of one site.
        self._cookies = httpx.Cookies(CookieJar())
        self._clients: OrderedDict[str, _HostClient] = OrderedDict()  # least recently used first
        self._slots = asyncio.Semaphore(max(1, config.concurrency))
        self._hosts: dict[str, _HostGate] = {}      # hosts with requests waiting or in flight
        self._paused: dict[str, float] = {}         # idle hosts -> not-before time left by a 429

    async def __aenter__(self) -> "Fetcher":
        per_host = max(1, self.config.per_host)
        if self.transport is None:
            self._new_client = partial(
                httpx.AsyncHTTPTransport,
                # Built once: making a TLS context loads the CA bundle, ~15 ms of CPU per client.
                verify=httpx.create_ssl_context(trust_env=False),
                http2=self.config.http2 and _h2_installed(),
                limits=httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host,
                                    keepalive_expiry=_KEEPALIVE),
                trust_env=False,  # configuration comes from Config only, not from proxy variables
            )
        else:
            self._new_client = lambda: self.transport
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._new_client = None
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for entry in clients:
            await self._close(entry.client)
        if self.transport is not None:
            await self.transport.aclose()

    async def fetch(self, url: str) -> FetchResult:
        """Fetch one URL; never raises for network or HTTP problems (they end up in the result)."""
        started_at, began = datetime.now(UTC), self._clock()
        budget = _Budget(url_budget(self.config))
        chain: list[Hop] = []
        current: httpx.URL | None = None

        def result(response: _Response | None, error: FetchError | None = None, detail: str = "") -> FetchResult:
            if response is not None and response.body_error and error is None:
                error, detail = FetchError.BODY, response.body_error
            return FetchResult(
                url=url,
                final_url=str(current) if current is not None else url,
                status=response.status if response is not None else None,
                chain=tuple(chain),
                headers=response.headers if response is not None else (),
                body=response.body if response is not None else b"",
                truncated=response.truncated if response is not None else False,
                error=error,
                error_detail=detail,
                started_at=started_at,
                elapsed=self._clock() - began,
                attempts=budget.attempts,
                remote_ip=response.remote_ip if response is not None else None,
                http_version=response.http_version if response is not None else None,
            )

        hop = first_hop(url, self.config.allow_private)
        response: _Response | None = None
        visits: Counter[str] = Counter()
        cookies_seen = False
        while not isinstance(hop, Failure):
            current, here = hop, str(hop)
            visits[here] += 1
            budget.attempts = 0
            outcome = await self._request_with_retries(current, budget)
            if isinstance(outcome, Failure):
                return result(None, outcome.error, outcome.detail)
            response = outcome
            if not 300 <= response.status < 400:
                chain.append(Hop(here, response.status))
                return result(response)
            location = response.header("location")
            chain.append(Hop(here, response.status, location))
            cookies_seen = cookies_seen or response.header("set-cookie") is not None
            hop = next_hop(
                current, response.status, location, visits=visits, cookies_seen=cookies_seen,
                redirects=len(chain), max_redirects=self.config.max_redirects, allow_private=self.config.allow_private,
            )
        if hop.refused is not None:
            # Reported as a refused attempt at that hop, as when its name resolves to a private address.
            current, response, budget.attempts = hop.refused, None, 1
        return result(response, hop.error, hop.detail)

    async def _request_with_retries(self, url: httpx.URL, budget: _Budget) -> _Response | Failure:
        """One hop with tenacity retries on transient failures, 5xx and 429."""

        async def attempt() -> _Response:
            budget.attempts += 1
            return await self._request_once(url, budget)

        def stop(state: RetryCallState) -> bool:
            response = _outcome_response(state)
            too_long = response is not None and (response.retry_after or 0) > self.config.max_retry_after
            return too_long or state.attempt_number > self.config.retries or budget.remaining(self._clock()) <= 0

        def wait(state: RetryCallState) -> float:
            # The host gate adds whatever Retry-After asks for beyond this backoff.
            return max(0.0, min(_BACKOFF(state), budget.remaining(self._clock())))

        def should_retry(state: RetryCallState) -> bool:
            outcome = state.outcome
            if outcome is None:
                return False
            if outcome.failed:
                error = outcome.exception()
                return isinstance(error, Failure) and error.retryable
            return _is_retryable_status(outcome.result().status)

        retrying = AsyncRetrying(
            stop=stop, wait=wait, retry=should_retry, sleep=self._sleep,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )
        try:
            return await retrying(attempt)
        except Failure as failure:
            return failure

    async def _request_once(self, url: httpx.URL, budget: _Budget) -> _Response:
        key = host_key(url)
        async with self._slot(key) as gate:
            remaining = budget.remaining(self._clock())
            if remaining <= 0:
                raise Failure(FetchError.TIMEOUT, f"gave up after {budget.seconds:g} s for this URL")
            limit = min(self.config.timeout, remaining)
            try:
                # Overall deadline: httpx's timeouts are per read, a byte a second never trips them.
                async with asyncio.timeout(limit), self._client(key) as client:
                    return await self._exchange(client, url, gate)
            except TimeoutError:
                raise Failure(FetchError.TIMEOUT, f"no complete response within {limit:g} s", True) from None

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[_HostGate]:
        """Per-host slot first (so queued requests hold no global slot), then the host's pause, then global."""
        gate = self._hosts.get(host)
        if gate is None:
            slots = asyncio.Semaphore(max(1, self.config.per_host))
            gate = self._hosts[host] = _HostGate(slots, not_before=self._paused.pop(host, 0.0))
        gate.users += 1
        try:
            async with gate.slots:
                while (pause := gate.not_before - self._clock()) > 0:
                    await self._sleep(pause)
                async with self._slots:
                    yield gate
        finally:
            gate.users -= 1
            if gate.users == 0 and self._hosts.get(host) is gate:
                del self._hosts[host]
                self._remember_pause(host, gate.not_before)

    @asynccontextmanager
    async def _client(self, host: str) -> AsyncIterator[httpx.AsyncBaseTransport]:
        """The host's own client, made on first use; making one first closes stale idle clients."""
        if self._new_client is None:
            raise RuntimeError("use Fetcher as 'async with Fetcher(config) as fetcher:'")
        entry = self._clients.get(host)
        stale: list[httpx.AsyncBaseTransport] = []
        if entry is None:
            stale = self._take_stale_clients()
            entry = self._clients[host] = _HostClient(self._new_client())
        else:
            self._clients.move_to_end(host)
        entry.active += 1
        try:
            for client in stale:
                await self._close(client)
            yield entry.client
        finally:
            entry.active -= 1
            entry.idle_since = self._clock()
            if self._clients.get(host) is entry:
                self._clients.move_to_end(host)

    def _take_stale_clients(self) -> list[httpx.AsyncBaseTransport]:
        """Remove idle clients unused for longer than the keep-alive, or least recently used beyond the bound."""
        now, stale = self._clock(), []
        # Idle entries are in the order they went idle (each moved to the end when released).
        for host, entry in list(self._clients.items()):
            if entry.active:
                continue
            if len(self._clients) < _MAX_CLIENTS and now - entry.idle_since < _KEEPALIVE:
                break
            del self._clients[host]
            stale.append(entry.client)
        return stale

    async def _close(self, client: httpx.AsyncBaseTransport) -> None:
        # A client on the caller's transport holds nothing of its own: closing it would close the
        # transport every other client shares, so that one is closed once, in __aexit__.
        if self.transport is None:
            await client.aclose()

    def _remember_pause(self, host: str, not_before: float) -> None:
        now = self._clock()
        if not_before <= now:
            return
        self._paused[host] = not_before
        if len(self._paused) > _MAX_PAUSED_HOSTS:
            for name, until in list(self._paused.items()):
                if until <= now:
                    del self._paused[name]
            while len(self._paused) > _MAX_PAUSED_HOSTS:
                del self._paused[min(self._paused, key=self._paused.__getitem__)]

    async def _exchange(self, client: httpx.AsyncBaseTransport, url: httpx.URL, gate: _HostGate) -> _Response:
        """Check the target, send one GET on the host's transport (see the module docstring: no
        httpx.AsyncClient, so cookies are sent and read here), read the body (capped); map errors
        to Failure."""
        host = url.raw_host.decode("ascii")
        allow_private = self.config.allow_private
        request = httpx.Request("GET", url, headers=self._headers, extensions={"timeout": self._timeouts})
        if len(self._cookies.jar):
            self._cookies.set_cookie_header(request)
        try:
            if self._dns is not None and literal_address(host) is None:
                addresses = await self._dns.resolve(host, url.port or (443 if url.scheme == "https" else 80))
                if not allow_private:
                    check_addresses(host, addresses)
            response = await client.handle_async_request(request)
            response.request = request
        except UnsafeAddress as exc:
            raise Failure(FetchError.PRIVATE_ADDRESS, str(exc)) from None
        except (httpx.HTTPError, OSError) as exc:
            raise failure_for(exc, host) from None
        try:
            if "set-cookie" in response.headers:
                self._cookies.extract_cookies(response)
            remote_ip = _remote_ip(response)
            if remote_ip and not allow_private:
                check_address(remote_ip, prefix=f"{host} connected to ")
            retry_after = _retry_after_seconds(response.headers.get("retry-after"), datetime.now(UTC))
            if response.status_code == 429 or (retry_after is not None and response.status_code >= 500):
                pause = min(retry_after if retry_after is not None else _PAUSE_AFTER_429, self.config.max_retry_after)
                gate.not_before = max(gate.not_before, self._clock() + pause)
            body = CappedBody(b"")
            if 300 <= response.status_code < 400:
                await drain(response)
            else:
                try:
                    body = await read_capped(response, self.config.max_bytes)
                except httpx.TimeoutException as exc:
                    raise Failure(FetchError.TIMEOUT, f"body stalled: {describe(exc)}", True) from None
            return _Response(
                url=url,
                status=response.status_code,
                headers=tuple((k.lower(), v) for k, v in response.headers.multi_items()),
                body=body.content,
                truncated=body.truncated,
                body_error=body.error,
                http_version=response.http_version,
                remote_ip=remote_ip,
                retry_after=retry_after,
            )
        except UnsafeAddress as exc:
            raise Failure(FetchError.PRIVATE_ADDRESS, str(exc)) from None
        finally:
            await response.aclose()

def _is_retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def _outcome_response(state: RetryCallState) -> _Response | None:
    if state.outcome is None or state.outcome.failed:
        return None
    return state.outcome.result()


def _retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _remote_ip(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        return _REMOTE_IPS[stream]
    except (KeyError, TypeError):
        pass
    try:
        address = stream.get_extra_info("server_addr")
    except Exception:  # transports differ; an unknown address is checked by the pre-resolve only
        return None
    remote_ip = str(address[0]) if isinstance(address, tuple) and address else None
    try:
        _REMOTE_IPS[stream] = remote_ip
    except TypeError:  # a stream that cannot be weakly referenced is asked every time
        pass
    return remote_ip


# A connection's peer address, asked once: anyio answers by building all of a socket's attributes
# (a getpeername call among them), and a kept-alive connection serves many requests.
_REMOTE_IPS: weakref.WeakKeyDictionary[object, str | None] = weakref.WeakKeyDictionary()


def _h2_installed() -> bool:
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True
