"""The Wayback Machine: CDX search (first choice) and the availability API (fallback).

Parsers are pure; `cdx_snapshots` and `availability_snapshot` do the I/O
through a rate-limited `Endpoint`.  Shapes and quirks: docs/archive-protocols.md
§1 (availability) and §2 (CDX).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from audit.archive._http import Answer, Endpoint, Unavailable
from audit.archive.timestamps import parse_timestamp
from audit.models import Snapshot

log = logging.getLogger(__name__)

WAYBACK = "wayback"
CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
# 2xx captures plus revisit rows (statuscode "-"): a bare `statuscode:2..`
# filter would hide every deduplicated capture (§8.1).
CDX_FILTER = "statuscode:(?:2..|-)"

_DEFAULT_PORT = re.compile(r"^(https?://[^/:]+):(?:80|443)(?=/|$)", re.IGNORECASE)
_REPLAY = re.compile(r"/web/(\d{1,14})(?:[a-z]{2}_)?/(.+)$")


@dataclass(frozen=True, slots=True)
class CdxRow:
    urlkey: str
    timestamp: str
    original: str
    mimetype: str
    statuscode: int | None  # None for "-" (revisit records)
    digest: str
    length: int | None

    @property
    def is_capture(self) -> bool:
        """A 2xx capture or a revisit of one (what a replacement can be)."""
        if self.statuscode is None:
            return True
        return 200 <= self.statuscode < 300


@dataclass(frozen=True, slots=True)
class CdxPage:
    rows: tuple[CdxRow, ...]
    resume_key: str | None


class UnexpectedFormat(ValueError):
    """An archive answered 200 with a body we cannot read."""


def strip_default_port(url: str) -> str:
    """`http://www.x.org:80/` -> `http://www.x.org/` (CDX `original` carries ports)."""
    return _DEFAULT_PORT.sub(r"\1", url)


def replay_url(wayback_url: str, timestamp: str, original: str, mode: str = "") -> str:
    return f"{wayback_url.rstrip('/')}/web/{timestamp}{mode}/{strip_default_port(original)}"


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _row(fields: dict[str, str]) -> CdxRow | None:
    timestamp = fields.get("timestamp", "")
    original = fields.get("original", "")
    if parse_timestamp(timestamp) is None or not original:
        return None
    return CdxRow(
        urlkey=fields.get("urlkey", ""),
        timestamp=timestamp,
        original=original,
        mimetype=fields.get("mimetype", ""),
        statuscode=_int_or_none(fields.get("statuscode", "-")),
        digest=fields.get("digest", ""),
        length=_int_or_none(fields.get("length", "-")),
    )


def parse_cdx_json(text: str) -> CdxPage:
    """`output=json`: header row, rows, then `[]` + `[resume key]` if more remain.

    An empty body or `[]` means no captures.  Adjacent identical rows (seen
    2020-2022) are dropped.
    """
    if not text.strip():
        return CdxPage((), None)
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnexpectedFormat(f"CDX: not JSON ({exc.msg})") from exc
    if not isinstance(data, list) or not all(isinstance(r, list) for r in data):
        raise UnexpectedFormat("CDX: not an array of arrays")
    if not data:
        return CdxPage((), None)
    header = [str(h) for h in data[0]]
    rows: list[CdxRow] = []
    resume_key: str | None = None
    previous: list[Any] | None = None
    body = data[1:]
    for i, raw in enumerate(body):
        if not raw:  # the separator before the resume key
            if i + 1 < len(body) and body[i + 1]:
                resume_key = str(body[i + 1][0])
            break
        if raw == previous:
            continue
        previous = raw
        row = _row(dict(zip(header, (str(v) for v in raw), strict=False)))
        if row is None:
            log.debug("CDX: skipped malformed row %r", raw)
            continue
        rows.append(row)
    return CdxPage(tuple(rows), resume_key)


def parse_cdx_text(text: str, fields: tuple[str, ...] = CDX_FIELDS) -> CdxPage:
    """Plain-text CDX: space-separated rows; a blank line then the resume key."""
    rows: list[CdxRow] = []
    resume_key: str | None = None
    lines = text.split("\n")
    previous = None
    for i, line in enumerate(lines):
        if not line.strip():
            rest = [x for x in lines[i + 1 :] if x.strip()]
            if rest:
                resume_key = rest[0].strip()
            break
        if line == previous:
            continue
        previous = line
        row = _row(dict(zip(fields, line.split(" "), strict=False)))
        if row is not None:
            rows.append(row)
    return CdxPage(tuple(rows), resume_key)


def row_snapshot(wayback_url: str, row: CdxRow) -> Snapshot:
    return Snapshot(
        archive=WAYBACK,
        url=replay_url(wayback_url, row.timestamp, row.original),
        timestamp=row.timestamp,
        status=row.statuscode,
    )


@dataclass(frozen=True, slots=True)
class CdxResult:
    rows: tuple[CdxRow, ...]
    complete: bool  # False when the page cap stopped the listing


async def cdx_rows(
    endpoint: Endpoint, cdx_endpoint: str, url: str, *, page_size: int, max_pages: int
) -> CdxResult:
    """All 2xx and revisit captures of `url`, oldest first, following resume keys."""
    base: list[tuple[str, str]] = [
        ("url", url),
        ("output", "json"),
        ("fl", ",".join(CDX_FIELDS)),  # urlkey must be there for resume keys to work
        ("filter", CDX_FILTER),
        ("limit", str(page_size)),
        ("showResumeKey", "true"),
    ]
    rows: list[CdxRow] = []
    resume_key: str | None = None
    for _ in range(max_pages):
        params = base if resume_key is None else [*base, ("resumeKey", resume_key)]
        answer = await endpoint.request("GET", cdx_endpoint, params=params)
        page = _read_cdx(answer)
        # Belt and braces: an archive that ignores `filter` must not slip 4xx in.
        rows.extend(r for r in page.rows if r.is_capture)
        resume_key = page.resume_key
        if resume_key is None:
            return CdxResult(tuple(rows), complete=True)
    return CdxResult(tuple(rows), complete=False)


async def cdx_latest(endpoint: Endpoint, cdx_endpoint: str, url: str) -> CdxRow | None:
    """The most recent capture (`limit=-1&fastLatest=true`), for truncated listings."""
    params = [
        ("url", url),
        ("output", "json"),
        ("fl", ",".join(CDX_FIELDS)),
        ("filter", CDX_FILTER),
        ("limit", "-1"),
        ("fastLatest", "true"),
    ]
    page = _read_cdx(await endpoint.request("GET", cdx_endpoint, params=params))
    captures = [r for r in page.rows if r.is_capture]
    return max(captures, key=lambda r: r.timestamp) if captures else None


def _read_cdx(answer: Answer) -> CdxPage:
    if answer.status == 403:
        # Excluded sites: the body/header names the Java exception (§2.5).
        why = answer.headers.get("x-archive-wayback-runtime-error", answer.text)[:200]
        raise Unavailable(f"CDX: HTTP 403 ({why.strip()})")
    if answer.status != 200:
        raise Unavailable(f"CDX: HTTP {answer.status}")
    try:
        if answer.text.lstrip().startswith("["):
            return parse_cdx_json(answer.text)
        if answer.content_type in ("", "text/plain"):
            return parse_cdx_text(answer.text)
    except UnexpectedFormat as exc:
        raise Unavailable(str(exc)) from exc
    raise Unavailable(f"CDX: unexpected {answer.content_type or 'body'}")


# --------------------------------------------------------------------------
# Availability API


@dataclass(frozen=True, slots=True)
class Closest:
    """`archived_snapshots.closest` of an availability answer."""

    available: bool
    url: str
    timestamp: str
    status: str


def parse_availability(text: str) -> Closest | None:
    """The `closest` snapshot, or None when `archived_snapshots` is empty.

    Raises `UnexpectedFormat` for anything that is not the documented JSON
    (JSONP is unwrapped; the echoed top-level `url`/`timestamp` are ignored).
    """
    body = text.strip()
    if body and not body.startswith("{") and "(" in body and body.endswith(")"):
        body = body[body.index("(") + 1 : -1]
    try:
        data: Any = json.loads(body)
    except json.JSONDecodeError as exc:
        raise UnexpectedFormat(f"availability: not JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise UnexpectedFormat("availability: not a JSON object")
    snapshots = data.get("archived_snapshots")
    if not isinstance(snapshots, dict):
        raise UnexpectedFormat("availability: no archived_snapshots")
    closest = snapshots.get("closest")
    if not isinstance(closest, dict):
        return None
    return Closest(
        available=closest.get("available") is True,
        url=str(closest.get("url", "")),
        timestamp=str(closest.get("timestamp", "")),
        status=str(closest.get("status", "")),
    )


def closest_snapshot(wayback_url: str, closest: Closest) -> Snapshot | None:
    """A `Snapshot` if the answer is usable (IA's own extension's rule, §1.4 Q5).

    The replay URL is rebuilt on our configured Wayback base: the API hands out
    `http://web.archive.org/...` links.
    """
    if not closest.available or not closest.url.lower().startswith(("http://", "https://")):
        return None
    if parse_timestamp(closest.timestamp) is None:
        return None
    match = _REPLAY.search(closest.url)
    original = match.group(2) if match else closest.url
    status = int(closest.status) if closest.status.isdigit() else None
    return Snapshot(
        archive=WAYBACK,
        url=replay_url(wayback_url, closest.timestamp, original),
        timestamp=closest.timestamp,
        status=status,
    )


def _without_scheme(url: str) -> str:
    return re.sub(r"^https?://", "", url, flags=re.IGNORECASE)


async def availability_snapshot(
    endpoint: Endpoint,
    availability_endpoint: str,
    wayback_url: str,
    url: str,
    cited_on: date | None,
    *,
    tries: int,
) -> Snapshot | None:
    """The closest snapshot by the availability API, or None if it says none.

    It gives spurious empty answers (§1.4 Q1) and misses https URLs that it
    has without scheme (Q2): re-ask, alternating the scheme-less form.  None
    is therefore a *soft* "not found"; the caller must not conclude from it.
    """
    for attempt in range(max(1, tries)):
        params = [("url", url if attempt % 2 == 0 else _without_scheme(url))]
        if cited_on is not None:
            params.append(("timestamp", cited_on.strftime("%Y%m%d")))
        answer = await endpoint.request("GET", availability_endpoint, params=params)
        if answer.status != 200:
            raise Unavailable(f"availability: HTTP {answer.status}")
        if "json" not in answer.content_type and "javascript" not in answer.content_type:
            raise Unavailable(f"availability: unexpected {answer.content_type or 'body'}")
        try:
            closest = parse_availability(answer.text)
        except UnexpectedFormat as exc:
            raise Unavailable(str(exc)) from exc
        if closest is not None:
            return closest_snapshot(wayback_url, closest)
        log.debug("availability: empty answer for %s (try %d)", url, attempt + 1)
    return None
