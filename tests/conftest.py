"""Shared fixtures: real loopback servers, each stopped by the test that started it.

No test may send a DNS query to the machine's configured resolver (it could leave
the machine). For the whole session every process the suite runs is pointed at a
loopback dnsmasq that answers NXDOMAIN for every name ($AUDIT_DNS_SERVER, which
the checker's resolver and `--dns-server` default to), and tests/guard/sitecustomize.py
(first on PYTHONPATH; imported here too) makes the other ways out fail: getaddrinfo
of a name and dnspython reading /etc/resolv.conf. Each attempt is recorded, and
`_no_system_dns` fails the test during which one happened, in this process or in
any `audit` it started. Tests that need names use tests/servers/dns.py.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit.check.settings import DEFAULT_CANARIES
from tests.servers.dns import DnsServer, dns_server
from tests.servers.postgres import PostgresServer, postgres_server
from tests.servers.web import WebServer

GUARD_DIR = Path(__file__).parent / "guard"


@pytest.fixture(name="web")
def _web() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


@pytest.fixture(name="postgres", scope="session")
def _postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session (started on first use); each test takes
    a fresh database of it (`postgres.new_database()` or the `location` fixture)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(name="location", params=["sqlite", "postgresql"])
def _location(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """A new, empty store on each engine: the store tests run on both."""
    if request.param == "sqlite":
        return tmp_path / "audit.sqlite"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture(scope="session", autouse=True)
def _suite_dns() -> Iterator[DnsServer]:
    """The session's DNS server and guard, set in the environment every process inherits."""
    saved = {
        k: os.environ.get(k) for k in ("AUDIT_DNS_SERVER", "PYTHONPATH", "AUDIT_TEST_GUARD_LOG")
    }
    with (
        tempfile.TemporaryDirectory(prefix="audit-guard-") as tmp,
        dns_server(nxdomain_all=True) as server,
    ):
        os.environ["AUDIT_DNS_SERVER"] = server.address
        os.environ["AUDIT_TEST_GUARD_LOG"] = str(Path(tmp) / "violations.log")
        path = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(GUARD_DIR), path) if p)
        import tests.guard.sitecustomize  # noqa: F401  # the same guard in this process

        try:
            yield server
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture(autouse=True)
def _no_system_dns(_suite_dns: DnsServer) -> Iterator[None]:
    """Fail the test if it (or a process it started) tried the system resolver, or asked
    for the default canaries: a test that needs the network's state names its canaries."""
    log = Path(os.environ["AUDIT_TEST_GUARD_LOG"])
    log.unlink(missing_ok=True)
    before = len(_suite_dns.queries())
    yield
    if log.exists() and (text := log.read_text(encoding="utf-8").strip()):
        log.unlink()
        pytest.fail(f"a DNS query would have gone to the system resolver:\n{text}")
    asked = set(_suite_dns.queries()[before:]) & set(DEFAULT_CANARIES)
    if asked:
        pytest.fail(f"ran with the default canaries ({', '.join(sorted(asked))}): pass --canary")
