"""Names to addresses with a DNS client that says what the server answered.

`getaddrinfo` folds NXDOMAIN, NODATA, SERVFAIL, REFUSED and a timeout into a
few coarse codes, and under uvloop it resolves in C, out of reach of any
guard. This asks the DNS itself (dnspython's asyncio resolver): the system's
resolver configuration (/etc/resolv.conf) and hosts file by default, or the
server given by `--dns-server`. Only a name the DNS says does not exist
(NXDOMAIN) is `dns_nxdomain`; every other failure, NODATA and a CNAME chain
that ends nowhere included, is `dns_error`: the judge never calls those dead.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import dns.asyncresolver
import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.resolver

from audit.check.errors import LinkFailure
from audit.check.settings import parse_dns_server
from audit.models import ErrorKind

log = logging.getLogger(__name__)

HOSTS_FILE = "/etc/hosts"
_IN_FLIGHT = 256  # queries at once: each holds a UDP socket (file descriptors are finite)
_LOCALHOST = ("127.0.0.1", "::1")  # RFC 6761: localhost names are loopback, never asked


def read_hosts(path: str | None) -> dict[str, tuple[str, ...]]:
    """The hosts file as {lower-case name: addresses in file order}; missing file: {}."""
    if not path:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return parse_hosts(text.splitlines())


def parse_hosts(lines: Iterable[str]) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        try:
            address = str(ipaddress.ip_address(fields[0].split("%", 1)[0]))
        except ValueError:
            continue
        for name in fields[1:]:
            found = table.setdefault(name.rstrip(".").lower(), [])
            if address not in found:
                found.append(address)
    return {name: tuple(addresses) for name, addresses in table.items()}


def system_resolver() -> dns.asyncresolver.Resolver:
    """A resolver configured as the system's (/etc/resolv.conf); raises NoResolverConfiguration."""
    return dns.asyncresolver.Resolver(configure=True)


class DnsClient:
    """A and AAAA lookups; raises LinkFailure(DNS_NXDOMAIN | DNS_ERROR | INVALID_URL)."""

    def __init__(
        self,
        server: tuple[str, int] | None,
        *,
        timeout: float,
        hosts_file: str | None = HOSTS_FILE,
    ) -> None:
        self._timeout = timeout
        self._hosts = read_hosts(hosts_file)
        self._broken = ""  # why the system configuration gives no resolver
        self._gate: asyncio.Semaphore | None = None
        if server is None and (chosen := os.environ.get("AUDIT_DNS_SERVER")):
            server = parse_dns_server(chosen)  # what `--dns-server` defaults to
        if server is None:
            try:
                self._resolver = system_resolver()
            except dns.resolver.NoResolverConfiguration as exc:
                self._resolver = dns.asyncresolver.Resolver(configure=False)
                self._broken = f"no resolver configured ({exc})"
            self.server = ", ".join(str(n) for n in self._resolver.nameservers) or "no server"
        else:
            address, port = server
            self._resolver = dns.asyncresolver.Resolver(configure=False)
            self._resolver.nameservers = [address]
            self._resolver.port = port
            self.server = f"{address}:{port}"
        self._resolver.cache = None  # resolve.py caches per run; a fresh run asks afresh

    def hosts_entry(self, host: str) -> tuple[str, ...] | None:
        name = host.rstrip(".").lower()
        found = self._hosts.get(name)
        if found is None and (name == "localhost" or name.endswith(".localhost")):
            return _LOCALHOST
        return found

    async def addresses(self, host: str) -> tuple[str, ...]:
        """IPv4 addresses first, then IPv6 (IPv6 is the one more often broken)."""
        found = self.hosts_entry(host)
        if found is not None:
            return found
        if self._broken:
            raise LinkFailure(ErrorKind.DNS_ERROR, f"{host}: {self._broken}")
        try:
            name = dns.name.from_text(host)  # absolute: no search domains for a cited URL
        except dns.exception.DNSException as exc:
            raise LinkFailure(
                ErrorKind.INVALID_URL, f"{host}: not a valid DNS name ({exc})"
            ) from None
        if self._gate is None:
            self._gate = asyncio.Semaphore(_IN_FLIGHT)
        async with self._gate:
            v4, v6 = await asyncio.gather(
                self._ask(name, "A"), self._ask(name, "AAAA"), return_exceptions=True
            )
        answers: list[tuple[str, ...]] = []
        failures: list[LinkFailure] = []
        for r in (v4, v6):
            if isinstance(r, LinkFailure):
                failures.append(r)
            elif isinstance(r, BaseException):
                raise r  # not a DNS answer: a bug, or a cancellation
            else:
                answers.append(r)
        if addresses := tuple(dict.fromkeys(a for found in answers for a in found)):
            return addresses
        # NXDOMAIN for either type says the name does not exist at all; else the A answer's why.
        nx = next((f for f in failures if f.kind is ErrorKind.DNS_NXDOMAIN), None)
        raise nx or failures[0]

    async def _ask(self, name: dns.name.Name, rdtype: str) -> tuple[str, ...]:
        host = name.to_text(omit_final_dot=True)
        server = self.server
        try:
            answer = await self._resolver.resolve(
                name, rdtype, search=False, lifetime=self._timeout, raise_on_no_answer=False
            )
        except dns.resolver.NXDOMAIN as exc:
            end = exc.canonical_name
            if end != name:  # the alias exists; what it points to does not
                raise LinkFailure(
                    ErrorKind.DNS_ERROR,
                    f"{host}: CNAME chain ends nowhere "
                    f"({end.to_text(True)}: NXDOMAIN from {server})",
                ) from None
            raise LinkFailure(
                ErrorKind.DNS_NXDOMAIN, f"{host}: name does not exist (NXDOMAIN from {server})"
            ) from None
        except dns.resolver.LifetimeTimeout:
            raise LinkFailure(
                ErrorKind.DNS_ERROR, f"{host}: no DNS answer in {self._timeout:g} s from {server}"
            ) from None
        except dns.resolver.NoNameservers as exc:
            raise LinkFailure(ErrorKind.DNS_ERROR, f"{host}: {_server_errors(exc)}") from None
        except dns.exception.DNSException as exc:
            raise LinkFailure(ErrorKind.DNS_ERROR, f"{host}: DNS failure ({exc})") from None
        except OSError as exc:  # e.g. no route to the configured server
            raise LinkFailure(ErrorKind.DNS_ERROR, f"{host}: cannot ask {server} ({exc})") from None
        if answer.rrset is None:
            end = answer.canonical_name
            if end != name:
                raise LinkFailure(
                    ErrorKind.DNS_ERROR,
                    f"{host}: CNAME chain ends nowhere ({end.to_text(True)} has no address)",
                )
            raise LinkFailure(
                ErrorKind.DNS_ERROR, f"{host}: name exists but has no address (NODATA)"
            )
        return tuple(str(rdata) for rdata in answer.rrset)


def _server_errors(exc: dns.resolver.NoNameservers) -> str:
    """'SERVFAIL from 10.0.0.1:53' and the like, one per server asked."""
    said: list[str] = []
    for entry in exc.kwargs.get("errors", []):
        server, _tcp, port, error, response = (tuple(entry) + (None,) * 5)[:5]
        if isinstance(response, dns.message.Message):
            what = dns.rcode.to_text(response.rcode())
        else:
            what = str(error) or type(error).__name__
        where = str(server).removeprefix("Do53:").replace("@", ":")  # dnspython's naming
        text = f"{what} from {where if ':' in where and '.' in where else f'{where}:{port}'}"
        if text not in said:
            said.append(text)
    return "; ".join(said) if said else "no DNS server answered"
