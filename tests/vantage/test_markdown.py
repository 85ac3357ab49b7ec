"""The Markdown report's vantages (issue 16): a row per vantage, the run header's vantages.

A real store: `audit run` with three vantages, `ru` (this machine), `eu` (a SOCKS5
proxy on 127.0.0.2) and `us` (a proxy address where nothing listens), against a web
that refuses `ru` and answers `eu`.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from audit.check.vantage import Vantage
from audit.cli import main
from audit.confirm import VantageState, describe
from audit.report import _vantages
from audit.report._i18n import translator
from tests.servers.proxy import ProxyServer
from tests.servers.web import WebServer
from tests.vantage.conftest import by_peer, page, registry
from tests.vantage.test_vantages import EU, WEEKS, audit_run


def nothing_listens(host: str) -> int:
    """A port on `host` that refuses connections (bound, then closed)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def test_markdown_shows_each_vantage_and_the_run_header_says_how_each_did(
    geo: WebServer,
    eu: ProxyServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geo.route("/", by_peer({EU: page("Regional portal")}), raw=True)
    reg = registry(tmp_path, [("portal", geo.url("/"))])
    dead_proxy = f"http://127.0.0.4:{nothing_listens('127.0.0.4')}"
    vantages = ("ru=direct", f"eu={eu.url('socks5h')}", f"us={dead_proxy}")
    got = audit_run(capsys, monkeypatch, tmp_path, reg, WEEKS[0], *vantages)
    seen = [w["vantage"] for w in got["portal"]["vantages"]]  # type: ignore[union-attr]
    assert seen[0] == "ru" and sorted(seen) == ["eu", "ru", "us"]  # primary first
    md = (tmp_path / "r" / "status.md").read_text(encoding="utf-8")
    # the run header: each vantage, its way out, whether it was reachable
    assert "Checked from these vantages (the first is the primary):" in md
    assert "- **ru** (direct connection): reachable\n" in md
    assert f"- **eu** ({_md(eu.url('socks5h'))}): reachable\n" in md
    us_line = next(line for line in md.splitlines() if line.startswith("- **us**"))
    assert us_line.startswith(f"- **us** ({_md(dead_proxy)}): unreachable: every check offline")
    assert "direct connection" not in md.split("Checked from these")[0]  # not the old fact
    # the resource's row: one compact line per vantage (vantage, outcome, when)
    row = next(line for line in md.splitlines() if line.startswith("| **Resource portal**"))
    when = "Mar 2, 2026"
    assert f"**ru**: Connection failed, {when}" in row
    assert f"**eu**: OK, HTTP 200, {when}" in row
    assert f"**us**: Offline, {when}" in row
    assert row.index("**ru**") < min(row.index("**eu**"), row.index("**us**"))  # primary first
    # and in French, from the same store
    assert main(["report", "--registry", str(reg), "--db", str(tmp_path / "a.sqlite"),
                 "--reports", str(tmp_path / "fr"), "--lang", "fr", "-q"]) in (0, 2)  # fmt: skip
    fr = (tmp_path / "fr" / "status.md").read_text(encoding="utf-8")
    assert "- **ru** (connexion directe) : joignable\n" in fr
    assert "injoignable : toutes les vérifications hors ligne" in fr
    assert "**eu**: OK, HTTP 200, 2 mars 2026" in fr
    # the HTML header lists them the same way
    html = (tmp_path / "r" / "status.html").read_text(encoding="utf-8")
    assert 'class="plain run-vantages"' in html and "eu (socks5h://127.0.0.2" in html


def _md(url: str) -> str:
    """A URL as md_text writes it: an http(s) one gets no autolink (a zero-width space)."""
    return url.replace("://", "\u200b://", 1) if url.startswith("http") else url


def test_a_single_vantage_run_keeps_its_one_line() -> None:
    assert _vantages.parse("vm") == ()
    assert _vantages.parse("vm via proxy http://127.0.0.1:3128") == ()


def test_the_stored_line_reads_back_whatever_the_failure_said() -> None:
    states = [
        VantageState(Vantage("ru"), checked=4),
        VantageState(
            Vantage("eu", "socks5h://127.0.0.2:1080"),
            checked=5,
            offline=2,
            detail="ProxyError: (111, 'Connection refused'); retried",
        ),
        VantageState(
            Vantage("us", "http://127.0.0.3:8080"),
            checked=3,
            offline=3,
            detail="proxy failed: [Errno 111] Connect call failed ('127.0.0.3', 8080)",
        ),
        VantageState(Vantage("asia", "http://127.0.0.5:1")),
    ]
    got = _vantages.parse(describe(states))
    assert [(g.name, g.where, g.reach) for g in got] == [
        ("ru", "direct", "reachable"),
        ("eu", "socks5h://127.0.0.2:1080", "unreachable"),
        ("us", "http://127.0.0.3:8080", "unreachable"),
        ("asia", "http://127.0.0.5:1", "not asked"),
    ]
    tr = translator("en")
    assert _vantages.reach(got[1], tr) == (
        "partly unreachable: 2 of 5 checks offline (ProxyError: (111, 'Connection refused'); "
        "retried)"
    )
    assert _vantages.reach(got[2], tr).startswith("unreachable: every check offline (proxy failed")
    ru = translator("ru")
    assert _vantages.reach(got[1], ru).startswith("частично недоступна: 2 из 5 проверок без сети")
    # while the run is going, the line has no states yet
    running = _vantages.parse("ru (direct); eu (socks5h://127.0.0.2:1080)")
    assert [g.reach for g in running] == ["", ""]
    assert _vantages.reach(running[0], tr) == "not recorded"
