"""The versioned dedup key (docs/url-repair.md §4.5).

`k1:` + the request URL with RFC 3986 §6.2.2-6.2.3 / RFC 9110 §4.2.3
equivalences applied and the fragment dropped (it is never sent).  Nothing
that can change the resource is touched: `www.`, trailing slashes, query
order, `//` and reserved escapes stay.  Bump KEY_VERSION whenever the
derivation changes (e.g. a new IDNA table), so stored keys can be recomputed.
"""

from __future__ import annotations

from .path import normalize_escapes, normalize_path

KEY_VERSION = "k1"


def web_key(scheme: str, *, userinfo: str, host: str, port: str, path: str, query: str) -> str:
    """Key of a parsed hierarchical URL; `query` includes its `?` (kept even if empty)."""
    authority = host if not port else f"{host}:{port}"
    if userinfo:
        authority = f"{normalize_escapes(userinfo)}@{authority}"
    return f"{KEY_VERSION}:{scheme}://{authority}{normalize_path(path)}{normalize_escapes(query)}"


def opaque_key(url: str) -> str:
    """Key of a URL without a hierarchical part (mailto:, tel:, urn:...)."""
    return f"{KEY_VERSION}:{normalize_escapes(url.split('#', 1)[0])}"
