"""Hostile servers: each ends within its timeout (+1 s) and bounded memory, with the
right outcome, and the run goes on."""

from __future__ import annotations

import asyncio
import time
import tracemalloc

import pytest

from audit.check import CheckResult
from audit.models import ErrorKind, Observation, Outcome
from tests.check.conftest import check_all, check_one, settings
from tests.servers import hostile
from tests.servers.web import Reply, Request, WebServer

TIMEOUT = 1.0


def _timed(web: WebServer, path: str) -> tuple[CheckResult, float, int]:
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = check_one(web.url(path), settings(timeout=TIMEOUT))
        return result, time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("handler", "outcome"),
    [
        (hostile.drip_body, Outcome.TIMEOUT),
        (hostile.drip_head, Outcome.TIMEOUT),
        (hostile.hang, Outcome.TIMEOUT),
    ],
    ids=["drip-body", "drip-head", "hang"],
)
def test_slow_servers_cannot_hold_a_check(
    web: WebServer, handler: hostile.Raw, outcome: Outcome
) -> None:
    web.route("/slow", handler, raw=True)
    result, elapsed, _ = _timed(web, "/slow")
    assert result.classification.outcome is outcome
    assert elapsed < TIMEOUT + 1


@pytest.mark.parametrize(
    "handler",
    [hostile.endless_body, hostile.gzip_bomb(), hostile.brotli_bomb()],
    ids=["10GB-body", "gzip-bomb", "brotli-bomb"],
)
def test_huge_bodies_are_read_up_to_the_cap_only(web: WebServer, handler: hostile.Raw) -> None:
    web.route("/big", handler, raw=True)
    result, elapsed, peak = _timed(web, "/big")
    assert result.classification.outcome is Outcome.OK
    assert result.observation.fingerprint is not None
    assert elapsed < TIMEOUT + 1
    assert peak < 16 * 1024 * 1024, f"peak traced memory {peak} bytes"


@pytest.mark.parametrize(
    ("handler", "kinds"),
    [
        (hostile.MALFORMED_STATUS, {ErrorKind.PROTOCOL}),
        (hostile.GARBAGE, {ErrorKind.PROTOCOL}),
        (hostile.BAD_HEADER, {ErrorKind.PROTOCOL}),
        (hostile.HUGE_HEADERS, {ErrorKind.PROTOCOL}),
        (hostile.CLOSE_AT_ONCE, {ErrorKind.RESET}),
        (hostile.SHORT_BODY, {ErrorKind.RESET}),
    ],
    ids=["malformed-status", "garbage", "bad-header", "huge-headers", "close", "short-body"],
)
def test_malformed_answers_are_connection_errors(
    web: WebServer, handler: hostile.Raw, kinds: set[ErrorKind]
) -> None:
    web.route("/bad", handler, raw=True)
    result, elapsed, _ = _timed(web, "/bad")
    assert result.classification.outcome is Outcome.CONNECTION_ERROR
    assert result.observation.error in kinds
    assert elapsed < TIMEOUT + 1


def test_broken_encodings_keep_the_status(web: WebServer) -> None:
    web.route("/gz", hostile.BAD_GZIP, raw=True)
    web.route("/lzw", hostile.UNKNOWN_ENCODING, raw=True)
    web.route("/cs", hostile.BAD_CHARSET, raw=True)
    results = check_all(
        [web.url("/gz"), web.url("/lzw"), web.url("/cs")], settings(timeout=TIMEOUT)
    )
    for path in ("/gz", "/lzw"):
        r = results[web.url(path)]
        assert r.observation.status == 200
        assert r.observation.error is ErrorKind.DECODING
        assert r.classification.outcome is Outcome.OK
        assert any("body unreadable" in e for e in r.classification.evidence)
    cs = results[web.url("/cs")]
    assert cs.classification.outcome is Outcome.OK
    assert cs.observation.fingerprint is not None
    assert cs.observation.fingerprint.title.startswith("Привет")


def test_the_run_goes_on_past_every_hostile_server(web: WebServer) -> None:
    web.route("/fine", Reply(200, "<title>Fine</title><p>" + "ok " * 50))
    handlers = {
        "/hang": hostile.hang,
        "/drip": hostile.drip_body,
        "/big": hostile.endless_body,
        "/garbage": hostile.GARBAGE,
        "/huge": hostile.HUGE_HEADERS,
    }
    for path, handler in handlers.items():
        web.route(path, handler, raw=True)
    web.route("/loop", Reply(302, "", headers=[("Location", "/loop")]))
    urls = [web.url(p) for p in [*handlers, "/loop", "/fine"]]
    started = time.monotonic()
    results = check_all(urls, settings(timeout=TIMEOUT, per_host=8))
    assert time.monotonic() - started < TIMEOUT + 1.5
    assert len(results) == len(urls)
    assert results[web.url("/fine")].classification.outcome is Outcome.OK
    assert results[web.url("/loop")].classification.outcome is Outcome.REDIRECT_LOOP


LONG = 90_000  # characters of each Location: under the 100 KB head an answer may have


