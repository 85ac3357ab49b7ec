"""The address policy for URLs we did not choose: archives' answers, webhook targets.

Archives hand us URLs (URI-Ms in TimeMaps, TimeGate and replay redirects,
next pages) and registries name webhooks: neither may make us send a request
to 127.0.0.1 or the LAN. Origins the user configured explicitly (archive base
URLs; tests run archives on loopback) are trusted as given; anything else
must be, or resolve to, public addresses only, unless `--allow-private`.

(The page checker has its own, pinned resolver: audit/check/resolve.py. Here
the client connects by name after the check, so a name that re-resolves
inward in between is not caught; IP literals, the red-team case, are.)
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL, None if it has none."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or _DEFAULT_PORTS[scheme]


def refusal(address: str) -> str | None:
    """Why a non-public address is refused, None if it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return f"loopback address {address}"
    if ip.is_private:
        return f"private address {address}"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return f"non-public address {address}"
    return None


class AddressPolicy:
    """Decides whether a URL taken from an archive's answer may be fetched."""

    def __init__(
        self,
        trusted: Iterable[str],
        *,
        allow_private: bool,
        timeout: float,
        dns_server: tuple[str, int] | None = None,
    ) -> None:
        self._trusted = frozenset(o for o in map(origin, trusted) if o is not None)
        self._dns_server = dns_server
        self._allow_private = allow_private
        self._timeout = timeout
        self._names: dict[tuple[str, int], str | None] = {}

    async def refuse(self, url: str) -> str | None:
        """Why `url` must not be fetched, or None."""
        where = origin(url)
        if where is None:
            return f"not an http(s) URL: {url[:200]!r}"
        if where in self._trusted or self._allow_private:
            return None
        _, host, port = where
        try:
            return _why(url, [str(ipaddress.ip_address(host.strip("[]")))])
        except ValueError:
            pass
        if (host, port) not in self._names:
            self._names[(host, port)] = await self._resolve(url, host, port)
        return self._names[(host, port)]

    async def _resolve(self, url: str, host: str, port: int) -> str | None:
        # the checker's own resolver (hosts file, then --dns-server or the system's DNS
        # configuration), never getaddrinfo: the same answers the transport connects to
        from audit.check.errors import LinkFailure  # noqa: PLC0415 - the checker is heavy
        from audit.check.resolve import Resolver  # noqa: PLC0415

        resolver = Resolver(
            (), allow_private=True, timeout=self._timeout, dns_server=self._dns_server
        )
        try:
            async with asyncio.timeout(self._timeout):
                addresses = await resolver.lookup(host, port)
        except (LinkFailure, TimeoutError) as exc:
            return f"{host}: cannot resolve ({exc})"
        return _why(url, list(addresses))


def _why(url: str, addresses: list[str]) -> str | None:
    for address in addresses:
        reason = refusal(address)
        if reason:
            return (
                f"{url[:200]} points at a {reason}: private targets are refused "
                "(--allow-private permits them)"
            )
    return None
