"""Every spelling of a local address, for the address policy when a proxy resolves names.

Without a proxy the checker resolves each name itself and refuses private
addresses. Through a proxy the proxy resolves: the name is all we see, so the
policy must read it as the URL standard does. `2130706433`, `0x7f.1`, `127.1`
and `017700000001` are all 127.0.0.1 (WHATWG's IPv4 parser, via ada-url);
`localhost` and `*.localhost` are loopback by definition (RFC 6761); and a name
the hosts file maps to a private address is one.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping

import ada_url


def canonical_ip(host: str) -> str | None:
    """The IP address a host spells in any form the URL standard accepts, else None."""
    bare = host.strip("[]")
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    try:
        parsed = ada_url.URL(f"http://{host}/").hostname
    except ValueError:
        return None
    try:
        return str(ipaddress.ip_address(parsed.strip("[]")))
    except ValueError:
        return None


def loopback_name(host: str) -> bool:
    """`localhost` and every name under it are this machine (RFC 6761, section 6.3)."""
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


@functools.cache
def hosts_file(path: str = "/etc/hosts") -> Mapping[str, tuple[str, ...]]:
    """Names -> addresses from the hosts file (read once; a missing file maps nothing)."""
    found: dict[str, list[str]] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read(1 << 20).splitlines()
    except OSError:
        return {}
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or canonical_ip(fields[0]) is None:
            continue
        for name in fields[1:]:
            found.setdefault(name.rstrip(".").lower(), []).append(fields[0])
    return {k: tuple(v) for k, v in found.items()}
