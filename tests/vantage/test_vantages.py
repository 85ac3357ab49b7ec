"""Several vantages end to end: real proxies (pproxy) and a web that answers by vantage.

`ru` is this machine (127.0.0.1), `eu` and `us` are SOCKS5 / HTTP CONNECT proxies
on 127.0.0.2 and 127.0.0.3; simulated weeks go by with AUDIT_NOW.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from audit.cli import main
from tests.servers.dns import dns_server
from tests.servers.proxy import ProxyServer
from tests.servers.web import Reply, WebServer
from tests.vantage.conftest import BLOCK_PAGE, by_peer, page, registry

RU, EU, US = "127.0.0.1", "127.0.0.2", "127.0.0.3"


def audit_run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    reg: Path,
    when: str,
    *vantages: str,
) -> dict[str, dict[str, object]]:
    """One `audit run --all` at `when`; the JSON report's resources by id."""
    monkeypatch.setenv("AUDIT_NOW", when)
    args = ["run", "--registry", str(reg), "--db", str(tmp_path / "a.sqlite")]
    args += ["--reports", str(tmp_path / "r"), "--no-archive", "--allow-private", "--all"]
    args += ["--canary", "localhost", "--timeout", "3", "--retries", "0", "-q"]
    for v in vantages:
        args += ["--vantage", v]
    code = main(args)
    capsys.readouterr()
    assert code in (0, 2)
    data = json.loads((tmp_path / "r" / "status.json").read_text(encoding="utf-8"))
    return {r["id"]: r for r in data["results"]}


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


WEEKS = ["2026-03-02T06:00:00Z", "2026-03-09T06:00:00Z", "2026-03-16T06:00:00Z"]