def _long_redirects(request: Request) -> Reply:
    parts = request.path.split("/")  # /r/<hop>/<chain>/aaa...
    hop, chain = (int(parts[2]), parts[3]) if len(parts) > 3 else (0, "x")
    if hop >= 11:
        return Reply(200, "<title>End</title><p>" + "fine " * 50)
    return Reply(302, "", headers=[("Location", f"/r/{hop + 1}/{chain}/" + "a" * LONG)])


def _kept(obs: Observation) -> int:
    """Characters of everything the observation keeps that an answer chose."""
    hops = sum(len(h.url) + len(h.location or "") for h in obs.redirects)
    headers = sum(len(v) for _, v in obs.headers)
    fp = len(obs.fingerprint.final_url) if obs.fingerprint else 0
    return len(obs.final_url or "") + len(obs.detail) + hops + headers + fp + len(obs.signals)


@pytest.mark.parametrize("max_redirects", [11, 10], ids=["followed", "too-many"])
def test_long_locations_are_kept_cut(web: WebServer, max_redirects: int) -> None:
    web.fallback(_long_redirects)
    result = check_one(web.url("/r/0/x/"), settings(timeout=5, max_redirects=max_redirects))
    obs = result.observation
    assert len(obs.redirects) == 11
    # what was followed was the full URL; what is kept is its start, length and hash
    assert obs.redirects[-1].location is not None
    assert f"[cut: {LONG + 8} chars, sha256 " in obs.redirects[-1].location
    assert len({h.location for h in obs.redirects}) == 11  # still told apart
    assert _kept(obs) < 64 * 1024, _kept(obs)
    assert sum(map(len, result.classification.evidence)) < 16 * 1024
    if max_redirects == 11:
        assert obs.status == 200 and result.classification.outcome is Outcome.REDIRECTED
        assert obs.final_url is not None and obs.final_url.startswith(web.url("/r/11/x/aaa"))
    else:
        assert obs.error is ErrorKind.TOO_MANY_REDIRECTS
        assert result.classification.outcome is Outcome.REDIRECT_LOOP


def test_long_header_values_are_kept_cut(web: WebServer) -> None:
    web.route("/h", Reply(200, "<title>t</title>", headers=[("Server", "s" * 50_000)]))
    obs = check_one(web.url("/h"), settings(timeout=5)).observation
    (server,) = [v for k, v in obs.headers if k == "server"]
    assert server.startswith("s" * 900) and server.endswith("]") and len(server) == 1024
    assert "[cut: 50000 chars, sha256 " in server


INNOCENT_S = 1.0  # an innocent page that takes a second to answer


async def _innocent(request: Request) -> Reply:
    await asyncio.sleep(INNOCENT_S)
    return Reply(200, "<title>Innocent</title><p>" + "fine " * 50)


def _innocent_times(web: WebServer, other: WebServer, hostile_paths: list[str]) -> list[float]:
    innocent = [other.url(f"/innocent/{i}") for i in range(4)]
    results = check_all(
        [*(web.url(p) for p in hostile_paths), *innocent],
        settings(timeout=3.0, per_host=8, max_redirects=11),
    )
    assert all(results[u].classification.outcome is Outcome.OK for u in innocent)
    return [results[u].observation.elapsed_ms / 1000 for u in innocent]


def test_hostile_answers_do_not_delay_innocent_urls(web: WebServer) -> None:
    """Issue 18's freezes: a header of spaces ending in a control byte, 401 pages with
    an unclosed <title>, redirect chains of 90 KB Locations: none holds the loop."""
    head = b"HTTP/1.1 200 OK\r\nX:" + b" " * 99_000 + b"\x01\r\nContent-Length: 0\r\n\r\n"
    web.route("/spaces", hostile.raw_reply(head), raw=True)
    web.route("/wall", Reply(401, "<html><title>" + "<title" * 11_000))
    web.fallback(_long_redirects)
    hostile_paths = ["/spaces", "/spaces?2", *(f"/wall?{i}" for i in range(8)), "/r/0/x/"]
    with WebServer("127.0.0.2") as other:
        other.fallback(_innocent)
        control = _innocent_times(web, other, [])
        started = time.monotonic()
        during = _innocent_times(web, other, hostile_paths)
        assert time.monotonic() - started < 3.0 + 1
    assert max(during) < max(control) * 1.1 + 0.1, (control, during)


def test_long_locations_are_not_kept_by_caches(web: WebServer) -> None:
    """Caches keyed on URLs (split, cues) once held every 90 KB Location: ~1.4 GB at 8,192."""
    web.fallback(_long_redirects)
    urls = [web.url(f"/r/0/{i}/") for i in range(40)]
    tracemalloc.start(30)
    try:
        results = check_all(urls, settings(timeout=10, per_host=8, max_redirects=11))
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    assert all(r.observation.status == 200 for r in results.values())
    # what the checker still holds, not what the test server logged
    ours = snapshot.filter_traces([tracemalloc.Filter(False, "*/tests/servers/*", all_frames=True)])
    held = sum(stat.size for stat in ours.statistics("filename"))
    assert held < 16 * 2**20, f"{held / 2**20:.1f} MiB held after 40 chains of 90 KB Locations"
