"""HTTP/1.1 over one pinned connection: a plain fast path, h11 (httpx's parser) for the rest.

httpcore's HTTP/1.1 connection guards every request with anyio locks whose
uncontended acquire still yields to the event loop, and traces each step;
measured in bench/check_quick.py that is ~70 µs of a ~400 µs budget per URL.
The checker sends one request at a time per connection (the scheduler owns
concurrency), so a lock-free loop is enough.

h11's state machine itself costs ~50 µs per request and answer. Most answers
are plain: an HTTP/1.1 status line, well-formed headers, a Content-Length
body (or none). Those are read here directly, with regexes that accept a
strict subset of what h11 accepts. Anything else (a request header h11 would
refuse, 1xx, HTTP/1.0, chunked or unframed bodies, obs-fold, stray bytes,
odd line ends, an oversized head) goes to h11 for that exchange, fed the
same request and every byte received so far, so such answers get exactly
h11's handling and errors. Errors are raised as httpcore exceptions, the
types the rest of the checker (errors.py) maps.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from functools import lru_cache

import h11
import httpcore

_READ = 64 * 1024
_MAX_HEAD = 100 * 1024  # larger response heads are refused (h11 raises a protocol error)

# Strict subsets of h11's grammar (h11/_abnf.py): what they refuse, h11 judges.
_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_VCHAR = rb"[\x21-\x7e\x80-\xff]"
_STATUS = re.compile(rb"HTTP/1\.1 ([2-9][0-9][0-9])(?: [\t\x20-\x7e\x80-\xff]*)?")
_FIELD = re.compile(_TOKEN + rb":[ \t]*((?:" + _VCHAR + rb"+(?:[ \t]+" + _VCHAR + rb"+)*)?)[ \t]*")
_REQUEST_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_REQUEST_VALUE = re.compile(r"(?:[\x21-\x7e]+(?:[ \t]+[\x21-\x7e]+)*)?")
_REQUEST_TARGET = re.compile(r"[\x21-\x7e]+")
_BLANK_LINE = re.compile(rb"\n\r?\n")  # where h11 ends a head
_MAX_LENGTH_DIGITS = 20  # h11's CONTENT_LENGTH_MAX_DIGITS
_FRAMING = frozenset({"host", "content-length", "transfer-encoding"})


def _request_bytes(method: str, target: str, headers: list[tuple[str, str]]) -> bytes | None:
    """What h11 would send for this bodiless request; None if h11 should look at it."""
    if not _REQUEST_TARGET.fullmatch(target) or not headers or headers[0][0] != "Host":
        return None
    lines = [f"{method} {target} HTTP/1.1\r\n"]
    for i, (name, value) in enumerate(headers):
        line = _header_line(name, value)
        if line is None or (i and name.lower() in _FRAMING):  # a second Host, or a body
            return None
        lines.append(line)
    lines.append("\r\n")
    return "".join(lines).encode("ascii")


@lru_cache(maxsize=4096)  # the same few headers (and a Host per origin) on every request
def _header_line(name: str, value: str) -> str | None:
    if not _REQUEST_NAME.fullmatch(name) or not _REQUEST_VALUE.fullmatch(value):
        return None
    return f"{name}: {value}\r\n"


class H11Connection:
    """One keep-alive HTTP/1.1 connection; `request()` then `body()` then `finish()`."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, keepalive: float) -> None:
        self._stream = stream
        self._keepalive = keepalive
        self._idle_since = time.monotonic()
        self.closed = False
        self._h11: h11.Connection | None = None  # this exchange is h11's
        self._busy = False  # an exchange started and not finished
        self._buffer = bytearray()  # received, not yet consumed (fast path)
        self._remaining = 0  # body bytes still to come (fast path)
        self._received = 0  # body bytes read (fast path)
        self._complete = False  # the answer was read to its end (fast path)
        self._keep = False  # the answer allows another request (fast path)

    def reusable(self) -> bool:
        """Idle, not expired, and the server has not closed it (or sent stray bytes)."""
        if self.closed or self._busy:
            return False
        if time.monotonic() - self._idle_since > self._keepalive:
            return False
        return not self._stream.get_extra_info("is_readable")

    async def request(
        self, method: str, target: str, headers: list[tuple[str, str]], timeout: float | None
    ) -> tuple[int, list[tuple[bytes, bytes]], str]:
        """Send a bodiless request; return (status, headers, http version) of the answer."""
        self._busy = True
        data = _request_bytes(method, target, headers)
        if data is None:
            self._h11 = self._new_h11()
            data = self._h11_send(self._h11, method, target, headers)
            await self._stream.write(data, timeout)
            return await self._h11_head(timeout)
        self._h11 = None
        await self._stream.write(data, timeout)
        buffer = self._buffer
        searched = 0
        while True:
            blank = _BLANK_LINE.search(buffer, searched)
            if blank is not None:
                break
            if len(buffer) > _MAX_HEAD:
                return await self._to_h11(method, target, headers, timeout)
            searched = max(0, len(buffer) - 2)
            data = await self._stream.read(_READ, timeout)
            if not data:
                raise httpcore.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
            buffer += data
        head = self._parse_head(buffer, blank.start(), blank.group(), method)
        if head is None:
            return await self._to_h11(method, target, headers, timeout)
        del buffer[: blank.end()]
        return head

    def _parse_head(
        self, buffer: bytearray, at: int, blank: bytes, method: str
    ) -> tuple[int, list[tuple[bytes, bytes]], str] | None:
        """The plain answer's head, or None for anything h11 should read."""
        if blank != b"\n\r\n" or at == 0 or buffer[at - 1] != 0x0D:
            return None
        lines = bytes(buffer[: at - 1]).split(b"\r\n")
        status_line = _STATUS.fullmatch(lines[0])
        if status_line is None:
            return None
        status = int(status_line.group(1))
        headers: list[tuple[bytes, bytes]] = []
        length: int | None = None
        keep = True
        for line in lines[1:]:
            field = _FIELD.fullmatch(line)
            if field is None:  # also obs-fold, bare CR or LF: h11's business
                return None
            name, _, _ = line.partition(b":")
            value = field.group(1)
            lower = name.lower()
            if lower == b"content-length":
                if length is not None or not value.isdigit() or len(value) > _MAX_LENGTH_DIGITS:
                    return None
                length = int(value)
            elif lower == b"transfer-encoding":
                return None
            elif lower == b"connection" and b"close" in (
                v.strip().lower() for v in value.split(b",")
            ):
                keep = False
            headers.append((name, value))
        if status in (204, 304) or method == "HEAD":
            length = 0
        elif length is None:  # read until close: h11's framing
            return None
        self._remaining = length
        self._complete = length == 0
        self._keep = keep
        return status, headers, "HTTP/1.1"

    async def body(self, timeout: float | None) -> AsyncIterator[bytes]:
        if self._h11 is not None:
            async for chunk in self._h11_body(timeout):
                yield chunk
            return
        buffer = self._buffer
        while self._remaining:
            if not buffer:
                data = await self._stream.read(_READ, timeout)
                if not data:
                    raise httpcore.RemoteProtocolError(
                        "peer closed connection without sending complete message body "
                        f"(received {self._received} bytes, "
                        f"expected {self._received + self._remaining})"
                    )
                buffer += data
            chunk = bytes(buffer[: self._remaining])
            del buffer[: len(chunk)]
            self._remaining -= len(chunk)
            self._received += len(chunk)
            yield chunk
        self._complete = True

    async def finish(self) -> None:
        """After the answer: keep the connection for the next request, or close it."""
        if self._h11 is not None:
            conn, self._h11 = self._h11, None
            if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                try:
                    conn.start_next_cycle()
                except h11.LocalProtocolError:
                    await self.aclose()
                    return
                if not conn.trailing_data[0]:
                    self._idle()
                    return
            await self.aclose()
            return
        if self._complete and self._keep and not self._buffer:
            self._idle()
            return
        await self.aclose()  # body left unread, stray bytes, or the server said close

    def _idle(self) -> None:
        self._busy = False
        self._complete = False
        self._received = 0
        self._idle_since = time.monotonic()

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            await self._stream.aclose()

    # -- h11, for everything that is not plain ----------------------------------
    @staticmethod
    def _new_h11() -> h11.Connection:
        return h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)

    @staticmethod
    def _h11_send(
        conn: h11.Connection, method: str, target: str, headers: list[tuple[str, str]]
    ) -> bytes:
        try:
            data = conn.send(h11.Request(method=method, target=target, headers=headers))
            return (data or b"") + (conn.send(h11.EndOfMessage()) or b"")
        except h11.LocalProtocolError as exc:
            raise httpcore.LocalProtocolError(str(exc)) from exc

    async def _to_h11(
        self, method: str, target: str, headers: list[tuple[str, str]], timeout: float | None
    ) -> tuple[int, list[tuple[bytes, bytes]], str]:
        """Hand this exchange to h11: the request it would have sent, the bytes received."""
        conn = self._h11 = self._new_h11()
        self._h11_send(conn, method, target, headers)  # the same bytes went out already
        received, self._buffer = bytes(self._buffer), bytearray()
        try:
            conn.receive_data(received)
        except h11.RemoteProtocolError as exc:
            raise httpcore.RemoteProtocolError(str(exc)) from exc
        return await self._h11_head(timeout)

    async def _h11_head(self, timeout: float | None) -> tuple[int, list[tuple[bytes, bytes]], str]:
        while True:
            event = await self._h11_next(timeout)
            if isinstance(event, h11.Response):
                version = "HTTP/" + event.http_version.decode("ascii", "replace")
                return event.status_code, list(event.headers.raw_items()), version
            if isinstance(event, h11.InformationalResponse):
                continue  # 100 Continue, 103 Early Hints: the real answer follows
            raise httpcore.RemoteProtocolError("Server disconnected without sending a response.")

    async def _h11_body(self, timeout: float | None) -> AsyncIterator[bytes]:
        while True:
            event = await self._h11_next(timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return

    async def _h11_next(self, timeout: float | None) -> object:
        conn = self._h11
        assert conn is not None
        while True:
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpcore.RemoteProtocolError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            data = await self._stream.read(_READ, timeout)
            if data == b"" and conn.their_state is h11.SEND_RESPONSE:
                raise httpcore.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
            try:
                conn.receive_data(data)
            except h11.RemoteProtocolError as exc:
                raise httpcore.RemoteProtocolError(str(exc)) from exc
