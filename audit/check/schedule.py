"""Who runs when: global and per-host limits, hosts interleaved, retries that hold no slot.

The scheduler reads targets lazily (at most `lookahead` waiting), keeps one
queue per host and starts work round-robin over the hosts that may start now:
below `per_host` running, `min_interval` since the host's last start, not
backed off after a 429. A hanging request holds one global and one host slot
until its deadline; nothing else waits for it. A retry waits on a timer, not
in a slot. Starts happen in callbacks (a request done, a host's time come),
so the consumer of the results (store writes, output) delays none of them;
results it has not taken yet count against `lookahead`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from audit.check.settings import CheckSettings, CheckTarget
from audit.models import ErrorKind, Observation
from audit.retryafter import parse_retry_after

log = logging.getLogger(__name__)

TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
# Usually a bug behind that one URL, not a passing overload (502/503/504 are): retried once.
_DETERMINISTIC_5XX = frozenset({500})
_MAX_HOST_BACKOFF = 30.0
_FIRST_HOST_BACKOFF = 0.25


def _header(obs: Observation, name: str) -> str | None:
    for key, value in obs.headers:
        if key == name:
            return value
    return None


def retry_delay(
    obs: Observation, attempt: int, settings: CheckSettings, rng: random.Random
) -> float | None:
    """Wait before retrying a transient failure, or None when it should stand as it is."""
    if attempt >= settings.retries:
        return None
    if attempt >= 1 and obs.status in _DETERMINISTIC_5XX:
        return None  # an application error on this URL: asking a third time tells no more
    transient = obs.error is ErrorKind.RESET or (
        obs.error is ErrorKind.TIMEOUT and settings.retry_timeouts
    )
    if obs.error is None and obs.status in TRANSIENT_STATUSES:
        if any(s.startswith("challenge-") for s in obs.signals):
            return None  # a bot wall, not a hiccup: asking again changes nothing
        transient = True
    if not transient:
        return None
    asked = parse_retry_after(_header(obs, "retry-after"))
    if asked is not None:
        # Honour the server's wish; a longer wait is left to a later run.
        return asked if asked <= settings.max_retry_after else None
    return float(settings.backoff * 2.0**attempt * rng.uniform(0.5, 1.5))


@dataclass(slots=True)
class _Job:
    target: CheckTarget
    host: str
    attempt: int = 0
    earlier: tuple[str, ...] = ()  # what the attempts before the last one answered


@dataclass(slots=True)
class _Host:
    queue: deque[_Job] = field(default_factory=deque)
    active: int = 0
    next_start: float = 0.0
    backoff: float = 0.0
    ready: bool = False  # listed in the scheduler's ready ring
    timed: bool = False  # waiting in the timer heap
    deferred_until: float = 0.0  # asked to wait longer than we do: not asked before then
    deferred_why: str = ""


@lru_cache(maxsize=8192)
def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


Work = Callable[[CheckTarget], Awaitable[Observation]]


def checker_error(url: str, why: str) -> Observation:
    """What a URL gets when our side failed to check it (a bug, a lost process): never lost."""
    return Observation(
        url=url, checked_at=datetime.now(UTC), error=ErrorKind.OTHER, detail=f"checker error: {why}"
    )


def _deferred(url: str, why: str) -> Observation:
    return Observation(
        url=url, checked_at=datetime.now(UTC), error=ErrorKind.RATE_LIMITED, detail=why
    )


class Scheduler:
    def __init__(self, settings: CheckSettings, work: Work, *, seed: int | None = None) -> None:
        self._s = settings
        self._work = work
        self._rng = random.Random(seed)
        self._hosts: dict[str, _Host] = {}
        self._ready: deque[str] = deque()
        self._timers: list[tuple[float, int, str]] = []
        self._tick = itertools.count()
        self._done: deque[tuple[CheckTarget, Observation]] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._delayed: dict[int, asyncio.TimerHandle] = {}
        self._idle: deque[tuple[float, str]] = deque()  # hosts to forget once their interval passed
        self._pending = 0  # queued + delayed jobs (not running)
        self._active = 0
        self._wake = asyncio.Event()
        self._alarm: asyncio.TimerHandle | None = None
        self._alarm_at = 0.0

    async def run(
        self, targets: Iterable[CheckTarget]
    ) -> AsyncIterator[tuple[CheckTarget, Observation]]:
        feed = targets if isinstance(targets, Feed) else None
        if feed is not None:
            feed.waker = self._wake
        source = iter(targets)
        exhausted = False
        try:
            while True:
                # Results not yet taken count too: a slow consumer slows the reading.
                while not exhausted and self._pending + len(self._done) < self._s.lookahead:
                    target = next(source, None)
                    if target is None:
                        exhausted = feed is None or feed.closed
                        break
                    self._enqueue(_Job(target, host_of(target.url)), front=False)
                self._dispatch()
                while self._done:
                    yield self._done.popleft()
                if exhausted and not self._pending and not self._active:
                    return
                self._wake.clear()
                # (a feed may have been given targets while a result was being taken)
                if not self._done and not (feed is not None and not exhausted and feed.ready()):
                    await self._wake.wait()
        finally:
            if self._alarm is not None:
                self._alarm.cancel()
            for handle in self._delayed.values():
                handle.cancel()
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- queues ------------------------------------------------------------------
    def _enqueue(self, job: _Job, *, front: bool) -> None:
        host = self._hosts.get(job.host)
        if host is None:
            host = self._hosts[job.host] = _Host()
        if host.deferred_until > time.monotonic():
            self._done.append((job.target, _deferred(job.target.url, host.deferred_why)))
            return
        if front:
            host.queue.appendleft(job)
        else:
            host.queue.append(job)
        self._pending += 1
        self._mark(job.host, host)

    def _mark(self, name: str, host: _Host, now: float | None = None) -> None:
        """Put a host where it belongs: ready ring, timer heap, or nowhere (busy/empty).

        `_dispatch` passes its own clock reading: with a fresh one, a host whose
        start time fell between the two readings would bounce between the ready
        ring and the dispatcher for ever.
        """
        if host.ready or host.timed or not host.queue or host.active >= self._s.per_host:
            return
        if now is None:
            now = time.monotonic()
        if host.next_start > now:
            host.timed = True
            heapq.heappush(self._timers, (host.next_start, next(self._tick), name))
        else:
            host.ready = True
            self._ready.append(name)

    def _dispatch(self) -> None:
        now = time.monotonic()
        while self._idle and self._idle[0][0] <= now:
            _, name = self._idle.popleft()
            if (host := self._hosts.get(name)) is not None:
                self._forget(name, host)
        while self._timers and self._timers[0][0] <= now:
            _, _, name = heapq.heappop(self._timers)
            host = self._hosts.get(name)
            if host is not None:
                host.timed = False
                self._mark(name, host, now)
        while self._ready and self._active < self._s.concurrency:
            name = self._ready.popleft()
            host = self._hosts[name]
            host.ready = False
            if not host.queue or host.active >= self._s.per_host:
                continue
            if host.next_start > now:
                self._mark(name, host, now)
                continue
            job = host.queue.popleft()
            self._pending -= 1
            host.active += 1
            self._active += 1
            host.next_start = now + self._s.min_interval
            task = asyncio.ensure_future(self._run_job(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._mark(name, host, now)
        self._arm()

    def _arm(self) -> None:
        """One alarm, at the earliest time a waiting host may start again."""
        if not self._timers:
            return
        at = self._timers[0][0]
        if self._alarm is not None:
            if self._alarm_at <= at:
                return
            self._alarm.cancel()
        self._alarm_at = at
        delay = max(0.0, at - time.monotonic())
        self._alarm = asyncio.get_running_loop().call_later(delay, self._ring)

    def _ring(self) -> None:
        self._alarm = None
        self._dispatch()

    async def _run_job(self, job: _Job) -> None:
        try:
            obs = await self._work(job.target)
        except Exception as exc:  # a checker bug must not lose the URL or stall the run
            log.exception("checking %s failed", job.target.url)
            obs = checker_error(job.target.url, f"{type(exc).__name__}: {exc}")
        finally:
            self._active -= 1
            host = self._hosts[job.host]
            host.active -= 1
        delay = retry_delay(obs, job.attempt, self._s, self._rng)
        self._pace(job.host, host, obs)
        if delay is not None:
            job.attempt += 1
            job.earlier += (f"HTTP {obs.status}" if obs.status else str(obs.error),)
            self._pending += 1
            handle = asyncio.get_running_loop().call_later(delay, self._requeue, job)
            self._delayed[id(job)] = handle
        else:
            if job.attempt:
                tried = f"attempts:{job.attempt + 1}:{', '.join(job.earlier)}"
                obs = replace(obs, signals=(*obs.signals, tried))
            self._done.append((job.target, obs))
        self._mark(job.host, host)
        self._forget(job.host, host)
        self._dispatch()
        self._wake.set()

    def _requeue(self, job: _Job) -> None:
        self._delayed.pop(id(job), None)
        self._pending -= 1
        self._enqueue(job, front=True)
        self._dispatch()
        self._wake.set()

    def _pace(self, name: str, host: _Host, obs: Observation) -> None:
        """429 (or 503 + Retry-After) pauses the whole host; a success resets the backoff.

        A Retry-After up to `max_retry_after` holds every URL of the host that
        long (the refused one retries after it too, see retry_delay). A longer
        one cannot be waited for in this run: the host's other URLs are left to
        a later run as `rate_limited`, not asked, and never count as failures.
        Without Retry-After the host pauses adaptively: 0.25 s after a first
        429, doubling while 429s keep coming, up to 30 s.
        """
        if obs.status == 429 or (obs.status == 503 and _header(obs, "retry-after")):
            asked = parse_retry_after(_header(obs, "retry-after"))
            now = time.monotonic()
            if asked is None:
                host.backoff = min(_MAX_HOST_BACKOFF, max(_FIRST_HOST_BACKOFF, host.backoff * 2))
                wait = min(host.backoff, self._s.max_retry_after)
            elif asked <= self._s.max_retry_after:
                wait = asked
            else:
                self._defer(name, host, obs, asked, now)
                wait = asked
            host.next_start = max(host.next_start, now + wait)
        elif obs.status is not None and 200 <= obs.status < 400:
            host.backoff = 0.0

    def _defer(self, name: str, host: _Host, obs: Observation, asked: float, now: float) -> None:
        """Leave the host's waiting URLs, and those still to come, to a later run."""
        host.deferred_until = now + asked
        host.deferred_why = (
            f"not asked: {name} answered HTTP {obs.status} to {obs.url} asking us to wait "
            f"{asked:g} s (Retry-After), longer than the {self._s.max_retry_after:g} s "
            "a run waits; left to a later run"
        )
        while host.queue:
            job = host.queue.popleft()
            self._pending -= 1
            self._done.append((job.target, _deferred(job.target.url, host.deferred_why)))

    def _forget(self, name: str, host: _Host) -> None:
        """Drop an idle host's state (memory stays flat over 100,000 hosts)."""
        if not host.queue and not host.active and not host.ready and not host.timed:
            if host.next_start <= time.monotonic():
                self._hosts.pop(name, None)
            else:
                self._idle.append((host.next_start, name))


class Feed:
    """Targets that keep arriving while a run goes on (the vantages' confirmations):
    `put` more, `close` when no more will come; the run ends once it is closed and done."""

    def __init__(self) -> None:
        self._items: deque[CheckTarget] = deque()
        self.closed = False
        self.waker: asyncio.Event | None = None  # the scheduler's, set when its run starts

    def put(self, target: CheckTarget) -> None:
        self._items.append(target)
        if self.waker is not None:
            self.waker.set()

    def close(self) -> None:
        self.closed = True
        if self.waker is not None:
            self.waker.set()

    def ready(self) -> bool:
        return bool(self._items) or self.closed

    def __iter__(self) -> Feed:
        return self

    def __next__(self) -> CheckTarget:
        if not self._items:
            raise StopIteration  # for now: the scheduler asks again when woken
        return self._items.popleft()
