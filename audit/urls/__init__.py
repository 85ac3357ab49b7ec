"""URL repair and normalisation (placeholder until the repair engine lands)."""

from __future__ import annotations

from urllib.parse import urlsplit

from audit.models import Normalized, UrlKind

KEY_VERSION = "k0"


def normalize(text: str) -> Normalized:
    raw = text.strip()
    url = raw if "://" in raw else f"http://{raw}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        return Normalized(text, None, None, None, kind=UrlKind.NOT_A_URL, error="not a URL")
    url = url if parts.path else url + "/"
    return Normalized(text, url, url, f"{KEY_VERSION}:{url}")
