"""Geometry of the verdicts-over-time chart: stacked bars, one per run (pure).

The template only draws what this computes, so the SVG stays free of logic
and the numbers can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from audit.report import _view as v
from audit.report._i18n import Tr, translator

WIDTH = 720
HEIGHT = 200
_LEFT, _RIGHT, _TOP, _BOTTOM = 36, 8, 10, 26

# Bottom to top: the dead share grows from the baseline, where a trend is easiest to read.
STACK: tuple[str, ...] = (
    "dead",
    "suspect",
    "moved",
    "blocked",
    "flaky",
    "unknown",
    "alive",
    v.NO_ADDRESS,
)


@dataclass(frozen=True, slots=True)
class Segment:
    state: str
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True, slots=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    segments: tuple[Segment, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    states: tuple[str, ...]  # those that occur, in stack order, for the legend
    runs: int
    summary: str  # the chart in words, for screen readers


def _scale(n: int) -> tuple[int, int]:
    """A round top for the y axis and a step giving at most 4 gridlines above 0."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if n <= step * 4:
            return max(step * -(-n // step), step), step
    return n, n


def build(points: list[tuple[datetime, dict[str, int]]], tr: Tr | None = None) -> Chart:
    tr = tr or translator()
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    keys = [k for k in STACK if any(c.get(k) for _, c in points)]
    keys += sorted({k for _, c in points for k in c if k not in STACK and c[k]})
    top, step = _scale(max((sum(c.values()) for _, c in points), default=0))
    n = max(len(points), 1)
    slot = plot_w / n
    gap = slot * 0.25 if n <= 60 else 0.0
    bar_w = max(slot - gap, 0.5)
    segments: list[Segment] = []
    for i, (at, counts) in enumerate(points):
        x = _LEFT + i * slot + gap / 2
        y = float(HEIGHT - _BOTTOM)
        total = sum(counts.values())
        for key in keys:
            count = counts.get(key, 0)
            if not count:
                continue
            h = plot_h * count / top
            y -= h
            label = tr._(v.STATE_LABEL[key]) if key in v.STATE_LABEL else key
            segments.append(
                Segment(
                    state=key,
                    x=round(x, 2),
                    y=round(y, 2),
                    width=round(bar_w, 2),
                    height=round(h, 2),
                    title=tr._(
                        "%(when)s: %(label)s %(count)s of %(total)s",
                        when=tr.stamp(at),
                        label=label,
                        count=tr.number(count),
                        total=tr.number(total),
                    ),
                )
            )
    y_ticks = tuple(
        Tick(round(HEIGHT - _BOTTOM - plot_h * n / top, 2), tr.number(n))
        for n in range(0, top + 1, step)
    )
    picks = sorted({0, len(points) - 1} | ({len(points) // 2} if len(points) >= 5 else set()))
    x_ticks = tuple(
        Tick(round(_LEFT + (i + 0.5) * slot, 2), tr.date(points[i][0]))
        for i in picks
        if 0 <= i < len(points)
    )
    if points:
        first, last = points[0], points[-1]
        latest = ", ".join(
            f"{tr._(v.STATE_LABEL[k]) if k in v.STATE_LABEL else k} {tr.number(last[1][k])}"
            for k in keys
            if last[1].get(k)
        )
        summary = tr.n_(
            "%(count)s run from %(first)s to %(last)s; latest: %(latest)s",
            "%(count)s runs from %(first)s to %(last)s; latest: %(latest)s",
            len(points),
            first=tr.date(first[0]),
            last=tr.date(last[0]),
            latest=latest,
        )
    else:
        summary = tr._("No runs yet.")
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=_LEFT,
        right=WIDTH - _RIGHT,
        top=_TOP,
        bottom=HEIGHT - _BOTTOM,
        segments=tuple(segments),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        states=tuple(keys),
        runs=len(points),
        summary=summary,
    )
