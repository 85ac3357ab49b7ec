"""The HTTP/1.1 fast path reads plain answers exactly as h11 does, and hands h11 the rest."""

from __future__ import annotations

import asyncio
import typing

import httpcore
import pytest

from audit.check import http11
from audit.check.http11 import H11Connection

HEADERS = [("Host", "example.org"), ("User-Agent", "audit/test"), ("Accept", "*/*")]


class _Stream(httpcore.AsyncNetworkStream):
    """Answers with the given pieces, then end of stream; records what was written."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = list(pieces)
        self.written = b""

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.pieces.pop(0) if self.pieces else b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.written += buffer

    async def aclose(self) -> None:
        pass

    def get_extra_info(self, info: str) -> typing.Any:
        return False if info == "is_readable" else None


def _exchange(pieces: list[bytes], method: str = "GET", *, fast: bool = True) -> tuple[object, ...]:
    """(status, headers, version, body, reusable, sent) or (exception type, message, sent)."""

    async def go() -> tuple[object, ...]:
        stream = _Stream(pieces)
        conn = H11Connection(stream, keepalive=60)
        try:
            status, headers, version = await conn.request(method, "/a?b=1", HEADERS, None)
            body = b""
            if status not in (204, 304) and method != "HEAD":
                async for chunk in conn.body(None):
                    body += chunk
            await conn.finish()
        except httpcore.NetworkError as exc:
            return type(exc), str(exc), stream.written
        except httpcore.ProtocolError as exc:
            return type(exc), str(exc), stream.written
        return status, headers, version, body, conn.reusable(), stream.written

    if fast:
        return asyncio.run(go())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(http11, "_request_bytes", lambda *_: None)  # h11 for everything
        return asyncio.run(go())


OK = b"HTTP/1.1 200 OK\r\n"
PLAIN = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"
ANSWERS = {
    "plain": [PLAIN],
    "plain in pieces": [PLAIN[:7], PLAIN[7:30], PLAIN[30:62], PLAIN[62:], b""],
    "no reason": [b"HTTP/1.1 404\r\nContent-Length: 2\r\n\r\nno"],
    "spaces around values": [b"HTTP/1.1 200 OK\r\nServer:   x  y \t\r\nContent-Length: 0\r\n\r\n"],
    "empty value": [b"HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length: 1\r\n\r\n!"],
    "connection close": [
        b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok"
    ],
    "chunked": [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"
    ],
    "http/1.0 until close": [b"HTTP/1.0 200 OK\r\n\r\nall of it"],
    "no length until close": [b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nuntil close"],
    "100 continue first": [
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"
    ],
    "obs-fold": [b"HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\nContent-Length: 1\r\n\r\nx"],
    "bare LF": [b"HTTP/1.1 200 OK\nContent-Length: 1\n\nx"],
    "mixed line ends": [b"HTTP/1.1 200 OK\r\nA: 1\nContent-Length: 1\r\n\r\nx"],
    "duplicate equal lengths": [
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"
    ],
    "conflicting lengths": [b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx"],
    "bad length": [b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nx"],
    "short body": [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"],
    "no answer": [],
    "half a head": [b"HTTP/1.1 200 OK\r\nContent-Le"],
    "garbage": [b"SSH-2.0-OpenSSH_9.6\r\n\r\n"],
    "bad header name": [b"HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n"],
    "control character": [b"HTTP/1.1 200 OK\r\nX: a\x01b\r\nContent-Length: 0\r\n\r\n"],
    "obs-text value": [b"HTTP/1.1 200 OK\r\nX: caf\xe9\r\nContent-Length: 0\r\n\r\n"],
    "status 999": [b"HTTP/1.1 999 Request denied\r\nContent-Length: 0\r\n\r\n"],
    "stray bytes after body": [PLAIN + b"HTTP/1.1 200 OK\r\n"],
    "huge head": [b"HTTP/1.1 200 OK\r\n" + b"X: " + b"a" * 200_000 + b"\r\n\r\n"],
    "leading blank line": [b"\r\n" + PLAIN],
}


@pytest.mark.parametrize("name", list(ANSWERS))
def test_fast_path_answers_as_h11(name: str) -> None:
    fast, slow = _exchange(ANSWERS[name]), _exchange(ANSWERS[name], fast=False)
    assert fast == slow


@pytest.mark.parametrize("status", [204, 304])
def test_bodiless_answers_keep_the_connection(status: int) -> None:
    fast = _exchange([f"HTTP/1.1 {status} X\r\nContent-Length: 7\r\n\r\n".encode()])
    slow = _exchange([f"HTTP/1.1 {status} X\r\nContent-Length: 7\r\n\r\n".encode()], fast=False)
    assert fast[:4] == slow[:4] and fast[5] == slow[5]
    assert fast[4] is True  # h11 would have needed one more event to say so; it closed


def test_head_answer_has_no_body() -> None:
    fast = _exchange([b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"], "HEAD")
    assert fast[:4] == (200, [(b"Content-Length", b"50")], "HTTP/1.1", b"")
    assert fast[4] is True


def test_request_bytes_are_h11s() -> None:
    sent = _exchange([PLAIN])[-1]
    assert sent == _exchange([PLAIN], fast=False)[-1]
    assert sent == (
        b"GET /a?b=1 HTTP/1.1\r\nHost: example.org\r\nUser-Agent: audit/test\r\nAccept: */*\r\n\r\n"
    )


@pytest.mark.parametrize(
    "headers",
    [
        [*HEADERS, ("Cookie", "a=b\r\nX-Injected: 1")],
        [*HEADERS, ("Cookie", "a=é")],
        [*HEADERS, ("Host", "other.example")],
        [("User-Agent", "no host")],
    ],
)
def test_requests_h11_would_refuse_go_to_h11(headers: list[tuple[str, str]]) -> None:
    assert http11._request_bytes("GET", "/", headers) is None


def test_a_kept_connection_serves_the_next_request() -> None:
    async def go() -> list[bytes]:
        stream = _Stream([PLAIN, PLAIN.replace(b"hello", b"again")])
        conn = H11Connection(stream, keepalive=60)
        bodies = []
        for _ in range(2):
            assert (await conn.request("GET", "/", HEADERS, None))[0] == 200
            bodies.append(b"".join([c async for c in conn.body(None)]))
            await conn.finish()
            assert conn.reusable()
        return bodies

    assert asyncio.run(go()) == [b"hello", b"again"]
