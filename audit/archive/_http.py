"""One polite HTTP request to an archive: limiter, retries, 429 and Retry-After.

The archives' own failures (unreachable, throttling, 5xx) raise `Unavailable`:
the caller turns them into status `unknown`, never into "not archived".
A response that carries `Memento-Datetime` is an archived answer, whatever
its status (an archived 429 or 500 is a memento, not a server error).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from audit.archive.ratelimit import BLOCK_PAUSE, Limiter, PausedTooLong
from audit.retryafter import parse_retry_after

log = logging.getLogger(__name__)

RETRYABLE = frozenset({500, 502, 503, 504, 599})
MAX_429_RETRIES = 2


class Unavailable(Exception):
    """The archive could not be asked (unreachable, rate-limiting, failing)."""

    def __init__(self, reason: str, *, rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.rate_limited = rate_limited


@dataclass(frozen=True, slots=True)
class Answer:
    """A complete response, body read (archives' error details live in bodies)."""

    url: str
    status: int
    headers: httpx.Headers
    text: str

    @property
    def content_type(self) -> str:
        value: str = self.headers.get("content-type", "")
        return value.split(";", 1)[0].strip().lower()

    @property
    def memento_datetime(self) -> str | None:
        value: str | None = self.headers.get("memento-datetime")
        return value


class Endpoint:
    """Requests to one endpoint family through its shared `Limiter`."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        limiter: Limiter,
        *,
        retries: int,
        backoff: float,
        default_pause: float,
        max_wait: float,
    ) -> None:
        self._client = client
        self.limiter = limiter
        self._retries = retries
        self._backoff = backoff
        self._default_pause = default_pause
        self._max_wait = max_wait

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: list[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> Answer:
        """Send once per turn; retry 5xx/transport errors; pause the family on 429.

        `max_bytes` caps the body read (replays of large files need only
        their start); API answers are read whole.
        """
        failures = 0
        throttled = 0
        while True:
            try:
                await self.limiter.acquire()
            except PausedTooLong as exc:
                raise Unavailable(str(exc), rate_limited=True) from exc
            try:
                answer = await self._send(
                    method, url, params=params, headers=headers, data=data, max_bytes=max_bytes
                )
            except httpx.HTTPError as exc:
                failures += 1
                reason = f"{self.limiter.name}: {type(exc).__name__}: {exc}".rstrip(": ")
                if isinstance(exc, httpx.ConnectError) and self.limiter.strikes:
                    # Refused right after 429s: IA's firewall block. Knocking on
                    # only doubles it, so the family stops for the hour.
                    self.limiter.pause(BLOCK_PAUSE)
                    raise Unavailable(f"{reason} (blocked after 429s)", rate_limited=True) from exc
                if failures > self._retries:
                    raise Unavailable(reason) from exc
                log.info("%s; retry %d", reason, failures)
                await asyncio.sleep(self._backoff * 2 ** (failures - 1))
                continue
            if answer.memento_datetime is not None:
                self.limiter.succeeded()
                return answer
            if answer.status == 429:
                # IA answers 429 with an HTML page: never parse it, honour Retry-After.
                throttled += 1
                wait = parse_retry_after(answer.headers.get("retry-after"))
                pause = self._default_pause if wait is None else wait
                self.limiter.pause(pause)
                if throttled > MAX_429_RETRIES or pause > self._max_wait:
                    raise Unavailable(
                        f"{self.limiter.name}: HTTP 429 (rate-limited)", rate_limited=True
                    )
                continue
            if answer.status in RETRYABLE:
                failures += 1
                if failures > self._retries:
                    raise Unavailable(f"{self.limiter.name}: HTTP {answer.status}")
                wait = parse_retry_after(answer.headers.get("retry-after"))
                await asyncio.sleep(
                    min(wait, self._max_wait)
                    if wait is not None
                    else self._backoff * 2 ** (failures - 1)
                )
                continue
            self.limiter.succeeded()
            return answer

    async def _send(
        self,
        method: str,
        url: str,
        *,
        params: list[tuple[str, str]] | None,
        headers: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        max_bytes: int | None,
    ) -> Answer:
        request = self._client.build_request(
            method, url, params=tuple(params or ()), headers=headers, data=data
        )
        response = await self._client.send(request, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if max_bytes is not None and size >= max_bytes:
                    break
        finally:
            await response.aclose()
        body = b"".join(chunks)[:max_bytes]
        content_type = response.headers.get("content-type", "")
        return Answer(
            str(response.url), response.status_code, response.headers, decode(body, content_type)
        )


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def decode(body: bytes, content_type: str) -> str:
    """Text of a body: the header's charset, else an HTML `<meta>` one, else UTF-8.

    Archived Russian pages often name windows-1251 only in a `<meta>` tag;
    decoding them as UTF-8 would blind the soft-404 cues.
    """
    candidates = []
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.IGNORECASE)
    if match:
        candidates.append(match.group(1))
    meta = _CHARSET.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii"))
    for charset in candidates:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")
