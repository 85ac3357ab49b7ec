"""HTTP/1.1 over one pinned connection: h11 (httpx's own parser) without httpcore's wrapper.

httpcore's HTTP/1.1 connection guards every request with anyio locks whose
uncontended acquire still yields to the event loop, and traces each step;
measured in bench/check_quick.py that is ~70 µs of a ~400 µs budget per URL.
The checker sends one request at a time per connection (the scheduler owns
concurrency), so a lock-free loop around h11 is enough. Errors are raised as
httpcore exceptions, the same types the rest of the checker (errors.py) maps.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import h11
import httpcore

_READ = 64 * 1024
_MAX_HEAD = 100 * 1024  # larger response heads are refused (h11 raises a protocol error)


class H11Connection:
    """One keep-alive HTTP/1.1 connection; `request()` then `body()` then `finish()`."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, keepalive: float) -> None:
        self._stream = stream
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)
        self._keepalive = keepalive
        self._idle_since = time.monotonic()
        self.closed = False

    def reusable(self) -> bool:
        """Idle, not expired, and the server has not closed it (or sent stray bytes)."""
        if self.closed or self._h11.our_state is not h11.IDLE:
            return False
        if time.monotonic() - self._idle_since > self._keepalive:
            return False
        return not self._stream.get_extra_info("is_readable")

    async def request(
        self, method: str, target: str, headers: list[tuple[str, str]], timeout: float | None
    ) -> tuple[int, list[tuple[bytes, bytes]], str]:
        """Send a bodiless request; return (status, headers, http version) of the answer."""
        try:
            data = self._h11.send(h11.Request(method=method, target=target, headers=headers))
            data = (data or b"") + (self._h11.send(h11.EndOfMessage()) or b"")
        except h11.LocalProtocolError as exc:
            raise httpcore.LocalProtocolError(str(exc)) from exc
        await self._stream.write(data, timeout)
        while True:
            event = await self._next(timeout)
            if isinstance(event, h11.Response):
                version = "HTTP/" + event.http_version.decode("ascii", "replace")
                return event.status_code, list(event.headers.raw_items()), version
            if isinstance(event, h11.InformationalResponse):
                continue  # 100 Continue, 103 Early Hints: the real answer follows
            raise httpcore.RemoteProtocolError("Server disconnected without sending a response.")

    async def body(self, timeout: float | None) -> AsyncIterator[bytes]:
        while True:
            event = await self._next(timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return

    async def _next(self, timeout: float | None) -> object:
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpcore.RemoteProtocolError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            data = await self._stream.read(_READ, timeout)
            if data == b"" and self._h11.their_state is h11.SEND_RESPONSE:
                raise httpcore.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
            try:
                self._h11.receive_data(data)
            except h11.RemoteProtocolError as exc:
                raise httpcore.RemoteProtocolError(str(exc)) from exc

    async def finish(self) -> None:
        """After the answer: keep the connection for the next request, or close it."""
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            try:
                self._h11.start_next_cycle()
            except h11.LocalProtocolError:
                await self.aclose()
                return
            self._idle_since = time.monotonic()
            return
        await self.aclose()  # body left unread, or the server said close: never drain

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            await self._stream.aclose()
