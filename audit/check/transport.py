"""An httpx transport whose host names go through the checker's resolver.

The archive client and the webhooks use httpx, which would resolve names with
getaddrinfo (the system's resolver, in C under uvloop). This transport
connects through network.PinnedBackend instead: names are looked up by
resolve.py (`--resolve` rules, the hosts file, then `--dns-server` or the
system's DNS configuration) and the event loop is only given addresses.
"""

from __future__ import annotations

import httpx

from audit.check.network import PinnedBackend
from audit.check.resolve import Resolver
from audit.check.settings import ResolveRule


def resolving_transport(
    *,
    dns_server: tuple[str, int] | None = None,
    rules: tuple[ResolveRule, ...] = (),
    timeout: float = 5.0,
    proxy: str | None = None,
    http2: bool = False,
) -> httpx.AsyncHTTPTransport:
    """An `httpx.AsyncHTTPTransport` (for `AsyncClient(transport=...)`) resolving through
    our resolver; no address policy here (the caller applies its own)."""
    resolver = Resolver(rules, allow_private=True, timeout=timeout, dns_server=dns_server)
    transport = httpx.AsyncHTTPTransport(proxy=proxy, http2=http2)
    # httpx builds its httpcore pool without a way to pass a network backend; every
    # httpcore pool (direct or proxy) opens its connections through this attribute.
    pool = transport._pool
    if not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpx/httpcore changed: cannot route names through our resolver")
    pool._network_backend = PinnedBackend(None, resolver.addresses, proxy=False)
    return transport
