"""The benchmark's server answers each behaviour as its ground truth says, so
the harness in bench/ cannot silently rot (figures themselves are never
asserted: they live in bench/RESULTS.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from bench.server import ARCHIVE_ADDR, NOT_FOUND_TEXT, Server
from bench.workload import (
    BROKEN,
    Behaviour,
    Page,
    WorkloadSpec,
    generate,
    host_is_soft,
    lower_bound,
    policy_bound,
    write_files,
)

SPEC = WorkloadSpec(
    "pytest",
    urls=40,
    hosts=2,
    latency_s=0.005,
    timeout_s=0.4,
    hanging=1,
    slow_s=0.15,
    large_bytes=300_000,
)
NOT_FOUND_TITLES = {title for title, _ in NOT_FOUND_TEXT.values()}


@pytest.fixture(scope="module", name="srv")
def _srv() -> Iterator[Server]:
    with Server(generate(SPEC), workers=2, max_seconds=60) as srv:
        yield srv
    assert all(not p.is_alive() for p in srv._procs)


@pytest.fixture(scope="module", name="client")
def _client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=SPEC.timeout_s, max_redirects=5) as c:
        yield c


def _pages(srv: Server, b: Behaviour) -> list[Page]:
    pages = [p for p in srv.workload.pages if p.behaviour is b]
    assert pages, f"the tiny workload has no {b}"
    return pages


def _title(text: str) -> str:
    return text.split("<title>", 1)[1].split("</title>", 1)[0]


def test_workload_covers_every_behaviour_and_is_deterministic() -> None:
    w = generate(SPEC)
    assert set(w.counts()) == set(Behaviour)
    assert w.pages == generate(SPEC).pages
    assert len({p.url(1) for p in w.pages}) == SPEC.urls
    assert {p.host for p in w.pages} == {"127.0.1.1", "127.0.1.2"}
    assert all(p.broken == (p.behaviour in BROKEN) for p in w.pages)
    assert lower_bound(w, 4).seconds == SPEC.timeout_s  # one hang sets the bound
    big = generate(WorkloadSpec("h", urls=10_000, hosts=200, hanging=3))
    hangs = [p for p in big.pages if p.behaviour is Behaviour.HANG]
    assert len({p.host for p in hangs}) == 3
    assert hangs[0].index < 9_000  # not all piled up at the end of the list


def test_lower_bound_without_hangs_is_latency_bound() -> None:
    w = generate(WorkloadSpec("b", urls=400, hosts=2, hanging=0, latency_s=0.05, slow_s=1.0))
    polite = lower_bound(w, 1)
    assert polite.seconds > 5  # ~200 URLs a host, one at a time, 50 ms each
    assert lower_bound(w, None).seconds == pytest.approx(1.05)


def test_policy_bound_waits_for_the_urls_before_a_hang() -> None:
    w = generate(SPEC)
    (hang,) = [p for p in w.pages if p.behaviour is Behaviour.HANG]
    before = [p for p in w.pages[: hang.index] if p.host == hang.host]
    # one URL at a time, starts 0.5 s apart: no 429 or 500 pause in between, so
    # the hang starts after exactly the URLs before it on its host
    assert not any(p.behaviour in (Behaviour.RATE_LIMITED, Behaviour.SERVER_ERROR) for p in before)
    bound = policy_bound(w, 1, 0.5)
    assert bound.seconds >= len(before) * 0.5 + SPEC.timeout_s
    unpaced = policy_bound(w, 4, 0.0)
    assert unpaced.seconds < bound.seconds
    assert unpaced.seconds >= SPEC.timeout_s  # a hang costs its full timeout whatever the order


def test_policy_bound_counts_429_pauses_and_retry_waits() -> None:
    spec = WorkloadSpec("tiny", urls=2, hosts=1, hanging=0)
    w = generate(spec)
    pages = tuple(
        replace(p, behaviour=b)
        for p, b in zip(w.pages, (Behaviour.RATE_LIMITED, Behaviour.OK), strict=True)
    )
    w = replace(w, pages=pages)
    lat = spec.latency_s
    # 429 at 0..lat; the host pauses 0.25 s: the OK page starts at lat + 0.25; the
    # refused URL is asked again after its Retry-After, at lat + 1 s
    bound = policy_bound(w, 4, 0.0)
    assert bound.seconds == pytest.approx(lat + spec.retry_after_s + lat, abs=0.01)
    assert "rate_limited" in bound.reason


def test_files_hold_urls_truth_and_registry(srv: Server, tmp_path: Path) -> None:
    out = write_files(srv.workload, srv.port, tmp_path)
    urls = out["urls"].read_text().split()
    truth = json.loads(out["truth"].read_text())["pages"]
    assert urls == [t["url"] for t in truth]
    assert sum(t["soft_404"] for t in truth) == sum(p.soft_404 for p in srv.workload.pages)
    assert out["registry"].read_text().count("  - id: bench-") == SPEC.urls


def test_plain_statuses(srv: Server, client: httpx.Client) -> None:
    expected = {
        Behaviour.OK: 200,
        Behaviour.NOT_FOUND: 404,
        Behaviour.GONE: 410,
        Behaviour.SERVER_ERROR: 500,
        Behaviour.LARGE: 200,
    }
    for b, status in expected.items():
        for p in _pages(srv, b):
            r = client.get(p.url(srv.port))
            assert r.status_code == status, p
            if status == 200:
                assert _title(r.text) not in NOT_FOUND_TITLES
    big = client.get(_pages(srv, Behaviour.LARGE)[0].url(srv.port))
    assert len(big.content) >= SPEC.large_bytes


def test_redirects_take_their_hops_and_loops_loop(srv: Server, client: httpx.Client) -> None:
    for p in _pages(srv, Behaviour.REDIRECT):
        r = client.get(p.url(srv.port), follow_redirects=True)
        assert r.status_code == 200
        assert len(r.history) == p.hops
    with pytest.raises(httpx.TooManyRedirects):
        client.get(_pages(srv, Behaviour.REDIRECT_LOOP)[0].url(srv.port), follow_redirects=True)


def test_soft_404s_look_alive_but_are_not(srv: Server, client: httpx.Client) -> None:
    for p in _pages(srv, Behaviour.SOFT_404_TEXT):
        r = client.get(p.url(srv.port))
        assert r.status_code == 200
        assert _title(r.text) in NOT_FOUND_TITLES
    for p in _pages(srv, Behaviour.SOFT_404_ROOT):
        r = client.get(p.url(srv.port), follow_redirects=True)
        assert r.status_code == 200
        assert [h.headers["location"] for h in r.history] == ["/"]
    # Unknown paths: a "soft" host answers 200 "not found", the other a real 404.
    for host in srv.workload.host_addrs:
        r = client.get(f"http://{host}:{srv.port}/no/such/page-{time.time_ns()}")
        assert r.status_code == (200 if host_is_soft(host) else 404)
        assert _title(r.text) in NOT_FOUND_TITLES


def test_rate_limited_then_ok_and_again_after_reset(srv: Server, client: httpx.Client) -> None:
    url = _pages(srv, Behaviour.RATE_LIMITED)[0].url(srv.port)
    srv.reset()
    first = client.get(url)
    assert first.status_code == 429
    assert first.headers["retry-after"] == str(SPEC.retry_after_s)
    assert client.get(url).status_code == 200
    srv.reset()
    assert client.get(url).status_code == 429


def test_head_hostile_etag_and_slow(srv: Server, client: httpx.Client) -> None:
    url = _pages(srv, Behaviour.HEAD_HOSTILE)[0].url(srv.port)
    assert client.head(url).status_code == 405
    assert client.get(url).status_code == 200

    url = _pages(srv, Behaviour.ETAG)[0].url(srv.port)
    r = client.get(url)
    etag = r.headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert (r.status_code, again.status_code, again.content) == (200, 304, b"")

    t0 = time.perf_counter()
    assert client.get(_pages(srv, Behaviour.SLOW)[0].url(srv.port)).status_code == 200
    assert time.perf_counter() - t0 >= SPEC.slow_s


def test_hanging_url_never_answers_and_requests_are_counted(
    srv: Server, client: httpx.Client
) -> None:
    before = srv.reset()
    hang = _pages(srv, Behaviour.HANG)[0]
    with pytest.raises(httpx.ReadTimeout):
        client.get(hang.url(srv.port), timeout=0.3)
    other = next(p for p in _pages(srv, Behaviour.OK) if p.host != hang.host)
    client.head(other.url(srv.port))
    used = srv.stats() - before
    assert (used.requests, used.heads) == (2, 1)
    assert sorted(srv.host_peaks()) == [1, 1]  # one request at a time on each host
    srv.reset()
    assert srv.host_peaks() == [0, 0]


def test_stand_in_archive_holds_nothing_and_is_counted_apart(
    srv: Server, client: httpx.Client
) -> None:
    before = srv.reset()
    base = f"http://{ARCHIVE_ADDR}:{srv.port}"
    r = client.get(f"{base}/wayback/available", params={"url": "example.org"})
    assert r.json() == {"archived_snapshots": {}}
    r = client.get(f"{base}/cdx/search/cdx", params={"url": "example.org", "output": "json"})
    assert r.json() == []
    assert client.get(f"{base}/web/timemap/link/example.org").status_code == 404
    used = srv.stats() - before
    assert (used.requests, used.archive_requests) == (0, 3)


def test_tls_handshake_on_the_plain_port_fails_fast(srv: Server) -> None:
    page = _pages(srv, Behaviour.OK)[0]
    t0 = time.perf_counter()
    with pytest.raises(httpx.ConnectError), httpx.Client(timeout=2, verify=False) as c:
        c.get(page.url(srv.port).replace("http://", "https://"))
    assert time.perf_counter() - t0 < 1


def test_python_tools_run_behind_the_loopback_guard() -> None:
    """The guard is checked without sending anything: a broken one would leak."""
    import subprocess
    import sys

    from bench.run import guarded_env

    probe = (
        "import socket, sitecustomize as g;"
        "print(socket.getaddrinfo is g._getaddrinfo, socket.socket.connect is g._connect,"
        " g._loopback('127.0.1.9'), g._loopback('::1'), g._loopback('localhost'),"
        " g._loopback('example.com'), g._loopback('10.255.255.53'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env=guarded_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert out.stdout.split() == ["True"] * 5 + ["False"] * 2


def test_server_stops_by_itself_at_its_deadline() -> None:
    w = generate(WorkloadSpec("deadline", urls=4, hosts=1, hanging=0, latency_s=0))
    srv = Server(w, workers=1, max_seconds=0.5).start()
    try:
        proc = srv._procs[0]
        proc.join(timeout=5)
        assert not proc.is_alive()
    finally:
        srv.stop()
