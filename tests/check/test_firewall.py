"""An egress firewall that passes 443 and refuses 80: http:// failures are `offline`, not dead.

Real servers on loopback: an https site that answers, a port that refuses (the
firewalled port 80), real names from a real DNS server (so the hosts count as
outside ones), and canaries for each scheme on the two ports.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from pathlib import Path

import trustme

from audit.check import Checker, CheckResult, CheckTarget
from audit.check.offline import places
from audit.models import ErrorKind, Network, Outcome
from tests.check.conftest import settings
from tests.servers.dns import dns_server
from tests.servers.web import Reply, WebServer

PAGE = Reply(200, "<title>Live</title><p>" + "words " * 40)
HTTPS_SITES = [f"secure-{i}.site.test" for i in range(3)]
HTTP_SITES = [f"plain-{i}.site.test" for i in range(4)]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tls(tmp_path: Path) -> tuple[ssl.SSLContext, str]:
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*HTTPS_SITES).configure_cert(ctx)
    pem = tmp_path / "ca.pem"
    pem.write_bytes(ca.cert_pem.bytes())
    return ctx, str(pem)


def _run(tmp_path: Path, http_canary_port: int) -> tuple[dict[str, CheckResult], Checker]:
    ctx, ca_file = _tls(tmp_path)
    refused = _closed_port()  # the firewall's answer on "port 80"
    zone = dict.fromkeys([*HTTPS_SITES, *HTTP_SITES], "127.0.0.1")
    with WebServer(tls=ctx) as https, dns_server(zone) as dns:
        https.route("/", PAGE)
        urls = [f"https://{h}:{https.port}/" for h in HTTPS_SITES]
        urls += [f"http://{h}:{refused}/" for h in HTTP_SITES]
        s = settings(
            dns_server=dns.dns_server,
            ca_file=ca_file,
            canaries=(f"https://localhost:{https.port}", f"http://localhost:{http_canary_port}"),
        )
        checker = Checker(s)

        async def go() -> dict[str, CheckResult]:
            async with checker:
                return {r.target.url: r async for r in checker.run(map(CheckTarget, urls))}

        return asyncio.run(go()), checker


def test_http_failures_behind_a_firewall_that_passes_443_are_offline(tmp_path: Path) -> None:
    results, checker = _run(tmp_path, http_canary_port=_closed_port())
    by_scheme: dict[str, set[Outcome]] = {}
    for url, r in results.items():
        by_scheme.setdefault(url.split(":", 1)[0], set()).add(r.classification.outcome)
    assert by_scheme == {"https": {Outcome.OK}, "http": {Outcome.OFFLINE}}
    plain = next(r for u, r in results.items() if u.startswith("http:"))
    assert plain.observation.error is ErrorKind.OFFLINE
    assert "none of 4 http:// hosts answered (https:// did)" in plain.observation.detail
    assert "http:// 1 of 1 canaries cannot be reached" in plain.observation.detail
    assert "connect" in plain.observation.detail  # the original failure is kept
    assert checker.network is Network.OFFLINE  # the reports say the run was (partly) offline
    assert checker.marked_offline == 4


def test_http_failures_stand_when_port_80_takes_connections(tmp_path: Path) -> None:
    with WebServer() as port80:  # our side can reach "port 80": the sites are down
        results, checker = _run(tmp_path, http_canary_port=port80.port)
    outcomes = {u: r.classification.outcome for u, r in results.items()}
    assert {o for u, o in outcomes.items() if u.startswith("http:")} == {Outcome.CONNECTION_ERROR}
    assert {o for u, o in outcomes.items() if u.startswith("https:")} == {Outcome.OK}
    assert checker.network is Network.ONLINE
    assert checker.marked_offline == 0


def test_canaries_are_asked_on_the_port_of_each_scheme() -> None:
    canaries = ("example.com", "localhost:8080", "http://plain.test", "https://tls.test:8443")
    assert places(canaries, "http") == [
        ("example.com", 80),
        ("localhost", 8080),
        ("plain.test", 80),
    ]
    assert places(canaries, "https") == [
        ("example.com", 443),
        ("localhost", 8080),
        ("tls.test", 8443),
    ]
