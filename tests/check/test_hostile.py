"""Hostile servers: each ends within its timeout (+1 s) and bounded memory, with the
right outcome, and the run goes on."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from audit.check import CheckResult
from audit.models import ErrorKind, Outcome
from tests.check.conftest import check_all, check_one, settings
from tests.servers import hostile
from tests.servers.web import Reply, WebServer

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
