"""The per-endpoint limiter and the request layer's handling of 429, 5xx and transport errors."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from audit.archive._http import Endpoint, Unavailable
from audit.archive.ratelimit import Limiter, PausedTooLong
from tests.servers.web import Reply, Request, WebServer


def test_limiter_spaces_requests_evenly() -> None:
    async def go() -> float:
        limiter = Limiter("t", 600, max_wait=5)  # one per 0.1 s
        started = time.monotonic()
        for _ in range(4):
            await limiter.acquire()
        return time.monotonic() - started

    assert 0.28 <= asyncio.run(go()) < 1.5


def test_limiter_pause_is_shared_and_bounded() -> None:
    async def go() -> None:
        limiter = Limiter("t", 0, max_wait=0.5)
        limiter.pause(0.2)
        started = time.monotonic()
        await asyncio.gather(limiter.acquire(), limiter.acquire())
        assert time.monotonic() - started >= 0.19
        limiter.pause(30)
        with pytest.raises(PausedTooLong):
            await limiter.acquire()
        assert limiter.strikes == 2 and limiter.paused_for > 29

    asyncio.run(go())


def _request(server: WebServer, path: str, *, retries: int = 2, pause: float = 0.05) -> str:
    async def go() -> str:
        async with httpx.AsyncClient(timeout=5) as client:
            endpoint = Endpoint(
                client,
                Limiter("t", 0, max_wait=5),
                retries=retries,
                backoff=0.01,
                default_pause=pause,
                max_wait=5,
            )
            answer = await endpoint.request("GET", server.url(path))
            return f"{answer.status} {answer.text}"

    return asyncio.run(go())


def test_5xx_is_retried_then_succeeds(web: WebServer) -> None:
    answers = iter([Reply(502, "bad"), Reply(503, "busy"), Reply(200, "ok")])
    web.route("/x", lambda _req: next(answers))
    assert _request(web, "/x") == "200 ok"
    assert web.hits("/x") == 3


def test_5xx_beyond_the_retries_is_unavailable(web: WebServer) -> None:
    web.route("/x", Reply(504, "<h1>Gateway Time-out</h1>"))
    with pytest.raises(Unavailable, match="HTTP 504"):
        _request(web, "/x", retries=1)
    assert web.hits("/x") == 2


def test_429_html_without_retry_after_uses_the_default_pause(web: WebServer) -> None:
    answers = iter([Reply(429, "<html>Too Many Requests</html>"), Reply(200, "fine")])
    web.route("/x", lambda _req: next(answers))
    started = time.monotonic()
    assert _request(web, "/x", pause=0.3) == "200 fine"
    assert time.monotonic() - started >= 0.29


def test_repeated_429_gives_up_as_rate_limited(web: WebServer) -> None:
    web.route("/x", Reply(429, "<html>Too Many Requests</html>"))
    with pytest.raises(Unavailable) as caught:
        _request(web, "/x", pause=0.01)
    assert caught.value.rate_limited
    assert web.hits("/x") == 3  # the first answer and two polite retries


def test_archived_error_with_memento_datetime_is_returned_as_is(web: WebServer) -> None:
    def archived(_req: Request) -> Reply:
        return Reply(
            500, "archived failure", headers=[("Memento-Datetime", "Fri, 24 Nov 2017 15:13:15 GMT")]
        )

    web.route("/x", archived)
    assert _request(web, "/x") == "500 archived failure"
    assert web.hits("/x") == 1


def test_connection_refused_is_unavailable() -> None:
    with WebServer() as gone:
        pass  # stopped: its port now refuses connections
    with pytest.raises(Unavailable, match="ConnectError"):
        _request(gone, "/x", retries=1)


def test_refused_connection_after_429s_is_a_block() -> None:
    with WebServer() as gone:
        pass

    async def go() -> Limiter:
        limiter = Limiter("t", 0, max_wait=5)
        limiter.pause(0)  # one 429 seen before
        async with httpx.AsyncClient(timeout=5) as client:
            endpoint = Endpoint(
                client, limiter, retries=3, backoff=0.01, default_pause=0.05, max_wait=5
            )
            with pytest.raises(Unavailable) as caught:
                await endpoint.request("GET", gone.url("/x"))
        assert caught.value.rate_limited and "blocked" in caught.value.reason
        return limiter

    assert asyncio.run(go()).paused_for > 3000


def test_settings_reject_bad_urls() -> None:
    from audit.archive import ArchiveSettings
    from audit.errors import InputError

    with pytest.raises(InputError, match="--wayback-url"):
        ArchiveSettings(wayback_url="web.archive.org")
    with pytest.raises(InputError, match="memento archive x"):
        ArchiveSettings(memento_timemaps=(("x", "ftp://x/"),))
