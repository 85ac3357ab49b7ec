"""Pure functions of lookups: choosing snapshots, merging archives, the JSON contract.

No I/O here: the reports and the CLI call `best_replacement` and
`lookup_to_json` on stored lookups; `Archiver` calls the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from audit.archive.timestamps import parse_timestamp
from audit.models import ArchiveLookup, ArchiveStatus, Snapshot


def usable(s: Snapshot) -> bool:
    """A copy of the page (2xx, or a revisit of one), not an archived redirect or error."""
    return s.verified is not False and (s.status is None or 200 <= s.status < 300)


@dataclass(frozen=True, slots=True)
class Selection:
    first: Snapshot | None = None
    last: Snapshot | None = None
    nearest: Snapshot | None = None
    before: Snapshot | None = None
    after: Snapshot | None = None


def _instant(s: Snapshot) -> datetime:
    when = parse_timestamp(s.timestamp)
    assert when is not None, s.timestamp  # every Snapshot we build has a valid one
    return when


def select(snapshots: Sequence[Snapshot], when: datetime | None) -> Selection:
    """First, last, and nearest/before/after `when` (nearest = latest without a date)."""
    if not snapshots:
        return Selection()
    ordered = sorted(snapshots, key=lambda s: (s.timestamp, s.archive))
    first, last = ordered[0], ordered[-1]
    if when is None:
        return Selection(first, last, nearest=last)
    before = next((s for s in reversed(ordered) if _instant(s) <= when), None)
    after = next((s for s in ordered if _instant(s) > when), None)
    nearest = min(
        (s for s in (before, after) if s is not None),
        key=lambda s: abs((_instant(s) - when).total_seconds()),
    )
    return Selection(first, last, nearest, before, after)


def best_replacement(lookup: ArchiveLookup) -> Snapshot | None:
    """The snapshot a report recommends for a dead, suspect or moved resource.

    The verified one nearest before the citation date, else the nearest
    verified; failing verification, the nearest not known to be bad.
    """
    if lookup.recommended is not None and lookup.recommended.verified:
        return lookup.recommended
    order = (lookup.before, lookup.nearest, lookup.after, lookup.last, lookup.first)
    candidates = [s for s in order if s is not None and usable(s)]
    verified = [s for s in candidates if s.verified]
    best = verified or candidates
    return best[0] if best else None


def snapshot_to_json(s: Snapshot | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "archive": s.archive,
        "url": s.url,
        "timestamp": s.timestamp,
        "status": s.status,
        "verified": s.verified,
    }


def lookup_to_json(lookup: ArchiveLookup) -> dict[str, Any]:
    """One `results` item of `audit archive --format json` (DESIGN.md contract)."""
    saved = None
    if lookup.saved is not None:
        saved = {"job_id": lookup.saved.job_id, "status": lookup.saved.status}
    return {
        "url": lookup.url,
        "status": str(lookup.status),
        "count": lookup.count,
        "first": snapshot_to_json(lookup.first),
        "last": snapshot_to_json(lookup.last),
        "nearest": snapshot_to_json(lookup.nearest),
        "saved": saved,
    }


@dataclass(frozen=True, slots=True)
class Finding:
    """What one archive said about one URL."""

    archive: str
    snapshots: tuple[Snapshot, ...] = ()
    count: int | None = None
    answered: bool = True  # False: could not be asked, or its "none" is not conclusive
    detail: str = ""
    rate_limited: bool = False


def merge(
    url: str, sources: Sequence[Finding], when: datetime | None, now: datetime
) -> ArchiveLookup:
    """One `ArchiveLookup` from every archive's answer (pure)."""
    found = [s for src in sources for s in src.snapshots]
    sel = select(found, when)
    failed = [src for src in sources if not src.answered]
    if found:
        status = ArchiveStatus.ARCHIVED
        # An archive that found some but could not count them (availability API,
        # TimeGate) makes the total unknown; one that could not be asked at all
        # leaves a lower bound, and says so in `detail`.
        uncounted = any(src.snapshots and src.count is None for src in sources)
        count: int | None = None if uncounted else sum(src.count or 0 for src in sources)
    elif failed:
        status, count = ArchiveStatus.UNKNOWN, None
    else:
        status, count = ArchiveStatus.NOT_ARCHIVED, 0
    detail = "; ".join(f"{src.archive}: {src.detail}" for src in sources if src.detail)
    return ArchiveLookup(
        url=url,
        status=status,
        count=count,
        first=sel.first,
        last=sel.last,
        nearest=sel.nearest,
        before=sel.before,
        after=sel.after,
        checked_at=now,
        detail=detail,
    )


def verification_order(snapshots: Sequence[Snapshot], when: datetime | None) -> list[Snapshot]:
    """Which snapshots to replay, best first: nearest before the date, then after it."""
    ordered = sorted((s for s in snapshots if usable(s)), key=lambda s: s.timestamp)
    if when is None:
        return ordered[::-1]
    before = [s for s in ordered if _instant(s) <= when][::-1]
    after = [s for s in ordered if _instant(s) > when]
    return before + after
