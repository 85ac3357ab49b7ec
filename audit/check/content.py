"""What an answer's content says, as facts: fingerprint and content signals (pure).

Bot walls, placeholders, soft-404 and parked pages are recognised here by their
cues; classify.py decides what they mean for the check.
"""

from __future__ import annotations

from audit.check import placeholders, signatures
from audit.check.exchange import Fetched, header, is_markup
from audit.check.fingerprint import (
    PageText,
    binary_fingerprint,
    decode,
    fingerprint,
    quick_page,
    read_page,
)
from audit.check.urlparts import host_of
from audit.models import Fingerprint

# Where walls and block pages appear (a 451 page is sometimes served as 404 or 410).
_WALL_STATUSES = frozenset({401, 403, 404, 410, 429, 451, 503, 999})


def content_facts(
    fetched: Fetched, cited_url: str
) -> tuple[Fingerprint | None, list[str], PageText | None]:
    """(fingerprint of a 2xx body, signals, the parsed page) of an answered chain."""
    if fetched.status is None:
        return None, [], None
    content_type = header(fetched.headers, "content-type") or ""
    final = fetched.url
    page: PageText | None = None
    status = fetched.status
    ok = 200 <= status < 300
    if fetched.body and is_markup(content_type, fetched.body):
        if ok:
            page = read_page(fetched.body, content_type)
        elif status in _WALL_STATUSES:
            # An error answer is only searched for bot-wall markers: no full parse.
            page = quick_page(decode(fetched.body[:65536], content_type))
    signals: list[str] = []
    if page is not None:
        host = host_of(final)
        signals += signatures.challenge_cues(page, fetched.headers)
        signals += placeholders.content_cues(page, fetched.headers, host, ok)
        if ok:
            signals += signatures.soft404_cues(page)
            signals += signatures.parked_cues(page, host)
    else:
        signals += signatures.challenge_cues(None, fetched.headers)
    signals += signatures.url_cues(cited_url, final, bool(fetched.hops))
    if not ok or not fetched.body:
        return None, signals, page
    fp = fingerprint(final, page) if page is not None else binary_fingerprint(final, fetched.body)
    path = cited_url.lower().rsplit("?", 1)[0]
    if path.endswith(".pdf") and "html" in content_type.lower():
        signals.append(f"type-mismatch:cited as PDF, now {content_type.split(';')[0]}")
    return fp, signals, page
