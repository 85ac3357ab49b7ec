"""Loopback-only guard for the Python tools the benchmark runs (audit, LinkChecker).

bench/run.py puts this folder on the child's PYTHONPATH, so Python imports it
at start-up. Every workload URL is a loopback IP literal, so a tool under
benchmark has no reason to resolve a name or reach another address; anything
else it tries (audit's offline-detection canaries resolve example.com & co.
through the system resolver, which is not on loopback) fails at once, locally,
as if the name did not exist or the port were closed. No packet leaves the
machine, and no run waits on a resolver that cannot answer.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Any

_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return host is None  # getaddrinfo(None, port): the local wildcard
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    if not _loopback(host):
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: not resolved (bench: loopback only)")
    return _real_getaddrinfo(host, port, *args, **kwargs)


def _inet(sock: socket.socket, address: Any) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple)


def _connect(self: socket.socket, address: Any) -> None:
    if _inet(self, address) and not _loopback(address[0]):
        raise ConnectionRefusedError(errno.ECONNREFUSED, "bench: loopback only")
    _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if _inet(self, address) and not _loopback(address[0]):
        return errno.ECONNREFUSED
    return _real_connect_ex(self, address)


socket.getaddrinfo = _getaddrinfo
socket.socket.connect = _connect  # type: ignore[method-assign,assignment]
socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign,assignment]
