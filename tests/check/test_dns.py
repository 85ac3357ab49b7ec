"""Real DNS answers through a real DNS server (dnsmasq on loopback, tests/servers/dns.py)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpcore
import pytest

from audit.check import parse_dns_server, parse_resolve
from audit.check.dns import DnsClient, parse_hosts
from audit.check.errors import LinkFailure
from audit.check.network import PinnedBackend
from audit.errors import InputError
from audit.models import ErrorKind, Outcome
from tests.check.conftest import check_all, settings
from tests.servers.dns import dns_server
from tests.servers.web import Reply, WebServer

ZONE = {
    "www.site.test": "127.0.0.1",
    "both.site.test": ["127.0.0.1", "::1"],
    "alias.site.test": "CNAME hop.site.test",
    "hop.site.test": "CNAME www.site.test",
    "dangling.site.test": "CNAME gone.site.test",
    "noaddr.site.test": "NODATA",
    "broken.test": "SERVFAIL",
    "refusing.test": "REFUSED",
    "silent.test": "TIMEOUT",
}


def test_every_dns_answer_is_told_apart(web: WebServer) -> None:
    web.route("/", Reply(200, "<title>Home</title><p>" + "words " * 40))
    names = [n for n in ZONE if n != "hop.site.test"] + ["missing.site.test", "outside.example"]
    urls = {n: f"http://{n}:{web.port}/" for n in names}
    with dns_server(ZONE) as dns:
        results = check_all(urls.values(), settings(dns_server=dns.dns_server, dns_timeout=1.0))
        asked = set(dns.queries())

    def got(name: str) -> tuple[Outcome, str]:
        r = results[urls[name]]
        return r.classification.outcome, r.observation.detail

    assert got("www.site.test")[0] is Outcome.OK
    assert got("both.site.test")[0] is Outcome.OK
    assert got("alias.site.test")[0] is Outcome.OK  # a CNAME chain that ends in an address
    assert got("missing.site.test") == (
        Outcome.DNS_NXDOMAIN,
        f"missing.site.test: name does not exist (NXDOMAIN from {dns.address})",
    )
    # Only NXDOMAIN is a dead kind; every other failure says what the server said.
    expected = {
        "noaddr.site.test": "no address (NODATA)",
        "dangling.site.test": "CNAME chain ends nowhere (gone.site.test",
        "broken.test": "SERVFAIL from",
        "refusing.test": "REFUSED from",
        "outside.example": "REFUSED from",  # not a zone of this server, which has no upstream
        "silent.test": "no DNS answer in 1 s",
    }
    for name, words in expected.items():
        outcome, detail = got(name)
        assert outcome is Outcome.DNS_ERROR, (name, detail)
        assert words in detail, (name, detail)
    assert {"www.site.test", "alias.site.test", "missing.site.test"} <= asked


def test_resolve_rules_and_the_hosts_file_answer_before_the_dns(
    web: WebServer, tmp_path: Path
) -> None:
    web.route("/", Reply(200, "<title>Home</title><p>" + "words " * 40))
    hosts = tmp_path / "hosts"
    hosts.write_text("# comment\n127.0.0.1   listed.site.test  Other.Name.test # trailing\n")
    rule = parse_resolve(f"mapped.site.test:{web.port}:127.0.0.1")
    with dns_server(ZONE) as dns:
        s = settings(dns_server=dns.dns_server, hosts_file=str(hosts), resolve=(rule,))
        urls = [f"http://{n}:{web.port}/" for n in ("listed.site.test", "mapped.site.test")]
        results = check_all(urls, s)
        asked = dns.queries()
    assert [results[u].classification.outcome for u in urls] == [Outcome.OK, Outcome.OK]
    assert "listed.site.test" not in asked and "mapped.site.test" not in asked


def test_hosts_file_parsing() -> None:
    table = parse_hosts(["127.0.0.1 a.test b.test", "::1 a.test", "bad line", "x y", "# 1.2.3.4 c"])
    assert table == {"a.test": ("127.0.0.1", "::1"), "b.test": ("127.0.0.1",)}


def test_localhost_is_loopback_without_asking() -> None:
    async def go() -> tuple[str, ...]:
        client = DnsClient(("127.0.0.1", 9), timeout=0.5, hosts_file=None)
        return await client.addresses("api.localhost")

    assert asyncio.run(go()) == ("127.0.0.1", "::1")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("::1", ("::1", 53)),
        ("[::1]:5353", ("::1", 5353)),
    ],
)
def test_dns_server_option(text: str, parsed: tuple[str, int]) -> None:
    assert parse_dns_server(text) == parsed


@pytest.mark.parametrize("text", ["dns.example", "127.0.0.1:0", "127.0.0.1:x", "[::1]:99999"])
def test_dns_server_option_refuses_garbage(text: str) -> None:
    with pytest.raises(InputError, match="--dns-server"):
        parse_dns_server(text)


def test_the_event_loop_is_never_given_a_name() -> None:
    """asyncio and uvloop would resolve a name in C, past the checker's resolver."""

    async def go() -> None:
        await PinnedBackend(("localhost",)).connect_tcp("localhost", 9, timeout=1)

    with pytest.raises(httpcore.ConnectError, match="not an IP address"):
        asyncio.run(go())

    async def proxy_name() -> None:
        async def lookup(host: str, port: int) -> tuple[str, ...]:
            raise LinkFailure(ErrorKind.DNS_NXDOMAIN, f"{host}: name does not exist")

        await PinnedBackend(None, lookup).connect_tcp("proxy.test", 3128, timeout=1)

    with pytest.raises(httpcore.ProxyError, match=r"proxy proxy\.test"):
        asyncio.run(proxy_name())


