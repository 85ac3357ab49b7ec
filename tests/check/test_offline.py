"""The run's own network when names resolve but nothing outside answers (firewall, dead proxy)."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime

import pytest

from audit.check import (
    Checker,
    CheckResult,
    CheckSettings,
    CheckTarget,
    Shards,
    classify,
    parse_resolve,
)
from audit.check.offline import Silence, place
from audit.check.shards import shard_of
from audit.models import ErrorKind, Network, Observation, Outcome
from bench.run import GUARD_DIR
from tests.check.conftest import settings
from tests.servers import hostile
from tests.servers.web import Reply, WebServer


def _outside(obs: Observation) -> bool:
    return True  # the check went beyond this machine


def _local(obs: Observation) -> bool:
    return False  # a --resolve mapping or a local address


PAGE = "<html><head><title>Live</title></head><body><h1>Live</h1><p>Text.</p></body></html>"


def _result(url: str, *, status: int | None = None, error: ErrorKind | None = None) -> CheckResult:
    obs = Observation(url=url, checked_at=datetime.now(UTC), status=status, error=error)
    return CheckResult(CheckTarget(url), obs, classify(obs))


def test_failures_stand_once_an_outside_host_answers() -> None:
    silence = Silence(3)
    held = [_result(f"http://dead{i}.example/", error=ErrorKind.TIMEOUT) for i in range(5)]
    assert all(silence.see(r, _outside) == [] for r in held)  # held back, not yet judged
    live = _result("http://live.example/", status=200)
    assert silence.see(live, _outside) == [*held, live]
    late = _result("http://late.example/", error=ErrorKind.CONNECT)
    assert silence.see(late, _outside) == [late]  # no more waiting
    assert silence.suspect() == ""
    assert silence.release() == []


def test_no_outside_answer_from_enough_hosts_is_suspect() -> None:
    silence = Silence(3)
    failures = [
        _result("http://a.example/1", error=ErrorKind.TIMEOUT),
        _result("http://a.example/2", error=ErrorKind.TIMEOUT),
        _result("http://b.example/", error=ErrorKind.CONNECT),
        _result("https://c.example/", error=ErrorKind.TLS),
    ]
    local = _result("http://127.0.0.1:8080/", status=200)
    for r in failures:
        assert silence.see(r, _outside) == []
    assert silence.see(local, _local) == [local]  # a local answer proves nothing
    why = silence.suspect()
    assert why == "none of 3 hosts answered: 2 timeout, 1 connect, 1 tls"
    held = silence.release(why)
    assert [r.target.url for r in held] == [r.target.url for r in failures]
    assert all(r.classification.outcome is Outcome.OFFLINE for r in held)
    assert "timeout" in (held[0].observation.detail or "")  # the original failure is kept


def test_suspected_silence_released_as_it_was_when_the_network_works() -> None:
    silence = Silence(2)
    failures = [_result(f"http://{h}.example/", error=ErrorKind.TIMEOUT) for h in "ab"]
    for r in failures:
        silence.see(r, _outside)
    assert silence.suspect()
    assert silence.release() == failures


@pytest.mark.parametrize(
    ("failures", "min_hosts"),
    [
        ([("http://a.example/", ErrorKind.TIMEOUT), ("http://b.example/", ErrorKind.CONNECT)], 3),
        ([(f"http://{h}.example/", ErrorKind.DNS_NXDOMAIN) for h in "abcd"], 3),
        ([(f"http://{h}.example/", ErrorKind.TIMEOUT) for h in "abcd"], 0),
    ],
    ids=["too-few-hosts", "nxdomain-is-an-answer", "switched-off"],
)
def test_silence_without_enough_evidence_changes_nothing(
    failures: list[tuple[str, ErrorKind]], min_hosts: int
) -> None:
    silence = Silence(min_hosts)
    results = [_result(url, error=kind) for url, kind in failures]
    passed = [r for result in results for r in silence.see(result, _outside)]
    assert silence.suspect() == ""
    assert passed + silence.release() == results


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(checker: Checker | Shards, urls: list[str]) -> dict[str, Outcome]:
    async def go() -> dict[str, Outcome]:
        async with checker:
            return {
                r.target.url: r.classification.outcome
                async for r in checker.run([CheckTarget(u) for u in urls])
            }

    return asyncio.run(go())


def test_a_dead_proxy_makes_the_run_offline_not_the_sites_dead() -> None:
    """Names need no resolving through a proxy, so the canaries cannot tell; silence can."""
    urls = [f"http://portal-{i}.gov.test/doc" for i in range(4)]
    checker = Checker(settings(proxy=f"http://127.0.0.1:{_closed_port()}"))
    outcomes = _run(checker, urls)

    assert outcomes == dict.fromkeys(urls, Outcome.OFFLINE)
    assert checker.network is Network.OFFLINE
    # each failure asks whether the proxy takes a connection (a vantage's own network)
    assert checker.network_detail.startswith("the proxy cannot be reached")
    assert checker.marked_offline == 4


def test_only_dead_sites_behind_a_working_proxy_stay_failures() -> None:
    """A run may check nothing but dead sites (the re-checks that confirm them): the proxy
    takes connections, so our side works and the failures are real."""
    with WebServer(host="127.0.0.17") as proxy:
        dead = [f"http://dead-{i}.gov.test/" for i in range(4)]
        for url in dead:
            proxy.route(url, hostile.hang, raw=True)
        checker = Checker(settings(proxy=proxy.url("/"), timeout=1.0))
        outcomes = _run(checker, dead)

    assert outcomes == dict.fromkeys(dead, Outcome.TIMEOUT)
    assert checker.network is Network.ONLINE
    assert checker.marked_offline == 0


def test_a_canary_that_takes_a_connection_says_our_side_works(web: WebServer) -> None:
    async def ask(canaries: tuple[str, ...]) -> str:
        async with Checker(settings(canaries=canaries)) as checker:
            return await checker.unreachable()

    assert asyncio.run(ask((f"localhost:{web.port}",))) == ""
    closed = f"localhost:{_closed_port()}"
    why = asyncio.run(ask((closed, closed)))
    assert why.startswith("2 of 2 canaries cannot be reached")
    assert asyncio.run(ask(())) == ""  # no canaries: nothing to ask, failures stand


def test_one_live_site_behind_the_proxy_keeps_the_others_failures_real() -> None:
    with WebServer(host="127.0.0.15") as proxy:
        proxy.route("http://live.gov.test/", Reply(200, PAGE))
        dead = [f"http://dead-{i}.gov.test/" for i in range(3)]
        for url in dead:
            proxy.route(url, hostile.hang, raw=True)
        s = settings(proxy=proxy.url("/"), timeout=1.0)
        outcomes = _run(Checker(s), [*dead, "http://live.gov.test/"])

    assert outcomes == {**dict.fromkeys(dead, Outcome.TIMEOUT), "http://live.gov.test/": Outcome.OK}


def test_shards_ask_whether_anything_answered_of_the_whole_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One process's share may be all dead hosts while the other's answer: not offline."""
    monkeypatch.setenv("PYTHONPATH", str(GUARD_DIR))  # the child: loopback only
    live = "http://live.gov.test/"
    dead = [f"http://dead-{i}.gov.test/" for i in range(12)]
    dead = [u for u in dead if shard_of(u, 2) != shard_of(live, 2)][:3]
    assert len(dead) == 3
    with WebServer(host="127.0.0.16") as proxy:
        proxy.route(live, Reply(200, PAGE))
        for url in dead:
            proxy.route(url, hostile.hang, raw=True)
        checker = Shards(settings(proxy=proxy.url("/"), timeout=1.0), 2)
        outcomes = _run(checker, [*dead, live])

    assert outcomes == {**dict.fromkeys(dead, Outcome.TIMEOUT), live: Outcome.OK}
    assert checker.network is Network.ONLINE
    assert checker.marked_offline == 0


