"""Report rendering speed and size for large registries (a benchmark, not a test).

    .venv/bin/python bench/report_render.py [RESOURCES ...]

Builds a synthetic ReportData (every resource with a 90-check history, an
archive lookup and evidence; one in ten named without an address, a 365-run
timeline) and prints, per format, the best of three render times and the
output size.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from datetime import timedelta

from audit.models import HistoryMark, ReportData, ResourceStatus
from audit.report import FORMATS
from tests.report.sample import NOW, sample


def workload(n: int) -> ReportData:
    base = sample()
    web = [rs for rs in base.resources if rs.resource.url]
    named = [rs for rs in base.resources if not rs.resource.url]
    out: list[ResourceStatus] = []
    for i in range(n):
        proto = named[i % len(named)] if i % 10 == 9 else web[i % len(web)]
        res = dataclasses.replace(
            proto.resource,
            id=f"{proto.resource.id}-{i}",
            name=f"{proto.resource.name} #{i}",
            url=None if proto.resource.url is None else f"{proto.resource.url}?n={i}",
        )
        history = (
            tuple(
                HistoryMark(
                    NOW - timedelta(days=90 - d), proto.history[d % len(proto.history)].outcome
                )
                for d in range(90)
            )
            if proto.history
            else ()
        )
        out.append(dataclasses.replace(proto, resource=res, history=history))
    timeline = tuple(
        (NOW - timedelta(days=365 - d), {"alive": n - 30, "dead": 10, "suspect": 20})
        for d in range(365)
    )
    return dataclasses.replace(base, resources=tuple(out), timeline=timeline)


def main(sizes: list[int]) -> None:
    print(f"{'resources':>9} {'format':>6} {'best of 3 (ms)':>15} {'size (KiB)':>11}")
    for n in sizes:
        data = workload(n)
        for name, (render, _) in FORMATS.items():
            best, size = float("inf"), 0
            for _ in range(3):
                t0 = time.perf_counter()
                text = render(data)
                best = min(best, time.perf_counter() - t0)
                size = len(text.encode("utf-8"))
            print(f"{n:>9} {name:>6} {best * 1000:>15.1f} {size / 1024:>11.0f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20, 1000, 5000])