def test_cli_resolves_real_names_through_dns_server(web: WebServer) -> None:
    """The CLI (under uvloop) asks --dns-server, and nothing else, for a real host name."""
    web.route("/page", Reply(200, "<title>Page</title><p>" + "words " * 40))
    with dns_server(ZONE) as dns:
        url = f"http://alias.site.test:{web.port}/page"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "audit",
                "check",
                "--no-store",
                "--format",
                "json",
                "--dns-server",
                dns.address,
                "--allow-private",
                "--canary",
                "localhost",
                "--url",
                url,
                "--url",
                f"http://missing.site.test:{web.port}/",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        asked = dns.queries()
    assert proc.returncode in (0, 2), proc.stderr
    by_url = {i["url"]: i for i in json.loads(proc.stdout)["results"]}
    assert by_url[url]["outcome"] == "ok"
    assert by_url[f"http://missing.site.test:{web.port}/"]["outcome"] == "dns_nxdomain"
    assert "alias.site.test" in asked and "missing.site.test" in asked


def test_the_guard_catches_the_system_resolver_in_this_process_and_in_children() -> None:
    """The suite's guard (tests/conftest.py) is real: it refuses and records both ways out."""
    log = Path(os.environ["AUDIT_TEST_GUARD_LOG"])
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.com", 80)
    probe = "import socket\ntry: socket.getaddrinfo('example.org', 80)\nexcept OSError: pass\n"
    subprocess.run([sys.executable, "-c", probe], timeout=30, check=True)

    async def system() -> None:
        client = DnsClient(None, timeout=0.5, hosts_file=None)
        await client.addresses("example.net")

    saved = os.environ.pop("AUDIT_DNS_SERVER")
    try:
        with pytest.raises(LinkFailure, match="no resolver configured"):
            asyncio.run(system())
    finally:
        os.environ["AUDIT_DNS_SERVER"] = saved
    text = log.read_text(encoding="utf-8")
    log.unlink()  # caught on purpose: this test must not fail on it
    assert "getaddrinfo('example.com')" in text
    assert "getaddrinfo('example.org')" in text
    assert "dnspython read the system resolver configuration" in text


def test_the_proxys_own_name_is_resolved_by_our_dns_server() -> None:
    page = Reply(200, "<title>Far</title><p>" + "words " * 40)
    with (
        WebServer(host="127.0.0.18") as proxy,
        dns_server({"proxy.site.test": "127.0.0.18"}) as dns,
    ):
        proxy.route("http://far.gov.test/", page)
        s = settings(proxy=f"http://proxy.site.test:{proxy.port}", dns_server=dns.dns_server)
        result = check_all(["http://far.gov.test/"], s)["http://far.gov.test/"]
        asked = dns.queries()
    assert result.classification.outcome is Outcome.OK, result.classification
    assert "proxy.site.test" in asked
    assert "far.gov.test" not in asked  # the proxy resolves the sites' names
