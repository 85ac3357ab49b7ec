"""The archive client's bounds, in process: deadline, body caps, breaker, address policy."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from audit.archive import ArchiveRequest
from audit.archive.guard import Breaker
from audit.netpolicy import AddressPolicy, origin, refusal
from tests.archive.conftest import FAST
from tests.archive.helpers import lookup, lookup_all
from tests.servers import hostile
from tests.servers.hostile import HostileServer
from tests.servers.web import Reply, WebServer


def _on(srv: HostileServer | WebServer, **kw: object):  # type: ignore[no-untyped-def]
    base = srv.url("").rstrip("/")
    return replace(
        FAST,
        wayback_url=base,
        availability_url=base,
        memento_timemaps=(),
        memento_timegates=(),
        **kw,  # type: ignore[arg-type]
    )


def test_a_dripping_endpoint_costs_one_deadline_per_family() -> None:
    with HostileServer(hostile.drip_body) as srv:
        started = time.monotonic()
        got = lookup(_on(srv, timeout=0.5), ArchiveRequest("http://a.example/"))
        took = time.monotonic() - started
    assert got.status == "unknown"
    assert "no complete answer within 0.5 s" in got.detail
    assert took < 3  # CDX, then availability: not retried after a whole deadline


def test_an_answer_over_the_cap_is_refused_not_truncated() -> None:
    with WebServer() as web:
        web.fallback(Reply(200, "[" + '["x"],' * 400_000 + "[]]", content_type="application/json"))
        got = lookup(
            _on(web, cdx_max_bytes=64 * 1024, api_max_bytes=1024), ArchiveRequest("http://a/")
        )
    assert got.status == "unknown"
    assert "wayback-cdx: answer larger than 65536 bytes" in got.detail
    assert "availability: answer larger than 1024 bytes" in got.detail


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_compressed_bomb_is_read_only_up_to_the_cap(encoding: str) -> None:
    with HostileServer(hostile.cached_bomb(encoding)) as srv:
        got = lookup(_on(srv), ArchiveRequest("http://a/"))
    assert got.status == "unknown"
    assert "answer larger than" in got.detail


def test_the_breaker_opens_after_consecutive_failures_and_a_success_resets_it() -> None:
    b = Breaker(3)
    b.failed("x")
    b.failed("x")
    b.succeeded()
    b.failed("x")
    b.failed("x")
    assert not b.open
    b.failed("timed out")
    assert b.open and b.reason == "timed out (3 failures in a row)"
    b.succeeded()
    assert b.open  # stays open for the run: the rest answer at once


def test_after_the_breaker_opens_the_rest_are_unknown_without_a_request() -> None:
    with HostileServer(hostile.hang) as srv:
        requests = [ArchiveRequest(f"http://s{i}.example/") for i in range(10)]
        got = lookup_all(_on(srv, timeout=0.3, concurrency=1), requests)
        asked = len(srv.requests)
    assert [g.status for g in got] == ["unknown"] * 10
    assert asked == 6  # three CDX and three availability failures, then none
    assert "unreachable: wayback-cdx" in got[-1].detail


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://127.0.0.1:8080/x", "loopback"),
        ("http://[::1]/x", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "address 169.254.169.254"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://0.0.0.0/", "address 0.0.0.0"),
        ("file:///etc/passwd", "not an http(s) URL"),
    ],
)
def test_the_address_policy_refuses_inward_urls(url: str, refused: str) -> None:
    import asyncio

    policy = AddressPolicy(["http://127.0.0.1:9999/"], allow_private=False, timeout=1)
    why = asyncio.run(policy.refuse(url))
    assert why is not None and refused in why
    assert asyncio.run(policy.refuse("http://127.0.0.1:9999/web/x")) is None  # configured
    assert refusal("93.184.216.34") is None
    assert origin("HTTP://Example.ORG./") == ("http", "example.org", 80)
