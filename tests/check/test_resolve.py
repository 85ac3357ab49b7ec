"""Resolution: NXDOMAIN vs resolver failure, and the run's own network (offline)."""

from __future__ import annotations

import socket
import ssl

import httpcore
import pytest

from audit.check.errors import LinkFailure, describe, gai_kind
from audit.check.offline import verdict
from audit.models import ErrorKind, Network, Outcome
from tests.check.conftest import check_all, settings
from tests.servers.dns import dns_server


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (socket.EAI_NONAME, ErrorKind.DNS_NXDOMAIN),
        (socket.EAI_AGAIN, ErrorKind.DNS_ERROR),
        (socket.EAI_FAIL, ErrorKind.DNS_ERROR),
    ],
)
def test_getaddrinfo_codes(code: int, kind: ErrorKind) -> None:
    assert gai_kind(socket.gaierror(code, "x"))[0] is kind


def test_describe_maps_transport_exceptions() -> None:
    refused = httpcore.ConnectError("x")
    refused.__cause__ = ConnectionRefusedError(111, "refused")
    assert describe(refused)[0] is ErrorKind.CONNECT
    cert = ssl.SSLCertVerificationError("verify failed")
    cert.verify_code = 10
    cert.verify_message = "certificate has expired"
    wrapped = httpcore.ConnectError("tls")
    wrapped.original = cert  # type: ignore[attr-defined]
    assert describe(wrapped) == (ErrorKind.TLS, "certificate expired")
    assert describe(TimeoutError())[0] is ErrorKind.TIMEOUT
    assert describe(httpcore.RemoteProtocolError("illegal status line"))[0] is ErrorKind.PROTOCOL
    assert describe(LinkFailure(ErrorKind.POLICY, "no")) == (ErrorKind.POLICY, "no")


def test_network_verdict_from_canaries() -> None:
    assert verdict(3, 3) is Network.ONLINE
    assert verdict(2, 3) is Network.ONLINE
    assert verdict(1, 3) is Network.OFFLINE
    assert verdict(0, 1) is Network.OFFLINE
    assert verdict(0, 0) is Network.ONLINE  # no canaries configured: nothing to say


def test_resolver_failure_is_dns_error_not_nxdomain() -> None:
    zone = {"www.region.servfail.test": "SERVFAIL"}
    with dns_server(zone) as dns:
        results = check_all(
            ["http://www.region.servfail.test/", "http://gone.invalid/"],
            settings(dns_server=dns.dns_server),
        )
    assert results["http://www.region.servfail.test/"].classification.outcome is Outcome.DNS_ERROR
    assert results["http://gone.invalid/"].classification.outcome is Outcome.DNS_NXDOMAIN


def test_failing_canaries_make_every_dns_failure_offline() -> None:
    zone = {"servfail.test": "SERVFAIL"}
    with dns_server(zone) as dns:
        s = settings(
            canaries=("a.servfail.test", "b.servfail.test", "localhost"),
            dns_server=dns.dns_server,
        )
        results = check_all(
            ["http://www.region.servfail.test/", "http://gone.invalid/", "http://127.0.0.1:9/"], s
        )
    assert results["http://www.region.servfail.test/"].classification.outcome is Outcome.OFFLINE
    assert results["http://gone.invalid/"].classification.outcome is Outcome.OFFLINE
    offline = results["http://gone.invalid/"]
    assert offline.observation.error is ErrorKind.OFFLINE
    assert "dns_nxdomain" in offline.observation.detail  # the original failure is kept
    # A local address does not need the network: its failure stays real.
    assert results["http://127.0.0.1:9/"].classification.outcome is Outcome.CONNECTION_ERROR
