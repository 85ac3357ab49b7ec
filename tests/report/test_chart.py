from __future__ import annotations

from datetime import UTC, datetime, timedelta

from audit.report import _chart

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_bars_stack_from_the_baseline_dead_first() -> None:
    chart = _chart.build([(T0, {"alive": 9, "dead": 3}), (T0 + timedelta(days=1), {"alive": 12})])
    assert chart.states == ("dead", "alive")
    first = [s for s in chart.segments if s.x == chart.segments[0].x]
    assert [s.state for s in first] == ["dead", "alive"]
    assert first[0].y + first[0].height == chart.bottom  # dead sits on the baseline
    assert first[1].y + first[1].height == first[0].y  # alive on top of it
    assert all(chart.top <= s.y and s.y + s.height <= chart.bottom + 0.01 for s in chart.segments)
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10", "15"]
    assert chart.segments[0].title == "Jan 1, 2026, 00:00 UTC: Dead 3 of 12"


def test_many_runs_fit_and_unknown_keys_are_kept() -> None:
    points = [(T0 + timedelta(days=d), {"alive": 100, "weird": 1}) for d in range(365)]
    chart = _chart.build(points)
    assert chart.runs == 365 and chart.states == ("alive", "weird")
    assert max(s.x + s.width for s in chart.segments) <= chart.right + 0.01
    assert [t.label for t in chart.x_ticks] == ["Jan 1, 2026", "Jul 2, 2026", "Dec 31, 2026"]


def test_empty() -> None:
    chart = _chart.build([])
    assert chart.segments == () and chart.summary == "No runs yet."
