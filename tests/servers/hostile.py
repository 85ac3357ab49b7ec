"""Raw handlers for WebServer that misbehave on the wire (route them with raw=True)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import zlib
from collections.abc import Awaitable, Callable

import brotli  # type: ignore[import-untyped]

from tests.servers.web import Request, _read_request

Raw = Callable[[Request, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _head(status: str = "200 OK", *headers: str) -> bytes:
    return ("\r\n".join([f"HTTP/1.1 {status}", *headers]) + "\r\n\r\n").encode("latin-1")


async def hang(
    request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Accept the request, never answer."""
    await asyncio.sleep(3600)


async def drip_body(
    request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Headers at once, then one byte of body every 50 ms, forever."""
    writer.write(_head("200 OK", "Content-Type: text/html", "Content-Length: 100000000"))
    while True:
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(0.05)


async def drip_head(
    request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """The status line and headers one byte every 50 ms, forever."""
    for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 100000:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.05)


async def endless_body(
    request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """A 10 GB declared body of zeros, sent as fast as the client reads."""
    writer.write(
        _head("200 OK", "Content-Type: application/octet-stream", "Content-Length: 10000000000")
    )
    chunk = b"\0" * 65536
    while True:
        writer.write(chunk)
        await writer.drain()


def _bomb(encoding: str, data: bytes) -> Raw:
    async def handler(
        request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(
            _head(
                "200 OK",
                "Content-Type: text/html",
                f"Content-Encoding: {encoding}",
                f"Content-Length: {len(data)}",
            )
            + data
        )
        await writer.drain()
        await asyncio.sleep(3600)

    return handler


def gzip_bomb(size: int = 200_000_000) -> Raw:
    """~200 MB of zeros, gzip-compressed to ~200 KB."""
    comp = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b"\0" * 1_000_000
    data = b"".join(comp.compress(block) for _ in range(size // len(block))) + comp.flush()
    return _bomb("gzip", data)


def brotli_bomb(size: int = 200_000_000) -> Raw:
    return _bomb("br", brotli.compress(b"\0" * size, quality=1))


def raw_reply(data: bytes, *, close: bool = True) -> Raw:
    """Send exactly `data`, then close (or keep the connection open)."""

    async def handler(
        request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(data)
        await writer.drain()
        if not close:
            await asyncio.sleep(3600)

    return handler


MALFORMED_STATUS = raw_reply(b"HTTP/1.1 OK-ish maybe\r\nContent-Length: 0\r\n\r\n")
GARBAGE = raw_reply(b"\x00\x01\x02 this is not http at all\r\n\r\n")
BAD_HEADER = raw_reply(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nBroken header line\r\n\r\nhello")
HUGE_HEADERS = raw_reply(
    b"HTTP/1.1 200 OK\r\n"
    + b"".join(b"X-Filler-%d: %s\r\n" % (i, b"a" * 1000) for i in range(2000))
    + b"Content-Length: 2\r\n\r\nhi",
    close=False,
)
CLOSE_AT_ONCE = raw_reply(b"")
SHORT_BODY = raw_reply(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a little")
BAD_GZIP = raw_reply(
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
    b"Content-Length: 20\r\n\r\nthis is not gzip....",
    close=False,
)
UNKNOWN_ENCODING = raw_reply(
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: compress\r\n"
    b"Content-Length: 5\r\n\r\nxxxxx",
    close=False,
)
_CP1251 = b"<title>\xcf\xf0\xe8\xe2\xe5\xf2 \xff\xfe</title><p>windows-1251 text</p>"
BAD_CHARSET = raw_reply(  # declared UTF-8, really windows-1251
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
    + b"Content-Length: %d\r\n\r\n" % len(_CP1251)
    + _CP1251,
    close=False,
)


# --------------------------------------------------------------------------
# Whole hostile servers: every request, whatever its path, gets one raw handler.


async def drip_slow(
    request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """A 200 whose body comes one byte every 3 s (a webhook receiver that drips)."""
    writer.write(_head("200 OK", "Content-Type: text/plain", "Content-Length: 1000"))
    while True:
        writer.write(b".")
        await writer.drain()
        await asyncio.sleep(3)


@functools.lru_cache(maxsize=4)
def _zeros_compressed(encoding: str, size: int) -> bytes:
    block = b"\0" * (1 << 20)
    if encoding == "gzip":
        comp = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        return bytes(b"".join(comp.compress(block) for _ in range(size >> 20)) + comp.flush())
    br = brotli.Compressor(quality=5)
    return bytes(b"".join(br.process(block) for _ in range(size >> 20)) + br.finish())


def cached_bomb(encoding: str, size: int = 256 << 20) -> Raw:
    """`size` bytes of zeros as one gzip or br body (built once per process)."""
    return _bomb(encoding, _zeros_compressed(encoding, size))


def huge_body(size: int = 5 << 30) -> Raw:
    """A JSON-typed body of `size` bytes, sent as fast as the client reads."""

    async def handler(
        request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(_head("200 OK", "Content-Type: application/json", f"Content-Length: {size}"))
        chunk = b"[" * 65536
        for _ in range(size // len(chunk)):
            writer.write(chunk)
            await writer.drain()

    return handler


class HostileServer:
    """An HTTP/1.1 server on loopback that hands every request to one raw handler.

    It counts requests, so a test can tell how often a client came back.

        with HostileServer(drip_body) as srv:
            srv.url("/cdx/search/cdx")
    """

    def __init__(self, handler: Raw, host: str = "127.0.0.1") -> None:
        self.handler = handler
        self.host = host
        self.port = 0
        self.requests: list[Request] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, self.host, 0), self._loop
        )
        self._server = fut.result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await _read_request(reader)
            if request is not None:
                self.requests.append(request)
                await self.handler(request, reader, writer)
        except (ConnectionError, asyncio.CancelledError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
