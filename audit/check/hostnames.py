"""Every numeric spelling of an address, for the address policy when a proxy resolves names.

Without a proxy the checker resolves each name itself and refuses private
addresses. Through a proxy the proxy resolves: the name is all we see, so the
policy must read it as the URL standard does. `2130706433`, `0x7f.1`, `127.1`
and `017700000001` are all 127.0.0.1 (WHATWG's IPv4 parser, via ada-url).
`localhost`, `*.localhost` (RFC 6761) and hosts-file names are the DNS client's
`hosts_entry`.
"""

from __future__ import annotations

import ipaddress

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
