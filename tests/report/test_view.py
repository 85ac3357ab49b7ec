from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from audit.models import ArchiveLookup, ArchiveStatus, Drift, Snapshot, Verdict
from audit.report import _view as v
from tests.report.sample import sample

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def _snap(ts: str, verified: bool | None) -> Snapshot:
    return Snapshot("wayback", f"https://web.archive.org/web/{ts}/x", ts, 200, verified)


def test_best_snapshot_prefers_nearest_and_verified_and_never_a_bad_one() -> None:
    near, last = _snap("20200101000000", None), _snap("20240101000000", True)
    lookup = ArchiveLookup("x", ArchiveStatus.ARCHIVED, nearest=near, last=last)
    assert v.best_snapshot(lookup) == last  # verified beats unverified
    lookup = ArchiveLookup("x", ArchiveStatus.ARCHIVED, nearest=near, last=_snap("2024", None))
    assert v.best_snapshot(lookup) == near  # then nearest to the citation date
    bad = ArchiveLookup("x", ArchiveStatus.ARCHIVED, nearest=_snap("2020", False))
    assert v.best_snapshot(bad) is None
    assert v.best_snapshot(None) is None


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=30), "just now"),
        (timedelta(minutes=45), "45 min ago"),
        (timedelta(hours=5), "5 h ago"),
        (timedelta(days=9), "9 d ago"),
        (timedelta(minutes=-5), "in the future"),
    ],
)
def test_ago_is_relative_to_the_report_time(delta: timedelta, text: str) -> None:
    assert v.ago(NOW - delta, NOW) == text


def test_naive_datetimes_are_utc() -> None:
    assert v.iso(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"
    assert v.fmt_dt(datetime(2026, 1, 2, 3, 4)) == "2026-01-02 03:04 UTC"


@pytest.mark.parametrize(
    ("share", "text"), [(0, "0%"), (0.004, "<1%"), (0.1666, "17%"), (1, "100%")]
)
def test_percent(share: float, text: str) -> None:
    assert v.percent(share) == text


def test_severity_order_and_summary() -> None:
    data = sample()
    ordered = [v.state_of(rs) for rs in v.by_severity(data.resources)]
    assert ordered[0] == "dead" and ordered[-1] == v.NO_ADDRESS
    assert ordered == sorted(ordered, key=v.SEVERITY.__getitem__)
    s = v.summarize(data)
    assert (s.total, s.with_address, s.problems) == (18, 12, 7)
    # Verdict shares are of the 12 with an address (6 named without one do not
    # dilute them); the no-address share is of the whole registry.
    addressed = [c for c in s.counts if c.state != v.NO_ADDRESS]
    assert abs(sum(c.share for c in addressed) - 1) < 1e-9
    assert s.share("dead") == s.count("dead") / 12
    assert s.share(v.NO_ADDRESS) == 6 / 18


def test_actions() -> None:
    by_id = {rs.resource.id: rs for rs in sample().resources}
    assert v.action(by_id["sisters-help-ru"]).startswith("Replace the citation with the archived")
    assert v.action(by_id["stoppav-ru"]) == "Update the citation to https://cppmsp36.ru/."
    assert v.action(by_id["mvd"]).startswith("Named without an address")
    assert v.action(by_id["viro-edu-ru"]).startswith("Alive, but the page changed")
    assert v.action(by_id["36edu-ru"]) == ""
    dead_no_copy = dataclasses.replace(by_id["sisters-help-ru"], archive=None, replacement=None)
    assert v.action(dead_no_copy) == "Find where it went; no archived copy is known."
    moved = dataclasses.replace(by_id["stoppav-ru"], moved_to=None)
    assert v.moved_to(moved) == "https://cppmsp36.ru/"  # falls back to the final URL
    assert v.moved_to(dataclasses.replace(moved, verdict=Verdict.ALIVE)) is None


def test_drift_threshold() -> None:
    at = NOW
    assert not v.drift_notable(Drift(0.95, False, at))
    assert v.drift_notable(Drift(0.95, True, at))
    assert v.drift_notable(Drift(0.5, False, at))
    assert not v.drift_notable(None)


def test_only_web_urls_are_links() -> None:
    assert v.is_web_url("https://x/") and v.is_web_url("HTTP://X/")
    for url in ("javascript:alert(1)", "data:text/html,x", "mailto:a@b", None, " http://x"):
        assert not v.is_web_url(url)
