"""Resolve before connecting: tell NXDOMAIN from resolver failure, and apply the address policy.

The checker connects only to the addresses returned here (see client.py), so
the address that passed the policy is the address that gets the request: no
DNS rebinding between check and connect. Names are resolved only here, by
dns.py's client (never getaddrinfo): network.py refuses to connect to anything
but an IP address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections import OrderedDict
from dataclasses import dataclass

from audit.check.errors import LinkFailure
from audit.check.hostnames import canonical_ip
from audit.check.settings import ResolveRule
from audit.models import ErrorKind

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Resolution:
    host: str
    port: int
    addresses: tuple[str, ...]
    source: str  # "rule" (--resolve), "literal" (an IP in the URL) or "dns"


def refusal(address: str) -> str | None:
    """Why the default policy refuses to contact `address`, or None if it is public."""
    ip: IPAddress = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, name in (
        (ip.is_loopback, "loopback"),
        (ip.is_private, "private"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_reserved, "reserved"),
    ):
        if test:
            return f"{name} address {address}"
    if not ip.is_global:  # shared (100.64/10), documentation ranges, ...
        return f"non-public address {address}"
    return None


def literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


class Resolver:
    """Caches one answer per (host, port) for the run and shares lookups in flight."""

    def __init__(
        self,
        rules: tuple[ResolveRule, ...],
        *,
        allow_private: bool,
        timeout: float,
        max_entries: int = 4096,
        proxied: bool = False,
        dns_server: tuple[str, int] | None = None,
        hosts_file: str | None = "/etc/hosts",
    ) -> None:
        # dnspython costs a noticeable share of the CLI's start-up: only commands that
        # resolve names import it.
        from audit.check.dns import DnsClient  # noqa: PLC0415

        self.dns = DnsClient(dns_server, timeout=timeout, hosts_file=hosts_file)
        self._rules = rules
        self._proxied = proxied  # the proxy resolves names; only IP literals are ours to check
        self._allow_private = allow_private
        self._timeout = timeout
        self._max = max_entries
        self._cache: OrderedDict[tuple[str, int], asyncio.Future[Resolution]] = OrderedDict()

    def clear(self) -> None:
        self._cache.clear()

    def rule_for(self, host: str, port: int) -> ResolveRule | None:
        exact = [r for r in self._rules if r.host == host and r.port == port]
        wild = [r for r in self._rules if r.host == "*" and r.port == port]
        found = exact or wild
        return found[0] if found else None

    def is_mapped(self, host: str, port: int) -> bool:
        return self.rule_for(host, port) is not None

    async def resolve(self, host: str, port: int) -> Resolution:
        """Addresses allowed for (host, port); raises LinkFailure (DNS_* or POLICY)."""
        key = (host, port)
        task = self._cache.get(key)
        if task is None:
            # A task, not the caller, owns the lookup: a caller that times out
            # does not cancel it for the others waiting on the same host.
            task = asyncio.ensure_future(self._lookup(host, port))
            task.add_done_callback(_retrieve)
            self._cache[key] = task
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return await asyncio.shield(task)

    async def _lookup(self, host: str, port: int) -> Resolution:
        rule = self.rule_for(host, port)
        if rule is not None:  # the user's explicit choice, allowed whatever the address
            return Resolution(host, port, rule.addresses, "rule")
        lit = literal(host)
        if lit is not None:
            resolution = Resolution(host, port, (lit,), "literal")
        elif self._proxied:
            # The proxy resolves the name: judge it by how it is spelled, as a browser
            # would read it (numeric forms, localhost) and by what the hosts file says.
            ip = canonical_ip(host)
            if ip is not None:
                resolution = Resolution(host, port, (ip,), "literal")
            else:
                mapped = self.dns.hosts_entry(host)  # localhost and *.localhost included
                if not mapped:
                    return Resolution(host, port, (), "proxy")
                resolution = Resolution(host, port, mapped, "hosts")
        else:
            resolution = Resolution(host, port, await self.lookup(host, port), "dns")
        if not self._allow_private:
            for address in resolution.addresses:
                reason = refusal(address)
                if reason:
                    verb = "is" if resolution.source == "literal" else "resolves to"
                    raise LinkFailure(
                        ErrorKind.POLICY,
                        f"{host} {verb} a {reason}: private targets are refused "
                        "(--allow-private permits them)",
                    )
        return resolution

    async def addresses(self, host: str, port: int) -> tuple[str, ...]:
        """`--resolve` rules, else the DNS: for clients that apply no address policy."""
        rule = self.rule_for(host, port)
        return rule.addresses if rule is not None else await self.lookup(host, port)

    async def lookup(self, host: str, port: int) -> tuple[str, ...]:
        """The DNS's addresses for `host` (hosts file first); raises LinkFailure
        DNS_NXDOMAIN / DNS_ERROR. `port` is kept for callers; DNS does not use it."""
        lit = literal(host.strip("[]"))
        if lit is not None:
            return (lit,)
        return await self.dns.addresses(host)


def _retrieve(task: asyncio.Future[Resolution]) -> None:
    if not task.cancelled():
        task.exception()  # the failure is data, read by the callers; don't log it as lost
