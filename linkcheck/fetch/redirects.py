"""Where each hop of a URL goes: the URL parsed and checked, and the next hop from a 3xx response. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from .addresses import AddressPolicy, UnsafeAddress
from .failures import Failure
from .result import FetchError


def first_hop(url: str, policy: AddressPolicy) -> httpx.URL | Failure:
    """The URL to request first (its fragment dropped), or why it is not requested at all."""
    try:
        parsed = _parse_url(url)
    except Failure as failure:
        return failure
    return _refusal(parsed, policy) or parsed


def next_hop(
    current: httpx.URL,
    status: int,
    location: str | None,
    *,
    visits: Mapping[str, int],
    cookies_seen: bool,
    redirects: int,
    max_redirects: int,
    policy: AddressPolicy,
) -> httpx.URL | Failure:
    """The URL the 3xx response to `current` sends us to, or why the redirect is not followed.

    `visits` counts the requests made so far per URL, `redirects` the 3xx responses (this one
    included), and `cookies_seen` says whether any of them set a cookie.
    """
    if not location:
        return Failure(FetchError.BAD_REDIRECT, f"HTTP {status} without Location")
    try:
        target = _parse_url(current.join(location.strip()), what="redirect target")
    except Failure as failure:
        return Failure(FetchError.BAD_REDIRECT, failure.detail)
    except (httpx.InvalidURL, ValueError) as exc:
        return Failure(FetchError.BAD_REDIRECT, str(exc))
    # A cookie-setting bounce (A -> consent -> A) is normal; a second return is a loop.
    if visits.get(str(target), 0) >= (2 if cookies_seen else 1):
        return Failure(FetchError.REDIRECT_LOOP, f"redirect loop back to {target}")
    if redirects > max_redirects:
        return Failure(FetchError.TOO_MANY_REDIRECTS, f"more than {max_redirects} redirects")
    return _refusal(target, policy) or target


def _refusal(url: httpx.URL, policy: AddressPolicy) -> Failure | None:
    """A PRIVATE_ADDRESS Failure naming `url` when the policy refuses its host literal, or its
    loopback or metadata name; names that resolve to such addresses are refused when connecting."""
    try:
        policy.check_host(url.raw_host.decode("ascii"))
    except UnsafeAddress as exc:
        return Failure(FetchError.PRIVATE_ADDRESS, str(exc), refused=url)
    return None


def _parse_url(url: str | httpx.URL, what: str = "URL") -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip() if isinstance(url, str) else url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise Failure(FetchError.INVALID_URL, f"invalid {what} {str(url)[:200]!r}: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise Failure(FetchError.INVALID_URL, f"{what} scheme {parsed.scheme or 'missing'!r} is not http(s)")
    if not parsed.raw_host:
        raise Failure(FetchError.INVALID_URL, f"{what} {str(url)[:200]!r} has no host")
    # copy_with parses the whole URL again: only worth it when there is a fragment to drop.
    return parsed.copy_with(fragment=None) if "#" in str(parsed) else parsed
