"""The address policy holds through every vantage's proxy (issue 16, item 7)."""

from __future__ import annotations

import pytest

from audit.models import Outcome
from tests.check.conftest import check_one, settings
from tests.servers.proxy import ProxyServer
from tests.servers.web import Reply, WebServer


@pytest.mark.parametrize(
    ("scheme", "spelling"),
    [("socks5h", "2130706433"), ("socks5h", "localhost"), ("http", "0x7f.1"), ("http", "127.1")],
)
def test_loopback_spellings_are_refused_through_a_vantage_proxy(
    web: WebServer, eu: ProxyServer, scheme: str, spelling: str
) -> None:
    web.route("/secret", Reply(200, "<title>secret</title>"))
    s = settings(allow_private=False, proxy=eu.url(scheme), vantage="eu")
    # the cited URL itself names loopback: refused before anything is sent
    result = check_one(f"http://{spelling}:{web.port}/secret", s)
    assert result.classification.outcome is Outcome.SKIPPED
    assert result.observation.vantage == "eu"
    assert web.hits("/secret") == 0
