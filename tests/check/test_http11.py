"""HTTP/1.1 answers as llhttp reads them: framing, keep-alive, errors, and the bounded head."""

from __future__ import annotations

import asyncio
import typing

import httpcore
import pytest

from audit.check import http11
from audit.check.http11 import Http11Connection

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


def _exchange(pieces: list[bytes], method: str = "GET") -> tuple[object, ...]:
    """(status, headers, version, body, reusable, sent) or (exception type, message, sent)."""

    async def go() -> tuple[object, ...]:
        stream = _Stream(pieces)
        conn = Http11Connection(stream, keepalive=60)
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

    return asyncio.run(go())


OK = b"HTTP/1.1 200 OK\r\n"
PLAIN = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"
CL = (b"Content-Length", b"1")
# name: (pieces, status, headers, body, reusable); h11 (httpx's parser) reads these alike.
ANSWERS: dict[str, tuple[list[bytes], int, list[tuple[bytes, bytes]], bytes, bool]] = {
    "plain": (
        [PLAIN],
        200,
        [(b"Content-Type", b"text/html"), (b"Content-Length", b"5")],
        b"hello",
        True,
    ),
    "plain in pieces": (
        [PLAIN[:7], PLAIN[7:30], PLAIN[30:62], PLAIN[62:], b""],
        200,
        [(b"Content-Type", b"text/html"), (b"Content-Length", b"5")],
        b"hello",
        True,
    ),
    "no reason": (
        [b"HTTP/1.1 404\r\nContent-Length: 2\r\n\r\nno"],
        404,
        [(b"Content-Length", b"2")],
        b"no",
        True,
    ),
    "spaces around values": (
        [b"HTTP/1.1 200 OK\r\nServer:   x  y \t\r\nContent-Length: 0\r\n\r\n"],
        200,
        [(b"Server", b"x  y"), (b"Content-Length", b"0")],
        b"",
        True,
    ),
    "empty value": (
        [b"HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length: 1\r\n\r\n!"],
        200,
        [(b"X-Empty", b""), CL],
        b"!",
        True,
    ),
    "connection close": (
        [b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok"],
        200,
        [(b"Connection", b"keep-alive, Close"), (b"Content-Length", b"2")],
        b"ok",
        False,
    ),
    "chunked": (
        [
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"
        ],
        200,
        [(b"Transfer-Encoding", b"chunked")],
        b"abcde",
        True,
    ),
    "chunked in pieces": (
        [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r", b"\nab", b"c\r\n0\r\n\r\n"],
        200,
        [(b"Transfer-Encoding", b"chunked")],
        b"abc",
        True,
    ),
    "http/1.0 until close": ([b"HTTP/1.0 200 OK\r\n\r\nall of it"], 200, [], b"all of it", False),
    "no length until close": (
        [b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nuntil ", b"close"],
        200,
        [(b"Server", b"x")],
        b"until close",
        False,
    ),
    "100 continue first": (
        [b"HTTP/1.1 100 Continue\r\nX: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"],
        200,
        [CL],
        b"x",
        True,
    ),
    "bare LF": ([b"HTTP/1.1 200 OK\nContent-Length: 1\n\nx"], 200, [CL], b"x", True),
    "mixed line ends": (
        [b"HTTP/1.1 200 OK\r\nA: 1\nContent-Length: 1\r\n\r\nx"],
        200,
        [(b"A", b"1"), CL],
        b"x",
        True,
    ),
    "obs-text value": (
        [b"HTTP/1.1 200 OK\r\nX: caf\xe9\r\nContent-Length: 0\r\n\r\n"],
        200,
        [(b"X", b"caf\xe9"), (b"Content-Length", b"0")],
        b"",
        True,
    ),
    "status 999": (
        [b"HTTP/1.1 999 Request denied\r\nContent-Length: 0\r\n\r\n"],
        999,
        [(b"Content-Length", b"0")],
        b"",
        True,
    ),
    "stray bytes after body": (
        [PLAIN + b"HTTP/1.1 200 OK\r\n"],
        200,
        [(b"Content-Type", b"text/html"), (b"Content-Length", b"5")],
        b"hello",
        False,
    ),
    "garbage after body": (
        [PLAIN + b"\x00\x01garbage"],
        200,
        [(b"Content-Type", b"text/html"), (b"Content-Length", b"5")],
        b"hello",
        False,
    ),
    # h11 refused this one ("no response line"); llhttp skips the stray line end.
    "leading blank line": (
        [b"\r\n" + PLAIN],
        200,
        [(b"Content-Type", b"text/html"), (b"Content-Length", b"5")],
        b"hello",
        True,
    ),
}
# name: (pieces, message); the last three h11 accepted: llhttp is stricter, as RFC 9112 allows.
REFUSED = {
    "conflicting lengths": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx"],
        "Duplicate Content-Length",
    ),
    "bad length": ([b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nx"], "Content-Length"),
    "short body": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"],
        "peer closed connection without sending complete message body (received 3 bytes)",
    ),
    "short chunked body": (
        [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"],
        "peer closed connection without sending complete message body",
    ),
    "no answer": ([], "Server disconnected without sending a response."),
    "half a head": ([b"HTTP/1.1 200 OK\r\nContent-Le"], "Server disconnected"),
    "garbage": ([b"SSH-2.0-OpenSSH_9.6\r\n\r\n"], "Expected HTTP/"),
    "bad header name": (
        [b"HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n"],
        "Invalid header token",
    ),
    "huge head": (
        [b"HTTP/1.1 200 OK\r\n" + b"X: " + b"a" * 200_000 + b"\r\n\r\n"],
        "response head over",
    ),
    "huge head in pieces": (
        [b"HTTP/1.1 200 OK\r\n"] + [b"X: " + b"a" * 1000 + b"\r\n"] * 200,
        "response head over",
    ),
    "switching protocols": (
        [b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n"],
        "unexpected protocol switch",
    ),
    "obs-fold": (
        [b"HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\nContent-Length: 1\r\n\r\nx"],
        "whitespace",
    ),
    "duplicate equal lengths": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"],
        "Duplicate Content-Length",
    ),
    "control character": (
        [b"HTTP/1.1 200 OK\r\nX: a\x01b\r\nContent-Length: 0\r\n\r\n"],
        "Invalid header value char",
    ),
}


@pytest.mark.parametrize("name", list(ANSWERS))
def test_answers_are_read(name: str) -> None:
    pieces, status, headers, body, reusable = ANSWERS[name]
    assert _exchange(pieces)[:5] == (
        status,
        headers,
        f"HTTP/1.{0 if '1.0' in name else 1}",
        body,
        reusable,
    )


@pytest.mark.parametrize("name", list(REFUSED))
def test_broken_answers_are_protocol_errors(name: str) -> None:
    pieces, message = REFUSED[name]
    kind, text, _ = _exchange(pieces)
    assert kind is httpcore.RemoteProtocolError
    assert message in str(text)


@pytest.mark.parametrize("status", [204, 304])
def test_bodiless_answers_keep_the_connection(status: int) -> None:
    answer = _exchange([f"HTTP/1.1 {status} X\r\nContent-Length: 7\r\n\r\n".encode()])
    assert answer[:5] == (status, [(b"Content-Length", b"7")], "HTTP/1.1", b"", True)


def test_head_answer_has_no_body() -> None:
    answer = _exchange([b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"], "HEAD")
    assert answer[:5] == (200, [(b"Content-Length", b"50")], "HTTP/1.1", b"", True)


def test_bytes_after_a_head_answer_end_the_connection() -> None:
    answer = _exchange([b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"], "HEAD")
    assert answer[:5] == (200, [(b"Content-Length", b"5")], "HTTP/1.1", b"", False)


def test_the_request_is_one_write() -> None:
    async def go() -> list[bytes]:
        stream = _Stream([PLAIN])
        writes: list[bytes] = []

        async def write(buffer: bytes, timeout: float | None = None) -> None:
            writes.append(buffer)

        stream.write = write  # type: ignore[method-assign]
        conn = Http11Connection(stream, keepalive=60)
        await conn.request("GET", "/a?b=1", HEADERS, None)
        return writes

    assert asyncio.run(go()) == [
        b"GET /a?b=1 HTTP/1.1\r\nHost: example.org\r\nUser-Agent: audit/test\r\nAccept: */*\r\n\r\n"
    ]


def test_cookie_values_keep_their_latin1_bytes() -> None:
    sent = http11.request_bytes("GET", "/", [*HEADERS, ("Cookie", "a=é")])
    assert sent.endswith(b"Cookie: a=\xe9\r\n\r\n")


@pytest.mark.parametrize(
    ("target", "headers"),
    [
        ("/", [*HEADERS, ("Cookie", "a=b\r\nX-Injected: 1")]),
        ("/", [*HEADERS, ("Cookie", "a=\u0100")]),
        ("/", [*HEADERS, ("Host", "other.example")]),
        ("/", [*HEADERS, ("Content-Length", "5")]),
        ("/", [("User-Agent", "no host")]),
        ("/a b", HEADERS),
        ("/a\r\nX: 1", HEADERS),
    ],
)
def test_requests_that_could_be_split_are_refused(
    target: str, headers: list[tuple[str, str]]
) -> None:
    with pytest.raises(httpcore.LocalProtocolError):
        http11.request_bytes("GET", target, headers)


def test_a_kept_connection_serves_the_next_request() -> None:
    async def go() -> list[bytes]:
        stream = _Stream([PLAIN, PLAIN.replace(b"hello", b"again")])
        conn = Http11Connection(stream, keepalive=60)
        bodies = []
        for _ in range(2):
            assert (await conn.request("GET", "/", HEADERS, None))[0] == 200
            bodies.append(b"".join([c async for c in conn.body(None)]))
            await conn.finish()
            assert conn.reusable()
        return bodies

    assert asyncio.run(go()) == [b"hello", b"again"]


def test_a_body_left_unread_closes_the_connection() -> None:
    async def go() -> tuple[bool, bool]:
        stream = _Stream([PLAIN[:-3], PLAIN[-3:]])
        conn = Http11Connection(stream, keepalive=60)
        await conn.request("GET", "/", HEADERS, None)
        await conn.finish()
        return conn.reusable(), conn.closed

    assert asyncio.run(go()) == (False, True)


def test_one_connection_reads_answers_of_every_framing_in_turn() -> None:
    """The parser of a clean answer reads the next one (after a HEAD answer: a new one)."""
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"
    answers = [
        ("GET", chunked, b"ab"),
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", b""),
        ("GET", b"HTTP/1.1 204 No Content\r\n\r\n", b""),
        ("GET", b"HTTP/1.1 100 Continue\r\n\r\n" + PLAIN, b"hello"),
        ("GET", PLAIN.replace(b"hello", b"again"), b"again"),
    ]

    async def go() -> list[tuple[int, bytes]]:
        stream = _Stream([data for _, data, _ in answers])
        conn = Http11Connection(stream, keepalive=60)
        got = []
        for method, _, _ in answers:
            status, _, _ = await conn.request(method, "/", HEADERS, None)
            body = b""
            if method != "HEAD" and status != 204:
                body = b"".join([c async for c in conn.body(None)])
            await conn.finish()
            assert conn.reusable()
            got.append((status, body))
        return got

    assert asyncio.run(go()) == [
        (200, b"ab"),
        (200, b""),
        (204, b""),
        (200, b"hello"),
        (200, b"again"),
    ]
