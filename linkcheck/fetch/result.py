"""What fetching one URL gives the other steps: FetchResult, its redirect chain of Hops, and FetchError."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["FetchError", "FetchResult", "Hop"]


class FetchError(StrEnum):
    """Why no usable HTTP response was obtained."""

    DNS = "dns"                        # host name does not exist
    CONNECT = "connect"                # refused / unreachable
    TIMEOUT = "timeout"
    RESET = "reset"                    # connection reset / closed early / protocol error
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REDIRECT_LOOP = "redirect_loop"
    BAD_REDIRECT = "bad_redirect"      # 3xx without usable Location
    PRIVATE_ADDRESS = "private_address"  # refused: loopback/private/link-local, not allowed
    BODY = "body"                      # broken body (bad gzip, truncated transfer, decompression bomb)
    TLS = "tls"                        # TLS handshake failed: certificate not valid, or no usable TLS
    INVALID_URL = "invalid_url"


@dataclass(frozen=True)
class Hop:
    """One request of a redirect chain."""

    url: str
    status: int
    location: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """Everything the network said about one URL."""

    url: str                                   # as requested
    final_url: str                             # after redirects (== url when none)
    status: int | None                         # final HTTP status, None when no response
    chain: tuple[Hop, ...]                     # every hop, last one is the final response
    headers: tuple[tuple[str, str], ...]       # final response headers (lower-case names)
    body: bytes                                # decoded (decompressed) body, at most max_bytes
    truncated: bool                            # body was cut at max_bytes
    error: FetchError | None                   # set when there is no usable response
    error_detail: str                          # human-readable cause ("" when fine)
    started_at: datetime                       # UTC
    elapsed: float                             # seconds, all attempts included
    attempts: int                              # requests made for the final hop, retries included
    remote_ip: str | None = None               # address actually connected to, when known
    http_version: str | None = None
    warnings: tuple[str, ...] = ()             # what was wrong though a response came (a smuggled surplus ...)

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None
