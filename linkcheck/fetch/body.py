"""Response bodies read safely: decoded while streaming, cut at a cap, decompression bombs kept cheap."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from contextlib import aclosing
from dataclasses import dataclass

import brotli
import httpx

# ISA-L inflates gzip 2-3x faster than zlib; on a big run gzip was the largest cost of the event loop.
from isal import isal_zlib

_CHUNK = 64 * 1024  # most decoded bytes produced in one step, so a bomb never lands in memory whole
_REDIRECT_BODY = 64 * 1024  # a redirect body this small is drained so the connection can be reused


@dataclass(frozen=True)
class CappedBody:
    """A response body, decoded, at most the cap long."""

    content: bytes
    truncated: bool = False
    error: str = ""  # why it broke off or did not decode; `content` keeps what arrived


async def read_capped(response: httpx.Response, max_bytes: int) -> CappedBody:
    """Stream and decode a body, stopping at max_bytes DECODED bytes; timeouts propagate."""
    max_bytes = max(0, max_bytes)
    if response.is_stream_consumed:  # mock transports (respx) hand over a body httpx already decoded
        return CappedBody(response.content[:max_bytes], len(response.content) > max_bytes)
    encoding = response.headers.get("content-encoding", "")
    parts: list[bytes] = []
    size = 0
    try:
        async with aclosing(_decoded(response, encoding)) as pieces:
            async for piece in pieces:
                parts.append(piece)
                size += len(piece)
                if size > max_bytes:
                    return CappedBody(b"".join(parts)[:max_bytes], truncated=True)
    except httpx.TimeoutException:
        raise
    except (httpx.TransportError, OSError) as exc:
        why = str(exc) or type(exc).__name__
        return CappedBody(b"".join(parts), error=f"transfer broke off after {size} bytes: {why}")
    except DecodeError as exc:
        return CappedBody(b"".join(parts), error=f"cannot decode {encoding} body after {size} bytes: {exc}")
    return CappedBody(b"".join(parts))


async def drain(response: httpx.Response) -> None:
    """Read a small redirect body so HTTP/1.1 can reuse the connection; a big one is just dropped."""
    if response.is_stream_consumed:
        return
    size = 0
    try:
        async for raw in response.aiter_raw():
            size += len(raw)
            if size > _REDIRECT_BODY:
                return
    except httpx.HTTPError:
        pass  # the redirect itself arrived; its body does not matter


async def _decoded(response: httpx.Response, encoding: str) -> AsyncGenerator[bytes, None]:
    decoder = BodyDecoder(encoding)
    async for raw in response.aiter_raw():
        for piece in decoder.feed(raw):
            yield piece
    for piece in decoder.finish():
        yield piece


class DecodeError(Exception):
    """A compressed body is broken or uses an encoding we did not ask for."""


class BodyDecoder:
    """Content-Encoding decoding that yields at most _CHUNK bytes per step, so bombs stay cheap."""

    def __init__(self, content_encoding: str) -> None:
        names = [n.strip().lower() for n in content_encoding.split(",") if n.strip()]
        names = [n for n in names if n != "identity"]
        if len(names) > 1:
            raise DecodeError(f"stacked encodings {content_encoding!r} not supported")
        self._name = names[0] if names else "identity"
        if self._name in ("gzip", "x-gzip"):
            self._zlib = isal_zlib.decompressobj(isal_zlib.MAX_WBITS | 16)
        elif self._name == "deflate":
            self._zlib = isal_zlib.decompressobj(isal_zlib.MAX_WBITS)
            self._raw_deflate_tried = False
        elif self._name == "br":
            self._zlib = None  # type: ignore[assignment]
            self._brotli = brotli.Decompressor()
        elif self._name != "identity":
            raise DecodeError(f"unsupported content encoding {self._name!r}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decoded pieces of one raw chunk, each at most 64 KiB; raises DecodeError when corrupt."""
        try:
            if self._name == "identity":
                yield from (data[i : i + _CHUNK] for i in range(0, len(data), _CHUNK))
            elif self._zlib is not None:
                yield from self._feed_zlib(data)
            else:
                yield from self._feed_brotli(data)
        except (isal_zlib.error, brotli.error) as exc:  # type: ignore[misc]  # isal types error as a function
            raise DecodeError(str(exc) or "corrupt data") from None

    def finish(self) -> Iterator[bytes]:
        """Raise DecodeError when the compressed stream ended early (a truncated transfer)."""
        if self._name == "identity":
            return
        if self._zlib is not None:
            yield from self.feed(b"")
            if not self._zlib.eof:
                raise DecodeError("compressed stream ends early")
        elif not self._brotli.is_finished():
            raise DecodeError("compressed stream ends early")

    def _feed_zlib(self, data: bytes) -> Iterator[bytes]:
        assert self._zlib is not None
        while True:
            if self._zlib.eof:
                return  # trailing bytes after the stream end are ignored, as browsers do
            try:
                out = self._zlib.decompress(data, _CHUNK)
            except isal_zlib.error:  # type: ignore[misc]
                # Some servers send raw deflate as "deflate"; retry once without the zlib header.
                if self._name != "deflate" or self._raw_deflate_tried:
                    raise
                self._raw_deflate_tried = True
                self._zlib = isal_zlib.decompressobj(-isal_zlib.MAX_WBITS)
                continue
            if self._name == "deflate":
                self._raw_deflate_tried = True
            data = self._zlib.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < _CHUNK:
                return

    def _feed_brotli(self, data: bytes) -> Iterator[bytes]:
        out = self._brotli.process(data, output_buffer_limit=_CHUNK)
        if out:
            yield out
        while not self._brotli.can_accept_more_data():
            out = self._brotli.process(b"", output_buffer_limit=_CHUNK)
            if not out:
                return
            yield out
