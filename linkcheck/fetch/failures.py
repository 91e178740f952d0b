"""Why an attempt failed: the Failure it raises, and transport errors mapped onto FetchError."""

from __future__ import annotations

import socket
import ssl

import httpx

from .result import FetchError


class Failure(Exception):
    """One attempt (or the whole URL) failed without a usable response; `refused` names a hop
    not requested because its host is not public, where the chain then ends."""

    def __init__(
        self, error: FetchError, detail: str, retryable: bool = False, refused: httpx.URL | None = None
    ) -> None:
        super().__init__(detail)
        self.error, self.detail, self.retryable, self.refused = error, detail, retryable, refused


def failure_for(exc: BaseException, host: str, proxy: str | None = None) -> Failure:
    """Map a transport error to a Failure; DNS and TLS (certificate) failures are not worth a retry.
    `proxy` (shown without its password) is the proxy the request went to, if any: a connection
    that fails then failed to the proxy, not to `host`."""
    causes = _causes(exc)
    if any(isinstance(c, socket.gaierror) for c in causes):
        gai = next(c for c in causes if isinstance(c, socket.gaierror))
        if gai.errno in (socket.EAI_AGAIN, socket.EAI_FAIL):
            # The resolver did not answer: says nothing about the name, so not 'dead'.
            return Failure(FetchError.CONNECT, f"{host}: DNS lookup failed, resolver unavailable "
                                               f"({gai.strerror or gai})")
        return Failure(FetchError.DNS, f"{host}: name does not resolve ({gai.strerror or gai})")
    if isinstance(exc, httpx.TimeoutException):
        return Failure(FetchError.TIMEOUT, f"{type(exc).__name__}: {describe(exc)}", True)
    if certificate := next((c for c in causes if isinstance(c, ssl.SSLCertVerificationError)), None):
        why = certificate.verify_message or certificate.reason or describe(certificate)
        return Failure(FetchError.TLS, f"{host}: TLS certificate not valid: {why}")
    if tls := next((c for c in causes if isinstance(c, ssl.SSLError)), None):
        return Failure(FetchError.TLS, f"{host}: TLS handshake failed: {tls.reason or describe(tls)}")
    if isinstance(exc, httpx.ProxyError):
        return Failure(FetchError.CONNECT, f"the proxy could not reach {host}: {describe(exc)}", True)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return Failure(FetchError.INVALID_URL, describe(exc))
    if isinstance(exc, (httpx.ConnectError, ConnectionRefusedError)) or (
        isinstance(exc, OSError) and not isinstance(exc, ConnectionResetError)
    ):
        if proxy is not None:
            return Failure(FetchError.CONNECT, f"cannot connect to the proxy {proxy} (for {host}): {describe(exc)}",
                           True)
        return Failure(FetchError.CONNECT, f"cannot connect to {host}: {describe(exc)}", True)
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, ConnectionResetError)):
        return Failure(FetchError.RESET, describe(exc), True)
    return Failure(FetchError.RESET, describe(exc))


def describe(exc: BaseException) -> str:
    """An exception's message, or its type's name when it has none."""
    return str(exc) or type(exc).__name__


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
