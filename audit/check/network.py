"""The network under httpcore and llhttp: asyncio protocols, connecting only to pinned addresses.

`PinnedBackend` connects to the addresses resolve.py resolved and checked,
whatever host name it is asked for; the name still goes into the Host
header, TLS SNI and certificate check (so `--resolve` behaves like curl's, and
nothing re-resolves between the address check and the connection). Plain
asyncio protocols are cheaper per read than the generic anyio backend.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import typing
from collections.abc import Awaitable, Callable, Iterable

import httpcore

from audit.check.errors import LinkFailure

_HIGH_WATER = 256 * 1024  # buffered bytes before we stop reading from the socket


def _wrap(cls: type[Exception], message: str, original: BaseException) -> Exception:
    """An httpcore exception that keeps the OS/ssl error (httpcore re-raises `from None`)."""
    exc = cls(message)
    exc.original = original  # type: ignore[attr-defined]
    exc.__cause__ = original
    return exc


class _Protocol(asyncio.Protocol):
    """A byte buffer fed by the event loop; the stream below reads from it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._paused_reading = False
        self._write_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and self.transport is not None:
            self.transport.pause_reading()
            self._paused_reading = True
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake()
        self.resume_writing()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def read(self, max_bytes: int) -> bytes:
        while not self.buffer and not self.eof:
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        if self.buffer:
            data = bytes(self.buffer[:max_bytes])
            del self.buffer[:max_bytes]
            if self._paused_reading and len(self.buffer) < _HIGH_WATER // 2:
                self._paused_reading = False
                if self.transport is not None:
                    self.transport.resume_reading()
            return data
        if self.error is not None:
            raise self.error
        return b""

    async def drain(self) -> None:
        if self.eof and self.error is not None:
            raise self.error
        while self._write_paused and not self.eof:
            self._drain_waiter = asyncio.get_running_loop().create_future()
            await self._drain_waiter


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, protocol: _Protocol, address: str) -> None:
        self._p = protocol
        self.address = address

    @property
    def _transport(self) -> asyncio.Transport:
        assert self._p.transport is not None
        return self._p.transport

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            if timeout is None:  # the probe's own deadline bounds it (saves a timer per read)
                return await self._p.read(max_bytes)
            async with asyncio.timeout(timeout):
                return await self._p.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("read timed out") from exc
        except OSError as exc:
            raise _wrap(httpcore.ReadError, str(exc) or type(exc).__name__, exc) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            if self._p.eof:
                raise ConnectionResetError("connection closed by peer")
            self._transport.write(buffer)
            if timeout is None:
                await self._p.drain()
            else:
                async with asyncio.timeout(timeout):
                    await self._p.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("write timed out") from exc
        except OSError as exc:
            raise _wrap(httpcore.WriteError, str(exc) or type(exc).__name__, exc) from exc

    async def aclose(self) -> None:
        if self._p.transport is not None:
            self._p.transport.abort()  # never wait on a hostile peer to close politely

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                tls = await loop.start_tls(
                    self._transport, self._p, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError as exc:
            self._transport.abort()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            self._transport.abort()
            raise _wrap(httpcore.ConnectError, str(exc) or type(exc).__name__, exc) from exc
        if tls is None:
            raise httpcore.ConnectError("TLS handshake failed: connection closed")
        self._p.transport = tls
        return self

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":  # an idle pooled connection the server has closed
            return bool(self._p.buffer) or self._p.eof
        if self._p.transport is None:
            return None
        names = {"client_addr": "sockname", "server_addr": "peername"}
        return self._p.transport.get_extra_info(names.get(info, info))


Lookup = Callable[[str, int], Awaitable[tuple[str, ...]]]


def is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the given addresses (in order) whatever host name httpcore asks for.

    Without addresses (a proxy's own host), `lookup` (resolve.py's) turns the name
    into addresses. The event loop is only ever given IP addresses: asyncio and
    uvloop would otherwise resolve a name in C through the system, past our resolver.
    """

    def __init__(
        self, addresses: tuple[str, ...] | None, lookup: Lookup | None = None, *, proxy: bool = True
    ) -> None:
        self.addresses = addresses
        self._lookup = lookup
        self._proxy = proxy  # the looked-up name is a proxy's (the checker's use)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        targets = self.addresses or await self._addresses(host, port)
        error: BaseException | None = None
        for address in targets:
            if not is_address(address):
                raise httpcore.ConnectError(f"{address}: not an IP address (names go through DNS)")
            protocol = _Protocol()
            try:
                async with asyncio.timeout(timeout):
                    await loop.create_connection(lambda p=protocol: p, address, port)  # type: ignore[misc]
                return _Stream(protocol, address)
            except TimeoutError as exc:
                error = _wrap(
                    httpcore.ConnectTimeout, f"connect to {address}:{port} timed out", exc
                )
            except OSError as exc:
                error = _wrap(
                    httpcore.ConnectError, f"{address}:{port}: {exc.strerror or exc}", exc
                )
        assert error is not None
        raise error

    async def _addresses(self, host: str, port: int) -> tuple[str, ...]:
        """A proxy's own host name, resolved by our resolver (never by the OS)."""
        if is_address(host.strip("[]")):
            return (host.strip("[]"),)
        if self._lookup is None:
            raise httpcore.ConnectError(f"{host}: no resolver to look the name up")
        try:
            return await self._lookup(host, port)
        except LinkFailure as exc:
            if self._proxy:  # the proxy's name, not the checked site's: a proxy failure
                raise httpcore.ProxyError(f"proxy {exc.detail}") from None
            raise httpcore.ConnectError(exc.detail) from None

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
