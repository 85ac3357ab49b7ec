"""Through a proxy, every spelling of a local address is refused, as without one."""

from __future__ import annotations

import pytest

from audit.check.hostnames import canonical_ip
from audit.models import ErrorKind, Outcome
from tests.check.conftest import check_one, settings
from tests.servers.web import Reply, WebServer

SPELLINGS = ("2130706433", "0x7f.1", "127.1", "017700000001", "localhost", "www.localhost")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_redirect_to_a_local_spelling_is_refused_through_the_proxy(spelling: str) -> None:
    with WebServer(host="127.0.0.15") as proxy:  # a forward proxy: it sees absolute URLs
        target = f"http://{spelling}:{proxy.port}/admin"
        proxy.route("http://www.gov.test/doc", Reply(302, "", headers=[("Location", target)]))
        proxy.route(target, Reply(200, "<title>Inside</title>"))
        result = check_one(
            "http://www.gov.test/doc", settings(proxy=proxy.url("/"), allow_private=False)
        )
        assert result.observation.error is ErrorKind.POLICY, result.observation
        assert result.classification.outcome is Outcome.SKIPPED
        assert [r.target for r in proxy.requests] == ["http://www.gov.test/doc"]


def test_allow_private_lets_them_through() -> None:
    with WebServer(host="127.0.0.15") as proxy:
        target = f"http://127.1:{proxy.port}/admin"
        proxy.route("http://www.gov.test/doc", Reply(302, "", headers=[("Location", target)]))
        page = "<title>Inside</title><p>" + "Intranet content. " * 40 + "</p>"
        # the redirect target is read as a browser reads it: 127.1 is 127.0.0.1
        proxy.route(f"http://127.0.0.1:{proxy.port}/admin", Reply(200, page))
        result = check_one(
            "http://www.gov.test/doc", settings(proxy=proxy.url("/"), allow_private=True)
        )
        assert result.observation.status == 200


def test_numeric_spellings() -> None:
    assert [canonical_ip(s) for s in SPELLINGS[:4]] == ["127.0.0.1"] * 4
    assert canonical_ip("[::1]") == "::1" and canonical_ip("example.org") is None