def test_silent_hosts_setting_is_checked() -> None:
    from audit.errors import InputError

    with pytest.raises(InputError, match="silent-hosts"):
        CheckSettings(silent_hosts=-1)


@pytest.mark.parametrize(
    ("canary", "expected"),
    [
        ("example.com", ("example.com", 443)),
        ("localhost:8080", ("localhost", 8080)),
        ("[::1]:8443", ("::1", 8443)),
        ("::1", ("::1", 443)),
    ],
)
def test_a_canary_names_its_port_or_is_asked_on_443(canary: str, expected: tuple[str, int]) -> None:
    assert place(canary) == expected


def test_a_canary_mapped_with_resolve_is_asked_at_its_mapped_address() -> None:
    """`--canary` honours `--resolve`: the suite's DNS answers NXDOMAIN for every name."""
    with WebServer(host="127.0.0.21") as site:
        site.route("/ok", Reply(200, "<title>Ok</title><p>" + "Content. " * 40 + "</p>"))
        mapped = settings(
            canaries=("canary.example.org",),
            resolve=(parse_resolve(f"canary.example.org:443:{site.host}"),),
        )
        unmapped = settings(canaries=("canary.example.org",))

        async def network(s: CheckSettings) -> Network:
            async with Checker(s) as checker:
                async for _ in checker.run([CheckTarget(site.url("/ok"))]):
                    pass
                return await checker._monitor.state()

        assert asyncio.run(network(mapped)) is Network.ONLINE
        assert asyncio.run(network(unmapped)) is Network.OFFLINE
