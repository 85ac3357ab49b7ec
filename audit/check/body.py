"""Read a response body up to a cap, decoding gzip/deflate/br with bounded output.

httpx's own decoders inflate each wire chunk whole: one 64 KB chunk of a
gzip or brotli bomb can become gigabytes. Here every decompression call is
told how much output it may produce, and reading stops at the cap, so a
bomb or a multi-GB body costs at most `cap` bytes of memory.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Protocol

import brotli  # type: ignore[import-untyped]

from audit.check.errors import LinkFailure
from audit.models import ErrorKind

ACCEPT_ENCODING = "gzip, deflate, br"


class _Decoder(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes: ...


class _Identity:
    def feed(self, data: bytes, limit: int) -> bytes:
        return data[:limit]


class _Zlib:
    def __init__(self, wbits: int) -> None:
        self._d = zlib.decompressobj(wbits)
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        try:
            return self._d.decompress(data, limit)
        except zlib.error:
            if self._first and self._d.unused_data == b"":
                # "deflate" is sent both raw and zlib-wrapped in the wild: try raw.
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self._d.decompress(data, limit)
            raise
        finally:
            self._first = False


class _Brotli:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        return bytes(self._d.process(data, output_buffer_limit=limit))


def _decoder(encoding: str | None) -> _Decoder:
    names = [e.strip().lower() for e in (encoding or "").split(",") if e.strip()]
    names = [n for n in names if n != "identity"]
    if not names:
        return _Identity()
    if len(names) > 1:  # stacked encodings: rare, and a classic bomb vector
        raise LinkFailure(ErrorKind.DECODING, f"stacked content-encoding {encoding!r}")
    name = names[0]
    if name in ("gzip", "x-gzip"):
        return _Zlib(zlib.MAX_WBITS | 16)
    if name == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    if name == "br":
        return _Brotli()
    raise LinkFailure(ErrorKind.DECODING, f"unsupported content-encoding {encoding!r}")


async def read_capped(
    chunks: AsyncIterator[bytes], encoding: str | None, cap: int
) -> tuple[bytes, bool]:
    """(body up to `cap` decoded bytes, whether more was left unread)."""
    decoder = _decoder(encoding)
    out = bytearray()
    wire = 0
    async for chunk in chunks:
        wire += len(chunk)
        try:
            out += decoder.feed(chunk, cap - len(out))
        except (zlib.error, brotli.error) as exc:
            raise LinkFailure(ErrorKind.DECODING, f"broken {encoding} body: {exc}") from None
        # A decoder may hold output back (limit reached): the cap is reached either way.
        if len(out) >= cap or wire >= cap * 4:
            return bytes(out[:cap]), True
    return bytes(out), False
