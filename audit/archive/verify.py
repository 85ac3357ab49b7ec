"""Verify a snapshot before recommending it: it must replay, raw, as a real page.

Raw (`id_`) replay gives the archived bytes without the Wayback banner, so the
checker's own soft-404 / parked / error-page classification applies to it
unchanged.  The classification is injected (`PageCheck`): steps do not import
each other, and the lead wires in `audit.check.classify_page`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urljoin

from audit.archive._http import Endpoint, Refused, Unavailable
from audit.archive.memento import parse_link_format
from audit.archive.timestamps import format_timestamp, parse_http_date
from audit.models import Classification, Outcome, Snapshot

log = logging.getLogger(__name__)

PageCheck = Callable[[str, int, str, str], Classification]
"""(url, status, html, final_url) -> Classification, e.g. audit.check.classify_page."""

GOOD = frozenset({Outcome.OK, Outcome.REDIRECTED})
HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})
# Enough of a page to judge it; a replayed 200 MB PDF need not come down whole.
MAX_REPLAY_BYTES = 2 * 1024 * 1024
MAX_HOPS = 5
_MODE = re.compile(r"/(\d{14})(?:[a-z]{2}_)?/")
_ORIGINAL = re.compile(r"/\d{14}(?:[a-z]{2}_)?/(.+)$")


@dataclass(frozen=True, slots=True)
class Verification:
    verified: bool | None  # None: the archive could not be asked
    status: int | None = None  # the archived HTTP status replayed
    detail: str = ""
    # Set when the archive had no capture at the snapshot's own timestamp and
    # redirected to its closest one (§1.4 Q4): the memento that really replays.
    replayed: Snapshot | None = None


def raw_replay_url(url: str) -> str:
    """`…/web/20200102030405/http://x/` -> `…/web/20200102030405id_/http://x/`.

    Wayback and pywb archives share the modifier syntax; a URI-M without a
    14-digit timestamp segment (archive.today) is replayed as it is.
    """
    return _MODE.sub(lambda m: f"/{m.group(1)}id_/", url, count=1)


def _original_of(replay: str, link_header: str) -> str:
    for link in parse_link_format(link_header):
        if "original" in link.rels:
            return link.target
    match = _ORIGINAL.search(replay)
    return match.group(1) if match else replay


def _replayed(snapshot: Snapshot, raw_url: str, memento_datetime: str | None) -> Snapshot | None:
    when = parse_http_date(memento_datetime)
    if when is None:
        return None
    view_url = _MODE.sub(lambda m: f"/{m.group(1)}/", raw_url, count=1)
    return replace(snapshot, url=view_url, timestamp=format_timestamp(when))


async def verify_snapshot(
    endpoint: Endpoint, snapshot: Snapshot, url: str, page_check: PageCheck | None
) -> Verification:
    """Replay `snapshot` raw, following archived redirects, and judge what comes back."""
    target = raw_replay_url(snapshot.url)
    seen: set[str] = set()
    moved = False  # the first answer was the archive's own "closest capture" redirect
    for hop in range(MAX_HOPS):
        if target in seen:
            return Verification(False, None, "replay redirect loop")
        seen.add(target)
        try:
            answer = await endpoint.request("GET", target, max_bytes=MAX_REPLAY_BYTES)
        except Refused as exc:  # an answer pointed us inward: this snapshot is unusable
            return Verification(False, None, exc.reason)
        except Unavailable as exc:
            return Verification(None, None, exc.reason)
        location = answer.headers.get("location")
        is_memento = answer.memento_datetime is not None
        if 300 <= answer.status < 400 and location:
            # A historical redirect (a memento) or Wayback's "closest capture"
            # redirect (no Memento-Datetime): follow either, as a browser would.
            target = raw_replay_url(urljoin(answer.url, location))
            moved = moved or (hop == 0 and not is_memento)
            continue
        if not is_memento:
            if answer.status in (404, 410):
                return Verification(False, None, f"not replayable: HTTP {answer.status}")
            return Verification(
                False, None, f"replay without Memento-Datetime: HTTP {answer.status}"
            )
        if not 200 <= answer.status < 300:
            return Verification(False, answer.status, f"archived HTTP {answer.status}")
        replayed = _replayed(snapshot, answer.url, answer.memento_datetime) if moved else None
        if page_check is None or answer.content_type not in HTML_TYPES:
            # Soft-404 and parking cues are HTML cues: a PDF that replays is the PDF.
            return Verification(True, answer.status, "replays with Memento-Datetime", replayed)
        final = _original_of(answer.url, answer.headers.get("link", ""))
        verdict = page_check(url, answer.status, answer.text, final)
        if verdict.outcome in GOOD:
            why = f"archived page is {verdict.outcome}"
            if replayed is not None:
                why += f" (replays the capture of {replayed.timestamp})"
            return Verification(True, answer.status, why, replayed)
        evidence = "; ".join(verdict.evidence)
        why = f"archived page is {verdict.outcome}" + (f" ({evidence})" if evidence else "")
        return Verification(False, answer.status, why)
    return Verification(False, None, "too many replay redirects")