def test_refused_from_the_primary_alive_elsewhere_is_blocked_for_weeks(
    geo: WebServer,
    eu: ProxyServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geo.route("/", by_peer({EU: page("Regional portal")}), raw=True)
    reg = registry(tmp_path, [("portal", geo.url("/"))])
    for when in WEEKS:
        got = audit_run(
            capsys, monkeypatch, tmp_path, reg, when, "ru=direct", f"eu={eu.url('socks5h')}"
        )
        assert got["portal"]["verdict"] == "blocked"
        assert "reachable from `eu`, not from `ru`" in str(got["portal"]["reason"])
    db = tmp_path / "a.sqlite"
    seen = rows(db, "SELECT vantage, outcome FROM observations ORDER BY id")
    assert seen == [("ru", "connection_error"), ("eu", "ok")] * 3
    assert ("dead",) not in rows(db, "SELECT after FROM verdicts")
    # the run header lists both vantages and how they did
    header = str(rows(db, "SELECT vantage FROM runs")[-1][0])
    assert "ru (direct, reachable)" in header and "eu (socks5h://127.0.0.2" in header
    # reports: a row per vantage (JSON and HTML), each history mark with its vantage
    views = got["portal"]["vantages"]
    assert [(w["vantage"], w["outcome"]) for w in views] == [
        ("ru", "connection_error"),
        ("eu", "ok"),
    ]  # type: ignore[index]
    assert views[0]["address"] == "127.0.0.1" and views[1]["address"] is None  # type: ignore[index]
    assert [m["vantage"] for m in got["portal"]["history"]] == ["ru", "eu"] * 3  # type: ignore[union-attr]
    html = (tmp_path / "r" / "status.html").read_text(encoding="utf-8")
    assert "<dt>Vantages</dt>" in html and "<b>eu</b>" in html and "<b>ru</b>" in html
    assert "eu (socks5h://127.0.0.2" in html  # the run header
    # audit history lists each observation's vantage
    assert main(["history", "portal", "--registry", str(reg), "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert text.count(" ru  connection_error") == 3 and text.count(" eu  ok") == 3


def test_the_same_refusals_from_one_vantage_make_it_dead_and_say_so(
    geo: WebServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geo.route("/", by_peer({EU: page("Regional portal")}), raw=True)
    reg = registry(tmp_path, [("portal", geo.url("/"))])
    for when in WEEKS:
        got = audit_run(capsys, monkeypatch, tmp_path, reg, when)
    assert got["portal"]["verdict"] == "dead"
    assert "seen from one vantage only" in str(got["portal"]["reason"])


def test_dead_from_every_vantage_is_dead(  # noqa: PLR0917 - fixtures
    geo: WebServer,
    eu: ProxyServer,
    us: ProxyServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geo.route("/gone", Reply(404, "<title>Not Found</title><h1>Not Found</h1>"))
    reg = registry(tmp_path, [("gone", geo.url("/gone"))])
    vantages = ("ru=direct", f"eu={eu.url('socks5h')}", f"us={us.url('http')}")
    verdicts = [
        audit_run(capsys, monkeypatch, tmp_path, reg, when, *vantages)["gone"]["verdict"]
        for when in WEEKS
    ]
    assert verdicts == ["suspect", "suspect", "dead"]
    db = tmp_path / "a.sqlite"
    assert rows(db, "SELECT vantage, count(*) FROM observations GROUP BY 1 ORDER BY 1") == [
        ("eu", 3),
        ("ru", 3),
        ("us", 3),
    ]


def test_a_block_page_from_one_vantage(
    geo: WebServer,
    eu: ProxyServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = {RU: Reply(200, BLOCK_PAGE), EU: page("Independent newspaper")}
    geo.route("/news", by_peer(answers), raw=True)
    reg = registry(tmp_path, [("news", geo.url("/news"))])
    got = audit_run(
        capsys, monkeypatch, tmp_path, reg, WEEKS[0], "ru=direct", f"eu={eu.url('http')}"
    )
    assert got["news"]["verdict"] == "blocked"
    assert "block page" in str(got["news"]["reason"])
    assert "reachable from `eu`" in str(got["news"]["reason"])


def test_alive_from_the_primary_asks_no_other_vantage(
    geo: WebServer,
    eu: ProxyServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geo.route("/", page("Portal"))
    reg = registry(tmp_path, [("p", geo.url("/"))])
    got = audit_run(
        capsys, monkeypatch, tmp_path, reg, WEEKS[0], "ru=direct", f"eu={eu.url('socks5h')}"
    )
    assert got["p"]["verdict"] == "alive"
    assert rows(tmp_path / "a.sqlite", "SELECT vantage FROM observations") == [("ru",)]
    assert geo.hits("/") == 1


def test_a_proxy_that_goes_down_mid_run_makes_only_its_observations_offline(
    geo: WebServer,
    us: ProxyServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    eu = ProxyServer("127.0.0.2").start()
    try:
        answered: list[str] = []

        def first_then_down(title: str):  # type: ignore[no-untyped-def]
            inner = by_peer({EU: page(title), US: page(title)})

            async def handler(request, reader, writer):  # type: ignore[no-untyped-def]
                if writer.get_extra_info("peername")[0] == EU:
                    answered.append(title)
                    if len(answered) > 1:  # eu's proxy dies after its first answer
                        down = threading.Thread(target=eu.stop)
                        down.start()
                        await asyncio.to_thread(down.join)
                await inner(request, reader, writer)

            return handler

        for name in ("a", "b", "c"):
            geo.route(f"/{name}", first_then_down(name), raw=True)
        reg = registry(tmp_path, [(n, geo.url(f"/{n}")) for n in ("a", "b", "c")])
        monkeypatch.setenv("AUDIT_NOW", WEEKS[0])
        args = ["run", "--registry", str(reg), "--db", str(tmp_path / "a.sqlite")]
        args += ["--reports", str(tmp_path / "r"), "--no-archive", "--allow-private"]
        args += ["--canary", "localhost", "--timeout", "3", "--retries", "0", "-q"]
        args += ["--concurrency", "1", "--vantage", "ru=direct"]
        args += ["--vantage", f"eu={eu.url('socks5h')}", "--vantage", f"us={us.url('http')}"]
        main(args)
        capsys.readouterr()
    finally:
        eu.stop()
    db = tmp_path / "a.sqlite"
    by_vantage: dict[str, list[str]] = {}
    for vantage, outcome in rows(db, "SELECT vantage, outcome FROM observations ORDER BY id"):
        by_vantage.setdefault(str(vantage), []).append(str(outcome))
    assert by_vantage["ru"] == ["connection_error"] * 3  # the primary is untouched
    assert by_vantage["us"] == ["ok"] * 3  # so is the other proxy
    # eu: its first answer, then (the request in flight as the proxy died may still see
    # the reset) offline: never a failure of the resource
    first, dying, last = by_vantage["eu"]
    assert (first, last) == ("ok", "offline") and dying in ("offline", "connection_error")
    assert rows(db, "SELECT network FROM runs") == [("online",)]
    header = str(rows(db, "SELECT vantage FROM runs")[0][0])
    assert "eu (socks5h://127.0.0.2" in header and "offline" in header
    data = json.loads((tmp_path / "r" / "status.json").read_text(encoding="utf-8"))
    assert {r["verdict"] for r in data["results"]} == {"blocked"}


def test_dns_answers_that_differ_one_resolver_per_vantage(
    geo: WebServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geo.route("/", page("Regional portal"))
    name = "www.portal.test"
    url = f"http://{name}:{geo.port}/"
    reg = registry(tmp_path, [("portal", url)])
    # ru's resolver says the name does not exist; eu's resolves it (OONI's "dns" blocking)
    with dns_server({}) as ru, dns_server({name: "127.0.0.1"}) as eu:
        got = audit_run(
            capsys,
            monkeypatch,
            tmp_path,
            reg,
            WEEKS[0],
            f"ru=dns://{ru.address}",
            f"eu=dns://{eu.address}",
        )
        assert name in ru.queries() and name in eu.queries()
    assert got["portal"]["verdict"] == "blocked"
    assert "DNS answer differs: NXDOMAIN" in str(got["portal"]["reason"])
    seen = rows(tmp_path / "a.sqlite", "SELECT vantage, outcome FROM observations ORDER BY id")
    assert seen == [("ru", "dns_nxdomain"), ("eu", "ok")]
