"""Vantages: named ways out to the web (`direct`, a DNS server, or an HTTP CONNECT / SOCKS5 proxy).

A vantage is one checker's settings with its own proxy: its own pools, resolver,
politeness and network monitor, so a proxy that is down makes only its own
observations `offline` (issue 16).  The first vantage is the primary; the others
confirm the primary's failures (audit/pipeline.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from audit.check.settings import CheckSettings, parse_dns_server
from audit.errors import InputError

DIRECT = "direct"
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


@dataclass(frozen=True, slots=True)
class Vantage:
    """`name` (recorded with each observation) and `proxy` (None: this machine), or
    this machine asking its own DNS server (`dns://HOST:PORT`: a resolver elsewhere)."""

    name: str
    proxy: str | None = None
    dns_server: tuple[str, int] | None = None

    @property
    def where(self) -> str:
        if self.proxy:
            return self.proxy
        if self.dns_server:
            host, port = self.dns_server
            return f"dns://{f'[{host}]' if ':' in host else host}:{port}"
        return DIRECT


def check_proxy(url: str, what: str) -> str:
    """The proxy URL if httpcore can use it; InputError naming `what` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
        raise InputError(
            f"{what} {url!r}: a proxy URL is needed "
            "(http://, https://, socks5:// or socks5h://HOST:PORT), dns://HOST:PORT or direct"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise InputError(f"{what} {url!r}: bad port") from None
    return url


def parse_vantage(text: str, what: str = "--vantage") -> Vantage:
    """`NAME=URL`, `NAME=direct` or `NAME=dns://HOST[:PORT]`; InputError (exit 3) if malformed."""
    name, sep, url = text.strip().partition("=")
    name, url = name.strip(), url.strip()
    if not sep or not url:
        raise InputError(f"{what} {text!r}: use NAME=URL or NAME=direct")
    if not _NAME.match(name):
        raise InputError(f"{what} {text!r}: a name is letters, digits, '-', '_' or '.'")
    if url == DIRECT:
        return Vantage(name)
    if url.startswith("dns://"):
        try:
            return Vantage(name, dns_server=parse_dns_server(url.removeprefix("dns://")))
        except InputError as exc:
            raise InputError(f"{what} {text!r}: {exc}") from None
    return Vantage(name, check_proxy(url, what))


def vantages_for(settings: CheckSettings, given: tuple[Vantage, ...]) -> tuple[Vantage, ...]:
    """The run's vantages, primary first: those given, else `--proxy` (or direct) alone."""
    if given:
        names = [v.name for v in given]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup is not None:
            raise InputError(f"--vantage {dup!r} is named twice")
        return given
    return (Vantage(settings.vantage or ("proxy" if settings.proxy else DIRECT), settings.proxy),)


def settings_for(settings: CheckSettings, vantage: Vantage) -> CheckSettings:
    """The checker settings of one vantage (same politeness, its own way out)."""
    return replace(
        settings,
        proxy=vantage.proxy,
        vantage=vantage.name,
        dns_server=vantage.dns_server or settings.dns_server,
    )
