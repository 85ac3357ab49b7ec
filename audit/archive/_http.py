"""One polite HTTP request to an archive: limiter, retries, 429 and Retry-After.

The archives' own failures (unreachable, throttling, 5xx) raise `Unavailable`:
the caller turns them into status `unknown`, never into "not archived".
A response that carries `Memento-Datetime` is an archived answer, whatever
its status (an archived 429 or 500 is a memento, not a server error).

Every request has a total deadline (connect + headers + body) and reads its
body through the checker's bounded, decompression-capped reader: a dripping,
endless or bomb-compressed answer costs at most the deadline and the cap.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from audit.archive.guard import Breaker
from audit.archive.ratelimit import BLOCK_PAUSE, Limiter, PausedTooLong
from audit.check.body import ACCEPT_ENCODING, read_capped
from audit.check.errors import LinkFailure
from audit.netpolicy import AddressPolicy
from audit.retryafter import parse_retry_after

log = logging.getLogger(__name__)

RETRYABLE = frozenset({500, 502, 503, 504, 599})
MAX_429_RETRIES = 2


DEFAULT_MAX_BYTES = 1024 * 1024  # an API answer (availability, SPN): small JSON


class Unavailable(Exception):
    """The archive could not be asked (unreachable, rate-limiting, failing)."""

    def __init__(
        self, reason: str, *, rate_limited: bool = False, unreachable: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.rate_limited = rate_limited
        self.unreachable = unreachable  # the endpoint's breaker is open


class Refused(Unavailable):
    """The URL (taken from an archive's answer) fails the address policy: never fetched."""


class _TooLarge(Exception):
    pass


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
        deadline: float = 30.0,
        max_body: int = DEFAULT_MAX_BYTES,
        breaker: Breaker | None = None,
        policy: AddressPolicy | None = None,
    ) -> None:
        self._client = client
        self.limiter = limiter
        self._retries = retries
        self._backoff = backoff
        self._default_pause = default_pause
        self._max_wait = max_wait
        self._deadline = deadline
        self._max_body = max_body
        self.breaker = breaker or Breaker(0)
        self._policy = policy

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

        `max_bytes` truncates the body (replays of large files need only their
        start); other answers are read whole up to the endpoint's cap, and a
        larger one is refused (a truncated JSON or TimeMap would mislead).
        """
        if self._policy is not None:
            why = await self._policy.refuse(url)
            if why is not None:
                raise Refused(f"{self.limiter.name}: refused: {why}")
        failures = 0
        throttled = 0
        while True:
            self._check_breaker()
            try:
                await self.limiter.acquire()
            except PausedTooLong as exc:
                raise Unavailable(str(exc), rate_limited=True) from exc
            self._check_breaker()
            try:
                async with asyncio.timeout(self._deadline):
                    answer = await self._send(
                        method, url, params=params, headers=headers, data=data, max_bytes=max_bytes
                    )
            except _TooLarge:
                self.breaker.succeeded()  # it answered: reachable
                raise Unavailable(
                    f"{self.limiter.name}: answer larger than {self._max_body} bytes"
                ) from None
            except LinkFailure as exc:
                self.breaker.succeeded()
                raise Unavailable(f"{self.limiter.name}: {exc.detail}") from None
            except (httpx.HTTPError, TimeoutError) as exc:
                failures += 1
                if isinstance(exc, TimeoutError):
                    reason = f"{self.limiter.name}: no complete answer within {self._deadline:g} s"
                else:
                    reason = f"{self.limiter.name}: {type(exc).__name__}: {exc}".rstrip(": ")
                self.breaker.failed(reason)
                if isinstance(exc, httpx.ConnectError) and self.limiter.strikes:
                    # Refused right after 429s: IA's firewall block. Knocking on
                    # only doubles it, so the family stops for the hour.
                    self.limiter.pause(BLOCK_PAUSE)
                    raise Unavailable(f"{reason} (blocked after 429s)", rate_limited=True) from exc
                # A request that used up its deadline is not retried: the next would hang
                # or drip the same way (retries are for resets and refusals).
                timed_out = isinstance(exc, TimeoutError | httpx.TimeoutException)
                if failures > self._retries or self.breaker.open or timed_out:
                    raise Unavailable(reason, unreachable=self.breaker.open) from exc
                log.info("%s; retry %d", reason, failures)
                await asyncio.sleep(self._backoff * 2 ** (failures - 1))
                continue
            self.breaker.succeeded()
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

    def _check_breaker(self) -> None:
        if self.breaker.reason is not None:
            raise Unavailable(f"unreachable: {self.breaker.reason}", unreachable=True)

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
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING  # what read_capped decodes
        response = await self._client.send(request, stream=True)
        cap = self._max_body if max_bytes is None else min(max_bytes, self._max_body)
        try:
            body, more = await read_capped(
                response.aiter_raw(), response.headers.get("content-encoding"), cap
            )
        finally:
            await response.aclose()
        if more and max_bytes is None:
            raise _TooLarge
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
