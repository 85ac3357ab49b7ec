"""Pure: the hosts one edit away from a failing one, for "did you mean" suggestions.

The edits are the typing slips seen in cited addresses (`www.ppms.edu-penzaa.ru`
for `edu-penza.ru`): on the registrable label a doubled or dropped letter, two
letters swapped, a hyphen added or dropped; the public suffix swapped among the
region's usual ones; `www.` added or dropped.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from audit import urls

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# The suffixes a region's sites use, most common first (the suffix as cited leads).
REGION_SUFFIXES: dict[str, tuple[str, ...]] = {
    "ru": ("ru", "su", "xn--p1ai", "com", "org", "net"),
    "su": ("su", "ru", "xn--p1ai"),
    "xn--p1ai": ("xn--p1ai", "ru", "su"),
    "ua": ("ua", "com.ua", "org.ua", "com"),
    "by": ("by", "ru", "com"),
    "kz": ("kz", "ru", "com"),
    "org": ("org", "com", "net", "ru"),
    "com": ("com", "net", "org", "ru"),
    "net": ("net", "com", "org", "ru"),
}
DEFAULT_SUFFIXES = ("com", "org", "net")
MAX_CANDIDATES = 80


def label_edits(label: str) -> list[str]:
    """Labels one slip away from `label`, in a stable order, valid DNS labels only."""
    if label.startswith("xn--") or not label.isascii():
        return []  # an edit of punycode is not a slip a person made
    out: list[str] = []
    n = len(label)
    out += [label[:i] + label[i + 1 :] for i in range(n)]  # dropped (or a doubled one undone)
    out += [label[: i + 1] + label[i:] for i in range(n) if label[i] != "-"]  # doubled
    out += [
        label[:i] + label[i + 1] + label[i] + label[i + 2 :]
        for i in range(n - 1)
        if label[i] != label[i + 1]
    ]  # swapped
    out += [
        label[:i] + "-" + label[i:] for i in range(1, n) if "-" not in (label[i - 1], label[i])
    ]  # hyphen added (a dropped hyphen is a dropped character above)
    seen: set[str] = {label}
    unique = []
    for c in out:
        if c not in seen and _LABEL.match(c) and len(c) >= 2:
            seen.add(c)
            unique.append(c)
    return unique


def candidate_hosts(host: str) -> list[str]:
    host = host.lower().rstrip(".")
    registrable = urls.registrable_domain(host)
    suffix = urls.public_suffix(host)
    if not registrable or not suffix or registrable == suffix:
        return []
    label = registrable[: -len(suffix) - 1]
    sub = host[: -len(registrable)].rstrip(".")
    prefix = f"{sub}." if sub else ""
    hosts = [f"{prefix}{edited}.{suffix}" for edited in label_edits(label)]
    for other in REGION_SUFFIXES.get(suffix.rsplit(".", 1)[-1], DEFAULT_SUFFIXES):
        if other != suffix:
            hosts.append(f"{prefix}{label}.{other}")
    if sub == "www":
        hosts.append(registrable)
    elif sub.startswith("www."):
        hosts.append(host[4:])
    elif not sub:
        hosts.append(f"www.{host}")
    out: list[str] = []
    for h in hosts:
        if h != host and h not in out:
            out.append(h)
    return out[:MAX_CANDIDATES]


def candidate_urls(url: str) -> list[str]:
    """`url` on each candidate host (scheme, port, path and query kept)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return []
    port = f":{parts.port}" if parts.port else ""
    return [
        urlunsplit((parts.scheme, f"{h}{port}", parts.path or "/", parts.query, ""))
        for h in candidate_hosts(parts.hostname)
    ]
