"""Pure rules: which snapshots are first/last/nearest, and when a URL counts as (not) archived."""

from __future__ import annotations

from datetime import UTC, datetime

from audit.archive.results import Finding, merge, select, verification_order
from audit.models import ArchiveStatus, Snapshot

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def _snap(ts: str, archive: str = "wayback", status: int | None = 200) -> Snapshot:
    return Snapshot(archive, f"https://a/{ts}/x", ts, status)


def test_select_around_a_date() -> None:
    snaps = [_snap("20200101000000"), _snap("20100101000000"), _snap("20150601000000", "ukwa")]
    sel = select(snaps, datetime(2016, 1, 1, tzinfo=UTC))
    assert sel.first == snaps[1] and sel.last == snaps[0]
    assert sel.before == snaps[2] and sel.after == snaps[0]
    assert sel.nearest == snaps[2]  # seven months before beats four years after
    later = select(snaps, datetime(2019, 6, 1, tzinfo=UTC))
    assert later.nearest == snaps[0]
    assert select([], None).nearest is None
    assert select(snaps, None).nearest == snaps[0] and select(snaps, None).before is None


def test_merge_never_turns_a_failure_into_not_archived() -> None:
    answered_none = Finding("wayback")
    failed = Finding("archive.today", answered=False, detail="HTTP 429 (rate-limited)")
    unknown = merge("u", [answered_none, failed], None, NOW)
    assert unknown.status is ArchiveStatus.UNKNOWN and unknown.count is None
    assert unknown.detail == "archive.today: HTTP 429 (rate-limited)"
    none = merge("u", [answered_none, Finding("ukwa")], None, NOW)
    assert none.status is ArchiveStatus.NOT_ARCHIVED and none.count == 0


def test_merge_counts() -> None:
    cdx = Finding("wayback", (_snap("20200101000000"), _snap("20210101000000")), 2)
    tm = Finding("ukwa", (_snap("20190101000000", "ukwa"),), 1)
    failed = Finding("loc", answered=False, detail="ConnectError")
    got = merge("u", [cdx, tm, failed], None, NOW)
    assert got.status is ArchiveStatus.ARCHIVED and got.count == 3  # a lower bound
    assert got.first is not None and got.first.archive == "ukwa"
    gate = Finding("today", (_snap("20180101000000", "today"),), None)  # a TimeGate answer
    assert merge("u", [cdx, gate], None, NOW).count is None


def test_verification_order_skips_redirect_captures() -> None:
    snaps = [
        _snap("20100101000000"),
        _snap("20120101000000", status=301),
        _snap("20140101000000", status=None),
        _snap("20200101000000"),
    ]
    order = verification_order(snaps, datetime(2015, 1, 1, tzinfo=UTC))
    assert [s.timestamp for s in order] == ["20140101000000", "20100101000000", "20200101000000"]
