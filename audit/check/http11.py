"""HTTP/1.1 over one pinned connection, answers read by llhttp (httptools, as in uvicorn).

httpcore's HTTP/1.1 connection guards every request with anyio locks whose
uncontended acquire still yields to the event loop, and traces each step;
measured in bench/check_quick.py that is ~70 µs of a ~400 µs budget per URL.
The checker sends one request at a time per connection (the scheduler owns
concurrency), so a lock-free loop is enough.

Answers are parsed by llhttp, Node's C parser: linear in its input whatever
the bytes (a hand-written regex here once went quadratic on a header of
spaces ending in a control byte), strict by default; one leniency is on, bare LF
line ends, because h11 (httpx's parser) accepted them and old servers send
them. The head is capped at `_MAX_HEAD` bytes (llhttp has no
limit of its own). Errors are raised as httpcore exceptions, the types the
rest of the checker (errors.py) maps.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from functools import lru_cache

import httpcore
import httptools

_READ = 64 * 1024
_MAX_HEAD = 100 * 1024  # larger response heads are refused (a protocol error)

_REQUEST_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Our own request's values (cookies come from answers: latin-1 obs-text is kept as sent).
_REQUEST_VALUE = re.compile(r"(?:[\x21-\x7e\x80-\xff]+(?:[ \t]+[\x21-\x7e\x80-\xff]+)*)?")
_REQUEST_TARGET = re.compile(r"[\x21-\x7e]+")
_FRAMING = frozenset({"host", "content-length", "transfer-encoding"})
_OWS = b" \t"
_DISCONNECTED = "Server disconnected without sending a response."


def request_bytes(method: str, target: str, headers: list[tuple[str, str]]) -> bytes:
    """The bodiless request, in one buffer (one socket write); refuses what could split it."""
    if not _REQUEST_TARGET.fullmatch(target):
        raise httpcore.LocalProtocolError(f"illegal request target {target[:80]!r}")
    if not headers or headers[0][0] != "Host":
        raise httpcore.LocalProtocolError("the Host header must come first")
    lines = [f"{method} {target} HTTP/1.1\r\n"]
    for i, (name, value) in enumerate(headers):
        # cookies come from answers: long values are not kept in the cache
        line = _header_line(name, value) if len(value) <= 256 else _check_line(name, value)
        if line is None:
            raise httpcore.LocalProtocolError(f"illegal request header {name[:80]!r}")
        if i and name.lower() in _FRAMING:  # a second Host, or a body
            raise httpcore.LocalProtocolError(f"unexpected request header {name!r}")
        lines.append(line)
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")


def _check_line(name: str, value: str) -> str | None:
    if not _REQUEST_NAME.fullmatch(name) or not _REQUEST_VALUE.fullmatch(value):
        return None
    return f"{name}: {value}\r\n"


# the same few headers (and a Host per origin) on every request
_header_line = lru_cache(maxsize=4096)(_check_line)


class _Exchange:
    """llhttp's callbacks for one answer: its head, the body pieces not yet handed on."""

    __slots__ = (
        "complete",
        "head_done",
        "head_only",
        "headers",
        "keep",
        "parser",
        "pieces",
        "status",
        "stray",
        "until_close",
    )

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.parser.set_dangerous_leniencies(lenient_optional_cr_before_lf=True)
        self.start("GET")

    def start(self, method: str) -> None:
        """Ready for the next answer (llhttp's state carries over after a complete one)."""
        self.headers: list[tuple[bytes, bytes]] = []
        self.pieces: list[bytes] = []
        self.status = 0
        self.head_done = False
        self.complete = False  # the answer was read to its end
        self.stray = False  # bytes beyond the answer: the connection is not reused
        self.until_close = False  # no framing: the body ends when the server closes
        self.keep = False  # the answer allows another request on the connection
        self.head_only = method == "HEAD"

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value.rstrip(_OWS)))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200:  # 100 Continue, 103 Early Hints: the real answer follows
            self.headers = []
            return
        self.status = status
        self.head_done = True
        if self.head_only:
            self.complete = True
            self.keep = self.parser.should_keep_alive()
            return
        if status in (204, 304):
            return
        names = {name.lower() for name, _ in self.headers}
        self.until_close = b"content-length" not in names and b"transfer-encoding" not in names

    def on_body(self, data: bytes) -> None:
        if self.complete:  # after a HEAD answer: not ours
            self.stray = True
        else:
            self.pieces.append(data)

    def on_message_begin(self) -> None:
        if self.complete:
            self.stray = True

    def on_message_complete(self) -> None:
        if self.head_done and not self.complete:
            self.complete = True
            self.keep = self.parser.should_keep_alive()  # llhttp resets it for the next one

    def feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if not self.complete:
                raise httpcore.RemoteProtocolError("unexpected protocol switch") from None
            self.stray = True
        except httptools.HttpParserError as exc:
            if not self.complete:
                raise httpcore.RemoteProtocolError(str(exc) or type(exc).__name__) from None
            self.stray = True  # garbage after a complete answer: the next one is not read

    def headed(self) -> bool:
        return self.head_done

    def keep_alive(self) -> bool:
        return self.complete and self.keep and not self.stray


class Http11Connection:
    """One keep-alive HTTP/1.1 connection; `request()` then `body()` then `finish()`."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, keepalive: float) -> None:
        self._stream = stream
        self._keepalive = keepalive
        self._idle_since = time.monotonic()
        self.closed = False
        self._busy = False  # an exchange started and not finished
        self._exchange: _Exchange | None = None
        # the last answer's parser, when it ended cleanly: a new one costs ~2% of a check
        self._spare: _Exchange | None = None
        self._received = 0  # body bytes handed on

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
        data = request_bytes(method, target, headers)
        exchange, self._spare = self._spare or _Exchange(), None
        exchange.start(method)
        self._exchange = exchange
        self._received = 0
        await self._stream.write(data, timeout)
        head = 0
        while not exchange.headed():
            data = await self._stream.read(_READ, timeout)
            if not data:
                raise httpcore.RemoteProtocolError(_DISCONNECTED)
            room = _MAX_HEAD - head
            head += len(data)
            if len(data) > room:  # llhttp has no limit of its own
                exchange.feed(data[:room])
                if not exchange.headed():
                    raise httpcore.RemoteProtocolError(f"response head over {_MAX_HEAD} bytes")
                data = data[room:]
            exchange.feed(data)
        version = "HTTP/" + exchange.parser.get_http_version()
        return exchange.status, exchange.headers, version

    async def body(self, timeout: float | None) -> AsyncIterator[bytes]:
        exchange = self._exchange
        assert exchange is not None
        while True:
            if exchange.pieces:
                pieces, exchange.pieces = exchange.pieces, []
                for piece in pieces:
                    self._received += len(piece)
                    yield piece
                continue
            if exchange.complete:
                return
            data = await self._stream.read(_READ, timeout)
            if not data:
                if exchange.until_close:
                    exchange.complete, exchange.stray = True, True  # and the connection ends
                    return
                raise httpcore.RemoteProtocolError(
                    "peer closed connection without sending complete message body "
                    f"(received {self._received} bytes)"
                )
            exchange.feed(data)

    async def finish(self) -> None:
        """After the answer: keep the connection for the next request, or close it."""
        exchange, self._exchange = self._exchange, None
        if exchange is not None and exchange.keep_alive() and not exchange.pieces:
            if not exchange.head_only:  # llhttp would read the next answer as its body
                self._spare = exchange
            self._busy = False
            self._idle_since = time.monotonic()
            return
        await self.aclose()  # body left unread, stray bytes, or the server said close

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            await self._stream.aclose()
