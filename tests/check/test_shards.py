"""Checking on several processes: hosts split, results as one Checker's, nothing lost."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace

import pytest

from audit import codec
from audit.check import (
    Checker,
    CheckResult,
    CheckSettings,
    CheckTarget,
    Shards,
    open_checker,
    parse_resolve,
)
from audit.check import shards as shards_mod
from audit.check.shards import merge_network, shard_of, workers_for
from audit.models import Network, Outcome
from bench.run import GUARD_DIR
from tests.check.conftest import settings
from tests.servers.web import Reply, WebServer

HOSTS = ("127.0.0.31", "127.0.0.32", "127.0.0.33", "127.0.0.34")
PAGE = "<html><head><title>{t}</title></head><body><h1>{t}</h1><p>{t} text.</p></body></html>"


@pytest.fixture(autouse=True)
def _children_reach_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child process is outside the in-process DNS guard: give it bench's loopback guard."""
    monkeypatch.setenv("PYTHONPATH", str(GUARD_DIR))


@pytest.fixture(name="sites")
def _sites() -> Iterator[list[WebServer]]:
    with ExitStack() as stack:
        servers = [stack.enter_context(WebServer(host=h)) for h in HOSTS]
        for s in servers:
            s.route("/", Reply(200, PAGE.format(t=f"Portal {s.host}")))
            s.route("/moved", Reply(301, "", headers=[("Location", "/doc/0")]))
            for i in range(6):
                s.route(f"/doc/{i}", Reply(200, PAGE.format(t=f"Document {i} of {s.host}")))
        yield servers


def _targets(sites: list[WebServer]) -> list[CheckTarget]:
    paths = ["/", "/moved", "/gone", *(f"/doc/{i}" for i in range(6))]
    return [
        CheckTarget(s.url(p), key=f"{s.host}{p}", accept=frozenset({404} if p == "/gone" else ()))
        for s in sites
        for p in paths
    ]


def _collect(checker: Checker | Shards, targets: list[CheckTarget]) -> list[CheckResult]:
    async def go() -> list[CheckResult]:
        async with checker:
            return [r async for r in checker.run(targets)]

    return asyncio.run(go())


def test_shards_answer_every_target_once_as_one_checker_does(sites: list[WebServer]) -> None:
    targets = _targets(sites)
    assert {shard_of(t.url, 2) for t in targets} == {0, 1}  # both processes get hosts
    s = settings()
    alone = {r.target.url: r for r in _collect(Checker(s), targets)}
    split = _collect(Shards(s, 2), targets)

    assert sorted(r.target.url for r in split) == sorted(t.url for t in targets)
    by_id = {id(t) for t in targets}
    for r in split:
        assert id(r.target) in by_id  # the caller's own target back, key and all
        one = alone[r.target.url]
        assert r.classification.outcome is one.classification.outcome, r.target.url
        assert r.observation.status == one.observation.status
        assert [h.status for h in r.observation.redirects] == [
            h.status for h in one.observation.redirects
        ]
    outcomes = {r.target.key: r.classification.outcome for r in split}
    assert outcomes[f"{HOSTS[1]}/moved"] is Outcome.REDIRECTED
    assert outcomes[f"{HOSTS[2]}/gone"] is Outcome.OK  # 404 accepted for that target
    assert outcomes[f"{HOSTS[3]}/doc/5"] is Outcome.OK


def test_settings_reach_a_child_whole() -> None:
    rule = parse_resolve("www.gov.test:443:127.0.0.5,::1")
    s = settings(resolve=(rule,), proxy="http://127.0.0.1:3128", canaries=("a.test", "b.test"))
    assert codec.decode(CheckSettings, codec.encode_bytes(s)) == s
    target = CheckTarget("http://x.test/", etag='"v1"', accept=frozenset({403, 404}), key=7)
    assert codec.decode(CheckTarget, codec.encode_bytes(target)) == target
    assert codec.decode(CheckTarget, codec.encode_bytes(target)).key == 7


def test_a_host_is_checked_by_one_process_only() -> None:
    same = [
        "http://portal.example.ru/a",
        "https://portal.example.ru:8443/b?q=1",
        "http://PORTAL.example.ru/c",
    ]
    assert len({shard_of(u, 3) for u in same}) == 1
    spread = {shard_of(f"http://host{i}.example/", 3) for i in range(60)}
    assert spread == {0, 1, 2}


def test_a_child_that_dies_leaves_its_urls_as_checker_errors(
    sites: list[WebServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        Shards, "command", ("-c", "import sys; sys.stdin.buffer.read(); sys.exit(3)")
    )
    targets = _targets(sites)
    results = _collect(Shards(settings(), 2), targets)

    assert len(results) == len(targets)
    for r in results:
        if shard_of(r.target.url, 2) == 0:
            assert r.observation.error is None, r.observation.detail
        else:
            assert r.classification.outcome is Outcome.CONNECTION_ERROR
            assert "exit code 3" in (r.observation.detail or ""), r.observation.detail


def test_a_child_that_talks_nonsense_is_stopped(
    sites: list[WebServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    nonsense = (
        "import sys, time; sys.stdin.buffer.read(); print('hello', flush=True); time.sleep(60)"
    )
    monkeypatch.setattr(Shards, "command", ("-c", nonsense))
    targets = _targets(sites)
    started = time.monotonic()
    results = _collect(Shards(settings(), 2), targets)

    assert time.monotonic() - started < 10  # not the child's 60 s
    lost = [r for r in results if shard_of(r.target.url, 2) == 1]
    assert lost and all("unreadable line" in (r.observation.detail or "") for r in lost)
    assert len(results) == len(targets)


def test_offline_children_make_the_run_offline(sites: list[WebServer]) -> None:
    s = settings(canaries=("canary.invalid",))  # fails in every process: no name resolves
    checker = Shards(s, 2)
    results = _collect(checker, _targets(sites))

    assert checker.network is Network.OFFLINE
    assert "canary.invalid" in checker.network_detail
    # loopback answers are real even offline: nothing was re-labelled
    assert checker.marked_offline == 0
    assert all(r.classification.outcome is not Outcome.OFFLINE for r in results)


def test_network_states_merge_to_offline_when_any_process_saw_it() -> None:
    assert merge_network([(Network.ONLINE, "ok"), (Network.OFFLINE, "3 of 3 fail")]) == (
        Network.OFFLINE,
        "3 of 3 fail",
    )
    assert merge_network([(Network.ONLINE, "a"), (Network.ONLINE, "b")]) == (Network.ONLINE, "a")


def test_how_many_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shards_mod, "cpus", lambda: 8)
    auto = CheckSettings()
    assert workers_for(auto, 12) == 1  # a small registry: one process
    assert workers_for(auto, 10_000) == 1  # pacing-bound: a second process gains nothing
    assert workers_for(auto, 50_000) == 2
    assert workers_for(auto, 1_000_000) == 4  # at most 4 by default
    assert workers_for(replace(auto, workers=6), 12) == 6  # the user's number stands
    monkeypatch.setattr(shards_mod, "cpus", lambda: 1)
    assert workers_for(auto, 100_000) == 1
    assert isinstance(open_checker(auto, []), Checker)
    assert isinstance(open_checker(replace(auto, workers=2), []), Shards)
