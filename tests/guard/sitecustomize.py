"""The test suite's DNS guard for the `audit` processes tests start (tests/conftest.py
puts this folder first on PYTHONPATH, so Python imports it at start-up).

A test process must never ask the machine's configured resolver: such a query could
leave the machine. The suite points every process at its own loopback DNS server
($AUDIT_DNS_SERVER); this guard makes the two other ways out fail and records them
in $AUDIT_TEST_GUARD_LOG, which the test that started the process then fails on:
getaddrinfo of a name (the OS resolver) and dnspython reading /etc/resolv.conf.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

_real_getaddrinfo = socket.getaddrinfo


def _is_local_name(host: object) -> bool:
    """IP literals, the wildcard and localhost need no DNS query."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return host is None
    if host in {"localhost", ""}:
        return True
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def record(what: str) -> None:
    path = os.environ.get("AUDIT_TEST_GUARD_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"pid {os.getpid()}: {what}\n")


def _getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    if not _is_local_name(host):
        record(f"getaddrinfo({host!r}) through the system resolver")
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: refused by the test DNS guard")
    return _real_getaddrinfo(host, port, *args, **kwargs)


def _no_resolv_conf(self: Any, *args: Any, **kwargs: Any) -> None:
    record("dnspython read the system resolver configuration")
    import dns.resolver

    raise dns.resolver.NoResolverConfiguration("refused by the test DNS guard")


socket.getaddrinfo = _getaddrinfo
try:
    import dns.resolver as _resolver

    _resolver.BaseResolver.read_resolv_conf = _no_resolv_conf  # type: ignore[method-assign]
except ImportError:  # a Python without dnspython resolves nothing through it either
    pass
