"""Address policy. Only loopback targets are used, so a broken guard can never send
traffic beyond this machine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from audit.check import CheckSettings, parse_resolve
from audit.check.resolve import refusal
from audit.models import ErrorKind, Outcome
from tests.check.conftest import check_one, settings
from tests.servers.web import Reply, WebServer

PAGE = "<title>Report</title><p>" + "content " * 40 + "</p>"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.9.9.9",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "224.0.0.1",
        "240.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "ff02::1",
        "::",
    ],
)
def test_refused_addresses(address: str) -> None:
    assert refusal(address) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(address) is None


@pytest.fixture(name="inner")
def _inner() -> Iterator[WebServer]:
    """The private target a redirect tries to reach (counts its hits)."""
    with WebServer(host="127.0.0.1") as srv:
        srv.route("/secret", Reply(200, PAGE))
        yield srv


@pytest.fixture(name="front")
def _front() -> Iterator[WebServer]:
    """A 'public' site: www.gov.test, mapped with --resolve to 127.0.0.6."""
    with WebServer(host="127.0.0.6") as srv:
        srv.route("/report", Reply(200, PAGE))
        yield srv


def _policy(front: WebServer, *, allow_private: bool = False) -> CheckSettings:
    rule = parse_resolve(f"www.gov.test:{front.port}:127.0.0.6")
    return settings(resolve=(rule,), allow_private=allow_private)


def test_loopback_url_is_skipped_without_a_request(inner: WebServer) -> None:
    result = check_one(inner.url("/secret"), settings(allow_private=False))
    assert result.classification.outcome is Outcome.SKIPPED
    assert result.observation.error is ErrorKind.POLICY
    assert "loopback" in result.observation.detail
    assert "--allow-private" in result.observation.detail
    assert inner.hits("/secret") == 0


def test_explicit_resolve_mapping_is_the_users_choice(front: WebServer) -> None:
    result = check_one(f"http://www.gov.test:{front.port}/report", _policy(front))
    assert result.classification.outcome is Outcome.OK
    assert front.hits("/report") == 1


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/secret",
        "http://localhost:{port}/secret",
        "http://[::1]:{port}/secret",
    ],
)
def test_redirect_to_a_private_address_is_refused(
    front: WebServer, inner: WebServer, target: str
) -> None:
    front.route("/jump", Reply(302, "", headers=[("Location", target.format(port=inner.port))]))
    result = check_one(f"http://www.gov.test:{front.port}/jump", _policy(front))
    assert result.classification.outcome is Outcome.SKIPPED
    assert result.observation.error is ErrorKind.POLICY
    assert [h.status for h in result.observation.redirects] == [302]
    assert inner.hits("/secret") == 0


def test_allow_private_lifts_the_policy(front: WebServer, inner: WebServer) -> None:
    front.route("/jump", Reply(302, "", headers=[("Location", inner.url("/secret"))]))
    result = check_one(f"http://www.gov.test:{front.port}/jump", _policy(front, allow_private=True))
    assert result.classification.outcome is Outcome.REDIRECTED
    assert inner.hits("/secret") == 1
