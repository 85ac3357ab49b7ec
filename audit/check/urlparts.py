"""A URL into what a request needs: scheme, ASCII host, port and request target.

A cited URL, or a Location a server sent, may hold a Unicode host or raw spaces;
the request line may not. What cannot be requested is a LinkFailure (data).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import idna

from audit.check import signatures
from audit.check.bounds import cache_short
from audit.check.errors import LinkFailure
from audit.models import ErrorKind

_DEFAULT_PORTS = {"http": 80, "https": 443}
_BAD_HOST = re.compile(r"[ \t\r\n/\\@]")
_BAD_TARGET = re.compile(r"[ \r\n\t]")


@cache_short(maxsize=8192)
def split(url: str) -> tuple[str, str, int, str]:
    """(scheme, ascii host, port, request target); raises LinkFailure for unusable URLs."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise LinkFailure(ErrorKind.INVALID_URL, f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise LinkFailure(
            ErrorKind.UNSUPPORTED, f"{scheme or 'no'} scheme is not checked over HTTP"
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise LinkFailure(ErrorKind.INVALID_URL, "no host in URL")
    if not host.isascii():  # e.g. a Location header with a Unicode host
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise LinkFailure(ErrorKind.INVALID_URL, f"bad host {host!r}: {exc}") from None
    host = host.lower()
    if _BAD_HOST.search(host):
        raise LinkFailure(ErrorKind.INVALID_URL, f"bad host {host!r}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if not target.isascii() or _BAD_TARGET.search(target):
        target = "".join(c if c.isascii() and c > " " else _quote(c) for c in target)
    return scheme, host, port or _DEFAULT_PORTS[scheme], target


def usable_redirect(url: str, location: str) -> None:
    """A redirect target we cannot request is the server's error, not a bad citation."""
    try:
        split(url)
    except LinkFailure as exc:
        if exc.kind is ErrorKind.INVALID_URL:
            raise LinkFailure(
                ErrorKind.INVALID_REDIRECT,
                f"redirect to an unusable URL {location!r}: {exc.detail}",
            ) from None


def host_of(url: str) -> str:
    """The ASCII host, or "" for a URL that cannot be requested."""
    try:
        return split(url)[1]
    except LinkFailure:
        return ""


def is_deep(url: str) -> bool:
    """Below the site's root: a page a soft-404 (sibling) comparison means something for."""
    path, _, query = split(url)[3].partition("?")
    return not signatures.is_root_path(path, query)


def _quote(c: str) -> str:
    return "".join(f"%{b:02X}" for b in c.encode("utf-8"))
