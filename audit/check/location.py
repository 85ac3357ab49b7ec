"""A redirect's `Location` as a browser reads it, normalised as citations are.

Servers send raw UTF-8 in `Location` (a Cyrillic path, an IDN host) although
HTTP says ASCII. The header arrives decoded as Latin-1 (lossless), so the
bytes are recovered and read as UTF-8 first, as browsers do; bytes that are
not UTF-8 are percent-encoded as they are (never re-encoded as UTF-8 of their
Latin-1 reading, which would double-encode them). The joined URL then goes
through the same URL engine as citations (audit.urls), taking only the
repairs a browser also makes: a citation repair such as dropping trailing
punctuation would change what the server asked for.

A target that is no URL at all (`http://[::1`) is the server's protocol
error, `invalid_redirect`: it says nothing about whether the resource exists.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from audit.check.errors import LinkFailure
from audit.models import ErrorKind
from audit.urls import normalize_cached
from audit.urls.normalize import MAX_CITATION

# Repairs that only spell the same URL as a browser would request it.
_BROWSER_REPAIRS = frozenset(
    {
        "idna-encoded",
        "host-lowercased",
        "scheme-lowercased",
        "default-port-removed",
        "trailing-dot-removed",
        "backslash-as-slash",
        "host-percent-decoded",
    }
)


def header_text(value: str) -> str:
    """The header as people read it (for the recorded hop): its bytes as UTF-8 when they are."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:  # not bytes from the wire, or not UTF-8: as it came
        return value


def decode_location(value: str) -> str:
    """The header text as a browser reads it: UTF-8 if the bytes are UTF-8, else the
    non-ASCII bytes percent-encoded one by one; spaces and controls percent-encoded."""
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:  # already text (not from the wire as bytes)
        text = value
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in raw)
    text = text.strip(" \t")
    return "".join(f"%{ord(c):02X}" if c <= " " or c == "\x7f" else c for c in text)


def redirect_target(base: str, value: str) -> str:
    """The absolute URL a `Location` value sends us to; raises LinkFailure(INVALID_REDIRECT)."""
    text = decode_location(value)
    try:
        joined = urljoin(base, text)
        parts = urlsplit(joined)
        _ = parts.port  # a bad port raises here
    except ValueError as exc:
        raise LinkFailure(
            ErrorKind.INVALID_REDIRECT, f"redirect to an unusable URL {value!r}: {exc}"
        ) from None
    if parts.scheme.lower() not in ("http", "https"):
        return joined  # not ours to repair: the checker says it is not checked over HTTP
    if not parts.hostname:
        raise LinkFailure(ErrorKind.INVALID_REDIRECT, f"redirect to a URL without host {value!r}")
    if len(joined) > MAX_CITATION:
        return joined  # longer than any citation, still a URL a browser would follow
    n = normalize_cached(joined)
    if n.url is None:
        raise LinkFailure(
            ErrorKind.INVALID_REDIRECT,
            f"redirect to an unusable URL {value!r}: {n.error or 'not a URL'}",
        )
    if all(r.rule in _BROWSER_REPAIRS for r in n.repairs):
        return n.url
    return joined
