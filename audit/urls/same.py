"""Whether a redirect only canonicalised an address on the same site (pure)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Language (and language-region) path prefixes a site root redirects to: /ru/, /en-us/.
_LOCALE = re.compile(r"/([a-z]{2,3})(?:[-_][a-z]{2,4})?(?=/|$)", re.IGNORECASE)
# fmt: off
_LANGUAGES = frozenset({
    "ar", "az", "be", "bg", "bs", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "eu",
    "fa", "fi", "fr", "ga", "gl", "he", "hi", "hr", "hu", "hy", "id", "is", "it", "ja", "ka",
    "kk", "ko", "ky", "lt", "lv", "mk", "mn", "ms", "mt", "nb", "nl", "nn", "no", "pl", "pt",
    "ro", "ru", "sk", "sl", "sq", "sr", "sv", "tg", "th", "tk", "tr", "tt", "uk", "uz", "vi",
    "zh",
})
# fmt: on


def same_resource(a: str, b: str) -> bool:
    """True when a redirect only canonicalised the address on the same site: the scheme,
    `www.`, a trailing slash, or a language prefix such as `/ru/`."""
    ha, pa, qa = _loose(a)
    hb, pb, qb = _loose(b)
    if ha != hb or qa != qb:
        return False
    return pa == pb or _unlocalised(pa) == _unlocalised(pb)


def _loose(u: str) -> tuple[str, str, str]:
    p = urlsplit(u)
    host = (p.hostname or "").removeprefix("www.")
    return host, p.path.rstrip("/") or "/", p.query


def _unlocalised(path: str) -> str:
    m = _LOCALE.match(path)
    if m and m.group(1).lower() in _LANGUAGES:
        return path[m.end() :].rstrip("/") or "/"
    return path
