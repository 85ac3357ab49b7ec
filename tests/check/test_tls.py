"""TLS: certificates from a throwaway CA; the name is sent as SNI to a --resolve'd address."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import pytest

from audit.check import CheckResult, parse_resolve
from audit.models import ErrorKind, Outcome
from tests.check.conftest import check_all, check_one, settings
from tests.servers.h2server import H2Server
from tests.servers.tls import Certs
from tests.servers.web import Reply, WebServer

PAGE = "<title>Secure report</title><p>" + "text " * 40 + "</p>"


@pytest.fixture(scope="module", name="certs")
def _certs() -> Certs:
    return Certs("www.gov.test")


def _check(certs: Certs, tmp_path: Path, make: Callable[[Certs], ssl.SSLContext]) -> CheckResult:
    with WebServer(host="127.0.0.7", tls=make(certs)) as srv:
        srv.route("/report", Reply(200, PAGE))
        s = settings(
            resolve=(parse_resolve(f"www.gov.test:{srv.port}:127.0.0.7"),),
            allow_private=False,
            ca_file=certs.ca_file(tmp_path),
        )
        return check_one(f"https://www.gov.test:{srv.port}/report", s)


def test_valid_certificate_with_sni_over_resolve(certs: Certs, tmp_path: Path) -> None:
    result = _check(certs, tmp_path, Certs.valid)
    assert result.classification.outcome is Outcome.OK


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (Certs.expired, "certificate expired"),
        (Certs.untrusted, "untrusted issuer"),
        (Certs.wrong_name, "name mismatch"),
    ],
)
def test_certificate_failures_name_the_reason(
    certs: Certs, tmp_path: Path, make: Callable[[Certs], ssl.SSLContext], reason: str
) -> None:
    result = _check(certs, tmp_path, make)
    obs = result.observation
    assert result.classification.outcome is Outcome.TLS_ERROR
    assert obs.error is ErrorKind.TLS
    assert reason in obs.detail
    # Whether it answers without verification is evidence only.
    assert "tls-insecure:HTTP 200" in obs.signals
    assert any(
        "without certificate verification: HTTP 200" in e for e in result.classification.evidence
    )


def test_plain_http_to_a_tls_port_is_a_protocol_failure(certs: Certs) -> None:
    with WebServer(host="127.0.0.7", tls=certs.valid()) as srv:
        result = check_one(f"http://127.0.0.7:{srv.port}/", settings(timeout=2))
    assert result.classification.outcome is Outcome.CONNECTION_ERROR
    assert result.observation.error in (ErrorKind.RESET, ErrorKind.PROTOCOL)


def test_http2_is_negotiated_and_multiplexed(certs: Certs, tmp_path: Path) -> None:
    body = ("<title>Report over h2</title><p>" + "text " * 40 + "</p>").encode()
    with H2Server(certs.valid(), body, host="127.0.0.15") as srv:
        s = settings(
            resolve=(parse_resolve(f"www.gov.test:{srv.port}:127.0.0.15"),),
            ca_file=certs.ca_file(tmp_path),
            per_host=4,
        )
        urls = [f"https://www.gov.test:{srv.port}/doc/{i}" for i in range(6)]
        results = check_all(urls, s)
    assert {r.classification.outcome for r in results.values()} == {Outcome.OK}
    assert sorted(srv.paths) == sorted(f"/doc/{i}" for i in range(6))
