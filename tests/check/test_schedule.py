"""Politeness and scheduling: per-host limits, intervals, interleaving, retries, backoff."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from audit.check import Checker, CheckTarget
from audit.check.schedule import retry_delay
from audit.models import ErrorKind, Observation, Outcome
from tests.check.conftest import check_all, settings
from tests.servers.web import Reply, Request, WebServer

AT = datetime(2026, 1, 1, tzinfo=UTC)


def test_retry_delay_only_for_transient_failures() -> None:
    s = settings(retries=2, backoff=1.0, max_retry_after=10)
    rng = random.Random(1)

    def delay(attempt: int = 0, **kw: object) -> float | None:
        return retry_delay(Observation(url="u", checked_at=AT, **kw), attempt, s, rng)  # type: ignore[arg-type]

    assert delay(status=503) is not None
    assert delay(status=408) is not None
    assert delay(error=ErrorKind.RESET) is not None
    assert delay(status=404) is None
    assert delay(status=403) is None
    assert delay(error=ErrorKind.CONNECT) is None
    assert delay(error=ErrorKind.TIMEOUT) is None  # a hang already cost a full timeout
    assert delay(status=503, attempt=2) is None  # retries used up
    assert delay(status=429, headers=(("retry-after", "3"),)) == 3
    assert delay(status=429, headers=(("retry-after", "3600"),)) is None  # left to a later run
    assert delay(status=500, attempt=1) is None  # an application error: retried once
    first = delay(status=502, attempt=0)
    second = delay(status=502, attempt=1)
    assert first is not None and second is not None and 0.5 <= first <= 1.5 <= second <= 3.0


class Meter:
    """Records concurrent requests and start times per host, answering after `delay`."""

    def __init__(self, delay: float, reply: Reply) -> None:
        self.delay = delay
        self.reply = reply
        self.active = 0
        self.peak = 0
        self.starts: list[float] = []
        self.lock = threading.Lock()

    async def __call__(self, request: Request) -> Reply:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.starts.append(time.monotonic())
        await asyncio.sleep(self.delay)
        with self.lock:
            self.active -= 1
        return self.reply


PAGE = Reply(200, "<title>Doc</title><p>" + "words " * 30 + "</p>")


def test_per_host_concurrency_is_capped(web: WebServer) -> None:
    meter = Meter(0.1, PAGE)
    web.fallback(meter)
    results = check_all([web.url(f"/d/{i}") for i in range(12)], settings(per_host=3))
    assert len(results) == 12
    assert meter.peak == 3


def test_min_interval_between_starts_on_one_host(web: WebServer) -> None:
    meter = Meter(0.0, PAGE)
    web.fallback(meter)
    check_all([web.url(f"/d/{i}") for i in range(6)], settings(per_host=4, min_interval=0.1))
    gaps = [b - a for a, b in zip(meter.starts, meter.starts[1:], strict=False)]
    assert min(gaps) >= 0.08, gaps


def test_hosts_are_interleaved_and_a_slow_host_holds_up_no_one() -> None:
    slow = Meter(0.4, PAGE)
    with WebServer(host="127.0.0.12") as a, WebServer(host="127.0.0.13") as b:
        a.fallback(slow)
        b.route("/quick", PAGE)
        urls = [a.url(f"/d/{i}") for i in range(5)] + [b.url("/quick")]  # host-major order

        async def go() -> list[str]:
            order: list[str] = []
            async with Checker(settings(per_host=1, concurrency=4)) as checker:
                async for r in checker.run(CheckTarget(u) for u in urls):
                    order.append(r.target.url)
            return order

        order = asyncio.run(go())
    assert order.index(b.url("/quick")) == 0
    assert slow.peak == 1


def test_a_retry_waits_without_holding_a_slot(web: WebServer) -> None:
    calls = {"n": 0}

    def flaky(request: Request) -> Reply:
        calls["n"] += 1
        return Reply(503, "") if calls["n"] == 1 else PAGE

    web.route("/flaky", flaky)
    web.route("/other", PAGE)

    async def go() -> list[tuple[str, Outcome]]:
        order = []
        s = settings(concurrency=1, per_host=1, retries=1, backoff=0.6)
        async with Checker(s) as checker:
            async for r in checker.run(
                [CheckTarget(web.url("/flaky")), CheckTarget(web.url("/other"))]
            ):
                order.append((r.target.url, r.classification.outcome))
        return order

    order = asyncio.run(go())
    assert order == [(web.url("/other"), Outcome.OK), (web.url("/flaky"), Outcome.OK)]


def test_retry_after_is_honoured_for_the_refused_url(web: WebServer) -> None:
    calls: list[float] = []

    def limited(request: Request) -> Reply:
        calls.append(time.monotonic())
        return Reply(429, "", headers=[("Retry-After", "1")]) if len(calls) == 1 else PAGE

    web.route("/limited", limited)
    results = check_all([web.url("/limited")], settings(retries=1))
    assert results[web.url("/limited")].classification.outcome is Outcome.OK
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 0.95


def test_repeated_429s_without_retry_after_back_the_host_off_more_and_more(
    web: WebServer,
) -> None:
    meter = Meter(0.0, Reply(429, ""))
    web.fallback(meter)
    results = check_all([web.url(f"/d/{i}") for i in range(4)], settings(per_host=1))
    assert {r.classification.outcome for r in results.values()} == {Outcome.RATE_LIMITED}
    gaps = [b - a for a, b in zip(meter.starts, meter.starts[1:], strict=False)]
    # 0.25 s, 0.5 s, 1 s: doubling while the 429s keep coming
    assert 0.2 <= gaps[0] < 0.45 and 0.45 <= gaps[1] < 0.8 and 0.95 <= gaps[2] < 1.4, gaps


class Limiter:
    """A host that answers its first request 429 with `retry_after`; then pages."""

    def __init__(self, retry_after: str) -> None:
        self.retry_after = retry_after
        self.seen: list[tuple[float, str]] = []
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self.lock:
            self.seen.append((time.monotonic(), request.path))
            first = len(self.seen) == 1
        return Reply(429, "", headers=[("Retry-After", self.retry_after)]) if first else PAGE


def test_429_retry_after_pauses_every_url_of_the_host(web: WebServer) -> None:
    limiter = Limiter("2")
    web.fallback(limiter)
    free = Meter(0.0, PAGE)
    with WebServer("127.0.0.2") as other:
        other.route("/free", free)
        urls = [web.url(f"/p/{i}") for i in range(4)] + [other.url("/free")]
        started = time.monotonic()
        results = check_all(urls, settings(per_host=1, retries=1, max_retry_after=5))
    assert {results[u].classification.outcome for u in urls} == {Outcome.OK}
    first_at = limiter.seen[0][0]
    later = limiter.seen[1:]
    # The refused URL and every other URL of the host waited the 2 s it asked for...
    assert sorted(p for _, p in later) == sorted(f"/p/{i}" for i in range(4))
    assert all(at - first_at >= 1.95 for at, _ in later), [at - first_at for at, _ in later]
    # ... and the wait held up no other host.
    assert len(free.starts) == 1 and free.starts[0] - first_at < 1.0
    assert time.monotonic() - started < 6


def test_a_wait_longer_than_a_run_waits_leaves_the_host_to_a_later_run(web: WebServer) -> None:
    limiter = Limiter("3600")
    web.fallback(limiter)
    with WebServer("127.0.0.2") as other:
        other.route("/free", PAGE)
        urls = [web.url(f"/p/{i}") for i in range(5)]
        started = time.monotonic()
        results = check_all([*urls, other.url("/free")], settings(per_host=1, retries=2))
        elapsed = time.monotonic() - started
    assert elapsed < 3  # nobody waited an hour, or even the 30 s cap
    assert len(limiter.seen) == 1  # the host was asked once: the others were not sent
    assert results[other.url("/free")].classification.outcome is Outcome.OK
    asked = results[web.url(limiter.seen[0][1])]
    assert asked.classification.outcome is Outcome.RATE_LIMITED
    assert asked.observation.status == 429
    left = [results[u] for u in urls if u != asked.target.url]
    assert len(left) == 4
    for r in left:
        assert r.classification.outcome is Outcome.RATE_LIMITED, r.classification
        assert r.observation.error is ErrorKind.RATE_LIMITED and r.observation.status is None
        assert "3600 s (Retry-After)" in r.observation.detail
        assert "left to a later run" in r.observation.detail


def test_too_long_retry_after_is_left_for_a_later_run(web: WebServer) -> None:
    web.route("/later", Reply(503, "", headers=[("Retry-After", "7200")]))
    started = time.monotonic()
    results = check_all([web.url("/later")], settings(retries=2, max_retry_after=5))
    assert time.monotonic() - started < 2
    assert results[web.url("/later")].classification.outcome is Outcome.RATE_LIMITED
    assert web.hits("/later") == 1


def test_targets_are_read_lazily() -> None:
    consumed = {"n": 0}

    def endless() -> Iterator[CheckTarget]:
        i = 0
        while True:
            consumed["n"] += 1
            i += 1
            yield CheckTarget(f"mailto:person{i}@gov.test")

    async def go() -> int:
        seen = 0
        async with Checker(settings(lookahead=50)) as checker:
            async for _ in checker.run(endless()):
                seen += 1
                if seen == 500:
                    break
        return seen

    assert asyncio.run(go()) == 500
    assert consumed["n"] <= 500 + 50 + 2


class _SlowClock:
    """A clock that moves on at every reading (as a busy machine's does)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        self.now += 0.004
        return self.now


def test_dispatch_terminates_when_time_passes_between_clock_readings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from audit.check import schedule

    monkeypatch.setattr(schedule, "time", _SlowClock())

    async def work(target: CheckTarget) -> Observation:
        await asyncio.sleep(0)
        return Observation(url=target.url, checked_at=AT, status=200)

    async def go() -> int:
        s = settings(per_host=2, min_interval=0.01, concurrency=8)
        sched = schedule.Scheduler(s, work)
        targets = [CheckTarget(f"http://h{i % 10}.test/{i}") for i in range(40)]
        async with asyncio.timeout(10):
            return len([r async for r in sched.run(targets)])

    assert asyncio.run(go()) == 40


def test_a_checker_bug_costs_one_result_not_the_run() -> None:
    from audit.check import schedule

    async def work(target: CheckTarget) -> Observation:
        if target.url.endswith("/boom"):
            raise RuntimeError("bug")
        return Observation(url=target.url, checked_at=AT, status=200)

    async def go() -> dict[str, Observation]:
        sched = schedule.Scheduler(settings(), work)
        urls = ["http://a.test/boom", "http://a.test/fine"]
        return {t.url: o async for t, o in sched.run([CheckTarget(u) for u in urls])}

    results = asyncio.run(go())
    assert results["http://a.test/fine"].status == 200
    assert results["http://a.test/boom"].error is ErrorKind.OTHER
