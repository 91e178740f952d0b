"""The Fetcher: the per-URL loop of hops, each hop's retries, and the exchange on a host's transport."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
import weakref
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar, LoadError, MozillaCookieJar

import httpcore
import httpx

from ..config import Config, without_password
from ..errors import ConfigError
from .addresses import AddressPolicy, UnsafeAddress, literal_address
from .body import CappedBody, drain, read_capped
from .connect import PinnedBackend, checked_stream, host_transport, proxy_for, surplus_bytes, tls_context
from .dns import CachedResolver, Resolver, system_resolve
from .failures import Failure, describe, failure_for
from .hosts import KEEPALIVE, HostGate, HostPools, host_key
from .redirects import first_hop, next_hop
from .result import FetchError, FetchResult, Hop
from .retries import Budget, hop_retrying, retry_after_seconds, url_budget

__all__ = ["Fetcher"]


Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/pdf;q=0.8,*/*;q=0.7"
_PAUSE_AFTER_429 = 1.0         # host pause when a 429 names no Retry-After


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
    warnings: tuple[str, ...] = ()             # what was wrong with the exchange though it answered

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)


class Fetcher:
    """Async fetcher with global and per-host limits. Use as `async with Fetcher(config) as f:`.
    Making one checks the request options (cookie file, CA bundle, proxies): ConfigError.

    `transport` lets tests plug in respx or httpx.MockTransport; `resolver`, `sleep` and `clock`
    replace DNS and time (retry and Retry-After waits) in tests; `network_backend` is what the
    pinned connections are made with (httpcore's AnyIO backend; a test may route addresses).
    """

    def __init__(
        self,
        config: Config,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        resolver: Resolver | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.config = config
        self.transport = transport
        self._policy = AddressPolicy(config.allow_private, config.allow_link_local)
        for proxy in {config.http_proxy, config.https_proxy} - {""}:
            if not proxy.lower().startswith(("http://", "https://")):
                raise ConfigError(f"proxy {without_password(proxy)!r}: only http:// and https:// proxies "
                                  "are supported")
        self._network_backend = network_backend
        resolver = resolver if resolver is not None else (system_resolve if transport is None else None)
        self._dns = CachedResolver(resolver, clock) if resolver is not None else None
        self._sleep = sleep
        self._clock = clock
        self._hosts: HostPools | None = None  # while entered
        self._headers = httpx.Headers({
            "User-Agent": config.user_agent,
            "Accept": ACCEPT,
            "Accept-Language": "de,en;q=0.8",
            "Accept-Encoding": "gzip, deflate, br",
            **dict(config.headers),
        })
        self._timeouts = httpx.Timeout(config.timeout).as_dict()
        # One jar for every host: a consent bounce may cross hosts of one site.
        self._cookies = httpx.Cookies(_cookie_jar(config))
        self._tls: ssl.SSLContext | None = None
        if transport is None:
            # Built once: making a TLS context loads the CA bundle, ~15 ms of CPU per transport.
            try:
                self._tls = tls_context(str(config.ca_bundle or ""), str(config.ca_dir or ""))
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(f"cannot read the CA certificates ca_bundle={config.ca_bundle} "
                                  f"ca_dir={config.ca_dir}: {exc}") from None

    async def __aenter__(self) -> Fetcher:
        per_host = max(1, self.config.per_host)
        if self.transport is None:
            config, context = self.config, self._tls
            assert context is not None
            limits = httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host,
                                  keepalive_expiry=KEEPALIVE)
            http2 = config.http2 and _h2_installed()
            pinned = PinnedBackend(self._dns, self._policy, self._network_backend)
            via_proxy = PinnedBackend(None, self._policy, self._network_backend)

            def new_transport(proxy: str | None) -> httpx.AsyncBaseTransport:
                return host_transport(pinned if proxy is None else via_proxy, context, http2, limits, proxy)

            self._hosts = HostPools(config, new_transport, self._clock, self._sleep)
        else:
            shared = self.transport
            self._hosts = HostPools(self.config, lambda proxy: shared, self._clock, self._sleep, shared=shared)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        hosts, self._hosts = self._hosts, None
        if hosts is not None:
            await hosts.aclose()

    async def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> FetchResult:
        """Fetch one URL; never raises for network or HTTP problems (they end up in the result).

        `headers` are sent in addition to (or instead of) the browser-like defaults, on every hop."""
        started_at, began = datetime.now(UTC), self._clock()
        budget = Budget(url_budget(self.config))
        request_headers = self._headers if not headers else httpx.Headers({**self._headers, **headers})
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
                warnings=tuple(warnings),
            )

        hop = first_hop(url, self._policy)
        response: _Response | None = None
        visits: Counter[str] = Counter()
        cookies_seen = False
        warnings: list[str] = []
        while not isinstance(hop, Failure):
            current, here = hop, str(hop)
            visits[here] += 1
            budget.attempts = 0
            outcome = await self._request_with_retries(current, budget, request_headers)
            if isinstance(outcome, Failure):
                return result(None, outcome.error, outcome.detail)
            response = outcome
            warnings.extend(response.warnings)
            if not 300 <= response.status < 400:
                chain.append(Hop(here, response.status))
                return result(response)
            location = response.header("location")
            chain.append(Hop(here, response.status, location))
            cookies_seen = cookies_seen or response.header("set-cookie") is not None
            hop = next_hop(
                current, response.status, location, visits=visits, cookies_seen=cookies_seen,
                redirects=len(chain), max_redirects=self.config.max_redirects, policy=self._policy,
            )
        if hop.refused is not None:
            # Reported as a refused attempt at that hop, as when its name resolves to a private address.
            current, response, budget.attempts = hop.refused, None, 1
        return result(response, hop.error, hop.detail)

    async def _request_with_retries(self, url: httpx.URL, budget: Budget,
                                    headers: httpx.Headers) -> _Response | Failure:
        """One hop with retries on transient failures, 5xx and 429 (see retries.hop_retrying)."""

        async def attempt() -> _Response:
            budget.attempts += 1
            return await self._request_once(url, budget, headers)

        try:
            return await hop_retrying(self.config, budget, self._clock, self._sleep)(attempt)
        except Failure as failure:
            return failure

    async def _request_once(self, url: httpx.URL, budget: Budget, headers: httpx.Headers) -> _Response:
        if self._hosts is None:
            raise RuntimeError("use Fetcher as 'async with Fetcher(config) as fetcher:'")
        key = host_key(url)
        async with self._hosts.slot(key) as gate:
            remaining = budget.remaining(self._clock())
            if remaining <= 0:
                raise Failure(FetchError.TIMEOUT, f"gave up after {budget.seconds:g} s for this URL")
            limit = min(self.config.timeout, remaining)
            try:
                # Overall deadline: httpx's timeouts are per read, a byte a second never trips them.
                proxy = proxy_for(url, self.config.http_proxy, self.config.https_proxy, self.config.no_proxy)
                async with asyncio.timeout(limit), self._hosts.transport(key, proxy) as transport:
                    return await self._exchange(transport, url, gate, headers, proxy)
            except TimeoutError:
                raise Failure(FetchError.TIMEOUT, f"no complete response within {limit:g} s", True) from None

    async def _exchange(self, transport: httpx.AsyncBaseTransport, url: httpx.URL, gate: HostGate,
                        headers: httpx.Headers, proxy: str | None) -> _Response:
        """Check the target, send one GET on the host's transport (see the module docstring: no
        httpx.AsyncClient, so cookies are sent and read here), read the body (capped); map errors
        to Failure. Our own direct connections resolve and check in the network backend
        (connect.PinnedBackend); through a proxy or a test's transport the name is checked here."""
        host = url.raw_host.decode("ascii")
        request = httpx.Request("GET", url, headers=headers, extensions={"timeout": self._timeouts})
        if len(self._cookies.jar):
            self._cookies.set_cookie_header(request)
        try:
            if (self.transport is not None or proxy is not None) and self._dns is not None \
                    and literal_address(host) is None:
                await self._check_name(host, url.port or (443 if url.scheme == "https" else 80), proxy)
            response = await transport.handle_async_request(request)
            response.request = request
        except UnsafeAddress as exc:
            raise Failure(FetchError.PRIVATE_ADDRESS, str(exc)) from None
        except (httpx.HTTPError, OSError) as exc:
            raise failure_for(exc, host, None if proxy is None else without_password(proxy)) from None
        try:
            stream = checked_stream(response)
            if stream is not None and response.http_version == "HTTP/1.1" and stream.reads_since_write == 0:
                # Its bytes were there before the request went out: what an earlier response smuggled.
                stream.poison()
                raise Failure(FetchError.RESET, "the response arrived before the request was sent (smuggled "
                                                "by an earlier response on this connection)", True)
            if "set-cookie" in response.headers:
                self._cookies.extract_cookies(response)
            if stream is not None and stream.address is not None:
                remote_ip: str | None = stream.address  # checked before connecting
            else:
                remote_ip = _remote_ip(response)
                if remote_ip and proxy is None:  # a test's transport: check what it reports
                    self._policy.check_address(remote_ip, prefix=f"{host} connected to ")
            retry_after = retry_after_seconds(response.headers.get("retry-after"), datetime.now(UTC))
            if response.status_code == 429 or (retry_after is not None and response.status_code >= 500):
                pause = min(retry_after if retry_after is not None else _PAUSE_AFTER_429, self.config.max_retry_after)
                gate.pause_until(self._clock() + pause)
            body = CappedBody(b"")
            if 300 <= response.status_code < 400:
                await drain(response)
            else:
                try:
                    body = await read_capped(response, self.config.max_bytes)
                except httpx.TimeoutException as exc:
                    raise Failure(FetchError.TIMEOUT, f"body stalled: {describe(exc)}", True) from None
            warnings: tuple[str, ...] = ()
            if surplus := surplus_bytes(response):
                if stream is not None:
                    stream.poison()
                length = response.headers.get("content-length")
                warnings = (f"{url}: {surplus} bytes after the end of the response"
                            f"{f' (Content-Length {length})' if length else ''}, the start of a response "
                            f"nobody asked for (smuggled?); the connection was not reused",)
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
                warnings=warnings,
            )
        except UnsafeAddress as exc:
            raise Failure(FetchError.PRIVATE_ADDRESS, str(exc)) from None
        finally:
            await response.aclose()

    async def _check_name(self, host: str, port: int, proxy: str | None) -> None:
        """Resolve and check a name we do not connect to ourselves. Behind a proxy, which resolves
        for itself, a name our DNS does not know is left to the proxy."""
        assert self._dns is not None
        try:
            addresses = await self._dns.resolve(host, port)
        except socket.gaierror:
            if proxy is None:
                raise
            return
        self._policy.check_addresses(host, addresses)


def _cookie_jar(config: Config) -> CookieJar:
    """The run's cookie jar, holding the cookies of `config.cookie_file` (Netscape cookies.txt)."""
    if config.cookie_file is None:
        return CookieJar()
    jar = MozillaCookieJar(str(config.cookie_file))
    try:
        jar.load(ignore_discard=True, ignore_expires=True)
    except (OSError, LoadError) as exc:
        raise ConfigError(f"cannot read the cookie file {config.cookie_file}: {exc}") from None
    for cookie in list(jar):
        if cookie.expires == 0:  # curl and browsers write 0 for a session cookie; Python 3.11 reads it as expired
            cookie.expires, cookie.discard = None, True
        elif cookie.is_expired():
            jar.clear(cookie.domain, cookie.path, cookie.name)
    return jar


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
