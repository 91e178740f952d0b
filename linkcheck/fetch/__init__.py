"""Fetch URLs concurrently and politely with httpx; record the redirect chain. Knows nothing of HTML.

Per URL: redirects are followed by hand (every hop recorded and checked); each hop is retried with
backoff on connect errors, timeouts, resets, 5xx and 429, never on DNS failures (name not found is
final, and a machine without network must finish fast). A Retry-After pauses that host for every
request; one longer than `max_retry_after` is not waited for (the status is returned). Each attempt
has an overall deadline of `timeout` (so a byte-a-second server cannot hold us), and the whole URL
the budget of `url_budget()`. Bodies are decoded while streaming and cut at `max_bytes` decoded
bytes; a body that breaks off or does not decode gives FetchError.BODY and keeps what arrived.

Safety: every hop's host must be public (addresses: the IANA special-purpose registries), unless
`config.allow_private` (loopback, private ...) or `config.allow_link_local` (link-local and cloud
metadata, which allow_private does not cover) allow it. Literal addresses (also integer, octal and
hex forms such as http://2130706433/) and loopback or metadata names are checked without DNS. Our
own connections resolve a name once, check every address and connect to exactly those
(connect.PinnedBackend: no second lookup for DNS rebinding to answer; TLS and Host still name the
host). Behind a proxy, names are checked with our DNS before the proxy gets them, when it knows them.
With a custom transport (tests) names are resolved and checked before the request when a `resolver`
is passed, and the connected address the transport reports is checked again. Bytes a server sends
after the end of a response (smuggled) go into FetchResult.warnings, and that connection is dropped.

Connections: one httpx transport (a connection pool of `per_host` connections) per host
(host[:port]), made on first use, and called directly: an httpx.AsyncClient around it would add a
fifth to the CPU of each request for work we do not need (we follow redirects ourselves). Not one
shared pool: httpcore scans every pooled connection (with syscalls) on every request and every
response close, which at 100 connections cost a fifth of the run's CPU. Transports idle for longer
than the keep-alive, and the least recently used idle ones beyond `_MAX_TRANSPORTS`, are closed, so a
run over many hosts holds few sockets. All hosts share one cookie jar (a consent bounce may cross
hosts of one site; a cookie file's cookies start in it), one TLS context (the configured CAs) and,
in tests, the caller's transport. A host reached through a proxy (`http_proxy`, `https_proxy`,
`no_proxy`) gets a transport of its own for that proxy.

Modules: result (what other steps see), fetcher (the per-URL loop and the exchange), hosts
(per-host transports and politeness), redirects (the pure next-hop step), retries (the retry
policy, Retry-After, the URL's time budget), failures (transport errors onto FetchError),
addresses (which addresses are public), connect (pinned connections, poisoned streams, the
transport of a host, proxies, the TLS context), dns (resolving, its run cache, network_is_up),
body (capped, decoded bodies).
"""

from .dns import network_is_up
from .fetcher import Fetcher
from .hosts import host_key
from .result import FetchError, FetchResult, Hop
from .retries import url_budget

__all__ = ["FetchError", "FetchResult", "Fetcher", "Hop", "host_key", "network_is_up", "url_budget"]
