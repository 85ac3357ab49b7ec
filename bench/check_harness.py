"""The Checker API on the benchmark harness's workload (bench/workload.py, bench/server.py
from wip/bench): accuracy against the ground truth, wall, CPU, peak RSS, and when the
results completed. Runs once wip/bench is merged; a tuning aid, not a test.

    .venv/bin/python -m bench.check_harness --hanging 3
    .venv/bin/python -m bench.check_harness --hanging 0 --set per_host=8 --set concurrency=1024
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import resource
import time
from dataclasses import replace

from audit.check import Checker, CheckSettings, CheckTarget
from bench.server import Server
from bench.workload import (
    AUDIT_BROKEN_OUTCOMES,
    WorkloadSpec,
    generate,
)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--urls", type=int, default=10000)
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--hanging", type=int, default=3)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--set", action="append", default=[], help="CheckSettings field=value")
    args = p.parse_args()
    base = CheckSettings()
    changes = {k: type(getattr(base, k))(v) for k, v in (s.split("=", 1) for s in args.set)}
    spec = WorkloadSpec(name="check", urls=args.urls, hosts=args.hosts, hanging=args.hanging)
    work = generate(spec)
    with Server(work) as srv:
        srv.reset()
        # "localhost" as canary: the offline check must not ask the system resolver,
        # which is not on loopback (the harness talks to loopback only).
        settings = replace(
            base, allow_private=True, timeout=args.timeout, canaries=("localhost",), **changes
        )
        truth = {page.url(srv.port): page for page in work.pages}
        counts: collections.Counter[tuple[str, str]] = collections.Counter()
        done: list[float] = []
        wrong, missed, soft_missed = 0, 0, 0

        async def run() -> tuple[float, float]:
            nonlocal wrong, missed, soft_missed
            t0, c0 = time.perf_counter(), time.process_time()
            async with Checker(settings) as checker:
                targets = (CheckTarget(page.url(srv.port)) for page in work.pages)
                async for r in checker.run(targets):
                    page = truth[r.target.url]
                    outcome = r.classification.outcome.value
                    done.append(time.perf_counter() - t0)
                    counts[(page.behaviour.value, outcome)] += 1
                    broken = outcome in AUDIT_BROKEN_OUTCOMES
                    wrong += broken and not page.broken
                    missed += page.broken and not broken
                    soft_missed += page.soft_404 and outcome != "soft_404"
            return time.perf_counter() - t0, time.process_time() - c0

        wall, cpu = asyncio.run(run())
        stats = srv.stats()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(done)} URLs, {args.hosts} hosts, {args.hanging} hanging, timeout {args.timeout}s")
    print(
        f"wall {wall:.2f} s  {len(done) / wall:.0f} URLs/s  cpu {cpu:.2f} s  peak RSS {rss:.0f} MiB"
    )
    print(
        f"requests {stats.requests}  connections {stats.connections}  "
        f"server cpu {stats.cpu_s:.2f} s"
    )
    print(f"wrongly broken {wrong}  missed broken {missed}  soft-404 missed {soft_missed}")
    for q in (0.5, 0.9, 0.99, 1.0):
        print(f"  {q:.0%} of results by {done[min(len(done) - 1, int(q * len(done)))]:.2f} s")
    for (behaviour, outcome), n in sorted(counts.items()):
        print(f"  {behaviour:14} -> {outcome:16} {n}")


if __name__ == "__main__":
    main()
