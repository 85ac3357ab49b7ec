"""Every parser and regex that sees response bytes is linear: pathological input
(long runs, unclosed constructs, control bytes, 1 MB) ends within a time budget.

The budget is generous (the machine is shared); what it catches is quadratic
work, which on these inputs costs tens of seconds to hours (issue 18: a header
of 100k spaces ending in a control byte cost 40 s, an unclosed <title> ~3 s
per 64 KB page).
"""

from __future__ import annotations

import asyncio
import time
import typing
from collections.abc import Callable

import httpcore
import pytest

from audit.check import bounds, signatures
from audit.check.fingerprint import decode, fingerprint, page_text, quick_page, read_page, simhash
from audit.check.http11 import Http11Connection
from audit.retryafter import parse_retry_after

BUDGET_S = 1.5
MB = 1 << 20

# Long runs of what the grammars repeat, constructs left open, control bytes.
TEXTS = {
    "spaces": " " * MB,
    "spaces then a control byte": " " * MB + "\x01",
    "tabs and spaces": " \t" * (MB // 2) + "\x00",
    "letters": "a" * MB,
    "angle brackets": "<" * MB,
    "unclosed <title": "<title" * (MB // 6),
    "unclosed <title>": "<title>" + "x " * (MB // 2),
    "many <title>": "<title>" * (MB // 7),
    "unclosed <meta": "<meta" * (MB // 5),
    "unclosed comments": "<!--" * (MB // 4),
    "unclosed scripts": "<script>" * (MB // 8),
    "deep nesting": "<div>" * (MB // 5),
    "control bytes": "\x00\x01\x02\x1b" * (MB // 4),
    "error then dashes": "error" + "-" * MB + "40",
    "separators then a word": "\u2028" * MB + "nicht gefunden",
    "digits": "4" * MB,
    "slashes": "/" * MB,
    "domain phrases": ("domain " + "x" * 59) * (MB // 66),
    "entities": "&#" * (MB // 2),
    "distinct words": " ".join(f"w{i}" for i in range(MB // 8)),
}


def _within_budget(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    assert elapsed < BUDGET_S, f"{elapsed:.2f} s"
    return elapsed


@pytest.mark.parametrize("name", list(TEXTS))
def test_page_analysis_is_linear(name: str) -> None:
    markup = TEXTS[name]
    body = markup.encode("utf-8")

    def analyse() -> None:
        page = read_page(body, "text/html")
        fingerprint("http://example.org/", page)
        quick = quick_page(decode(body, "text/html; charset=utf-8"))
        for p in (page, quick):
            signatures.soft404_cues(p)
            signatures.parked_cues(p, "example.org")
            signatures.challenge_cues(p, [("cf-mitigated", markup)])
        # a URL from an answer is within its 100 KB head (http11.py)
        location = markup[:100_000]
        signatures.url_cues("http://example.org/a", "http://example.org/" + location, True)

    _within_budget(analyse)


@pytest.mark.parametrize("name", ["unclosed <title", "unclosed <title>", "many <title>"])
def test_titles_are_bounded(name: str) -> None:
    page = page_text(TEXTS[name] + "</title>")
    quick = quick_page(TEXTS[name] + "</title>")
    assert len(page.title) <= 2048 and len(quick.title) <= 2048
    assert all(len(h) <= 2048 for h in page_text("<h1>" + "x " * MB + "</h1>").headings)


def test_simhash_of_a_large_page_is_fast() -> None:
    _within_budget(lambda: simhash(TEXTS["distinct words"]))


@pytest.mark.parametrize("name", list(TEXTS))
def test_retry_after_is_linear(name: str) -> None:
    _within_budget(lambda: parse_retry_after(TEXTS[name]))
    _within_budget(lambda: parse_retry_after("Mon, " + TEXTS[name]))


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, data: bytes) -> None:
        self.pieces = [data[i : i + 65536] for i in range(0, len(data), 65536)]

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.pieces.pop(0) if self.pieces else b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        pass

    async def aclose(self) -> None:
        pass

    def get_extra_info(self, info: str) -> typing.Any:
        return None


HEADS = {
    "spaces then a control byte": b"HTTP/1.1 200 OK\r\nX:" + b" " * 100_000 + b"\x01\r\n\r\n",
    "spaces then a word": b"HTTP/1.1 200 OK\r\nX: a"
    + b" " * 90_000
    + b"b\r\nContent-Length: 0\r\n\r\n",
    "tabs in a value": b"HTTP/1.1 200 OK\r\nX: "
    + b"a\t" * 45_000
    + b"\r\nContent-Length: 0\r\n\r\n",
    "one huge line": b"HTTP/1.1 200 OK\r\nX: " + b"a" * MB,
    "many headers": b"HTTP/1.1 200 OK\r\n" + b"A: b\r\n" * 200_000 + b"\r\n",
    "colons": b"HTTP/1.1 200 OK\r\n" + b":" * MB,
    "a long status line": b"HTTP/1.1 200 " + b"O" * MB,
    "line ends only": b"HTTP/1.1 200 OK" + b"\r\n" * (MB // 2),
    "bare CRs": b"HTTP/1.1 200 OK\r\nX: a" + b"\r" * MB,
    "control bytes": b"\x00\x01\x02\x1b" * (MB // 4),
    "chunk sizes": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * MB,
    "chunk extensions": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + b"x" * MB,
}


@pytest.mark.parametrize("name", list(HEADS))
def test_the_http_parser_is_linear(name: str) -> None:
    async def exchange() -> None:
        conn = Http11Connection(_Stream(HEADS[name]), keepalive=60)
        try:
            await conn.request("GET", "/", [("Host", "example.org")], None)
            async for _ in conn.body(None):
                pass
        except httpcore.ProtocolError:
            pass  # refusing is fine; taking long is not

    _within_budget(lambda: asyncio.run(exchange()))


@pytest.mark.parametrize("length", [0, 10, 1024, 1025, 5000, MB])
def test_cut_values_stay_within_their_cap(length: int) -> None:
    text = "é" * length
    kept = bounds.cut(text, 1024)
    assert len(kept) <= 1024
    assert bounds.cut(kept, 1024) == kept  # cutting again changes nothing
    assert (kept == text) is (length <= 1024)
    if length > 1024:
        assert kept.startswith("é" * 900) and f"[cut: {length} chars, sha256 " in kept
        assert bounds.cut(text[:-1] + "x", 1024) != kept  # different values stay apart
