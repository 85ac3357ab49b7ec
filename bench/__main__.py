"""`python -m bench`: every workload, every tool, one table.

    python -m bench                     # the issue's four workloads (~15 min on 2 cores)
    python -m bench --quick             # 2,000 URLs only
    python -m bench --tools audit,lychee-fast --workloads 10k-nohang --repeat 1
    python -m bench --profile           # also: where audit's CPU time goes (py-spy)
    python -m bench --workloads 100k-nohang --tools audit   # memory vs. URL count

Workloads: smoke, 2k, 10k, 10k-nohang, rerun (`audit run` twice on one store),
100k-nohang, history (a store of 1..260 weekly runs: bench/history.py; smaller with
`python -m bench.history --urls 1000 --runs 1,10,50`). Tools: audit, lychee,
lychee-fast, linkchecker. The peers (and py-spy) are installed into bench/.venv on
first use.

Outputs go to bench/out/<UTC time>/ (gitignored): each tool's stdout/stderr,
the workload's URLs, ground truth and registry, results.json and results.md.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench import profile
from bench.peers import (
    BENCH_DIR,
    Files,
    Tool,
    audit_check,
    audit_run,
    default_audit_exe,
    ensure_venv,
    peer_version,
    peers,
)
from bench.run import (
    HEADER,
    Row,
    fmt_row,
    machine,
    median_row,
    run_tool,
    save,
    table,
    truth_summary,
)
from bench.server import ARCHIVE_ADDR, Server
from bench.workload import WorkloadSpec, generate, lower_bound, policy_bound, write_files

log = logging.getLogger("bench")

WORKLOADS = {
    "smoke": WorkloadSpec("smoke-300-10h-hang", urls=300, hosts=10, hanging=1),
    "2k": WorkloadSpec("2k-50h-hang", urls=2_000, hosts=50, hanging=3),
    "10k": WorkloadSpec("10k-200h-hang", urls=10_000, hosts=200, hanging=3),
    "10k-nohang": WorkloadSpec("10k-200h-nohang", urls=10_000, hosts=200, hanging=0),
    # memory must not grow with the URL count beyond the results kept (issue 5)
    "100k-nohang": WorkloadSpec("100k-200h-nohang", urls=100_000, hosts=200, hanging=0),
    # the same URLs as 10k-nohang (same seed), checked twice by `audit run` on one store
    "rerun": WorkloadSpec("10k-200h-nohang", urls=10_000, hosts=200, hanging=0),
}
TOOLS = (
    "audit",
    "audit-unpaced",
    "lychee",
    "lychee-fast",
    "lychee-polite",
    "lychee-polite-1",
    "linkchecker",
)
# The politeness of the polite floor: audit's defaults (4 requests in flight per
# host, URL starts 50 ms apart; lychee's default interval is also 50 ms).
BOUND_PER_HOST = 4
BOUND_INTERVAL_S = 0.05
REPEAT_UNDER_S = 20.0


def audit_available(exe: Path, command: str, needs: tuple[str, ...] = ()) -> str | None:
    """None when `audit <command> --help` works and lists `needs`, else why not."""
    if not exe.exists():
        return f"{exe} not installed"
    try:
        r = subprocess.run(
            [str(exe), command, "--help"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as e:
        return str(e)
    if r.returncode != 0:
        return f"`audit {command}` not available yet"
    missing = [o for o in needs if o not in r.stdout]
    if missing:
        return f"`audit {command}` lacks {', '.join(missing)}"
    return None


def paired_ratio(a: list[Row], b: list[Row]) -> str | None:
    """Median of the per-round wall ratios a/b (with their range), or None."""
    ratios = sorted(
        x.measure.wall_s / y.measure.wall_s
        for x, y in zip(a, b, strict=False)
        if x.measure and y.measure and y.measure.wall_s > 0
    )
    if not ratios:
        return None
    median = statistics.median(ratios)
    return f"{median:.2f} ({len(ratios)} pairs, {ratios[0]:.2f}–{ratios[-1]:.2f})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark audit beside lychee and LinkChecker."
    )
    ap.add_argument("--workloads", default="2k,10k,10k-nohang,rerun")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--quick", action="store_true", help="the 2k workload only")
    ap.add_argument("--limit", type=float, default=300, help="seconds before a tool run is killed")
    ap.add_argument("--audit-exe", type=Path, default=default_audit_exe())
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--profile", action="store_true", help="one more audit check run under py-spy")
    ap.add_argument(
        "--audit-args", default="", help='more options for `audit check`, e.g. "--workers 2"'
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help=f"runs per tool, the median kept (runs over {REPEAT_UNDER_S:g} s: once)",
    )
    ap.add_argument("--workers", type=int, default=None, help="server processes")
    ap.add_argument(
        "--paired", action="store_true", help="interleave the tools' runs (A B A B ...)"
    )
    ap.add_argument(
        "--audit-b", type=Path, default=None, help="another audit build, run as tool audit-b"
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")

    names = ["2k"] if args.quick else [n.strip() for n in args.workloads.split(",") if n.strip()]
    if "history" in names:
        # its own shape (N weekly runs of one store): bench/history.py measures and prints it
        from bench import history  # imports audit: only when asked

        names.remove("history")
        hist_out = (args.out or BENCH_DIR / "out" / "history").resolve()
        rows_h = history.measure(10_000, history.RUNS, hist_out, args.audit_exe)
        print(history.table(10_000, rows_h), flush=True)
        if not names:
            return 0
    tools = {t.strip() for t in args.tools.split(",") if t.strip()}
    unknown = [n for n in names if n not in WORKLOADS] + [t for t in tools if t not in TOOLS]
    if unknown:
        ap.error(f"unknown workload/tool: {', '.join(unknown)}")
    out = args.out or BENCH_DIR / "out" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out.resolve()  # tools run with their own cwd
    out.mkdir(parents=True, exist_ok=True)
    # SIGTERM unwinds like ^C, so every server and tool we started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    bin_dir = ensure_venv() if tools & set(TOOLS[2:]) or args.profile else None
    meta: dict[str, object] = dict(machine())
    meta["lychee"] = peer_version(bin_dir / "lychee") if bin_dir else "-"
    meta["linkchecker"] = peer_version(bin_dir / "linkchecker") if bin_dir else "-"
    meta["audit"] = str(args.audit_exe)
    # audit's offline canaries: a name /etc/hosts answers, so no run asks a
    # resolver off loopback (bench/guard would refuse it anyway)
    canary: tuple[str, ...] = ()
    if "audit" in tools and audit_available(args.audit_exe, "check", ("--canary",)) is None:
        canary = ("--canary", "localhost")
    if "audit" in tools and audit_available(args.audit_exe, "check") is None:
        # start-up alone (interpreter + imports), part of every audit wall time
        t0 = time.perf_counter()
        subprocess.run([str(args.audit_exe), "--version"], capture_output=True, check=False)
        meta["audit start-up s"] = round(time.perf_counter() - t0, 2)
    meta["floor politeness"] = f"{BOUND_PER_HOST} per host, {BOUND_INTERVAL_S * 1000:.0f} ms apart"
    print("machine: " + ", ".join(f"{k} {v}" for k, v in meta.items()), flush=True)
    print(HEADER, flush=True)

    rows: list[Row] = []
    # The rerun shares its workload with 10k-nohang; run it right after, same server.
    for name in names:
        spec = WORKLOADS[name]
        w = generate(spec)
        bound = lower_bound(w, BOUND_PER_HOST)
        free = lower_bound(w, None)
        floors = {
            "audit": policy_bound(w, BOUND_PER_HOST, BOUND_INTERVAL_S),
            "audit-unpaced": policy_bound(w, BOUND_PER_HOST, 0.0),
        }
        floors["audit-run-1"] = floors["audit-run-3"] = floors["audit"]
        meta[f"workload {name}"] = (
            f"{spec.urls} URLs, {spec.hosts} hosts, latency {spec.latency_s * 1000:.0f} ms, "
            f"timeout {spec.timeout_s:g} s, hanging {spec.hanging}; {truth_summary(w.pages)}; "
            f"bound {bound.seconds} s ({bound.reason}); {free.seconds} s with no per-host limits; "
            f"polite floor {floors['audit'].seconds} s ({floors['audit'].reason}), "
            f"{floors['audit-unpaced'].seconds} s unpaced"
        )
        log.info("%s", meta[f"workload {name}"])
        wdir = out / name
        with Server(w, workers=args.workers, max_seconds=args.limit * 8 + 120) as srv:
            paths = write_files(w, srv.port, wdir)
            plan: list[tuple[str, Tool]] = []
            if name == "rerun":
                # Without these two options `audit run` would try the real archives.
                why = audit_available(
                    args.audit_exe,
                    "run",
                    ("--wayback-url", "--availability-url", "--no-archive", "--memento"),
                )
                if "audit" in tools and why is None:
                    db = wdir / "audit.sqlite"
                    db.unlink(missing_ok=True)
                    plan += [
                        (
                            "audit-run-1",
                            audit_run(args.audit_exe, "first", spec.timeout_s, db, canary),
                        ),
                        (
                            "audit-run-2",
                            audit_run(args.audit_exe, "re-run", spec.timeout_s, db, canary),
                        ),
                    ]
                    if audit_available(args.audit_exe, "run", ("--all",)) is None:
                        # everything again, due or not: the ETag/304 path (see "304s")
                        plan.append(
                            (
                                "audit-run-3",
                                audit_run(
                                    args.audit_exe,
                                    "re-run --all",
                                    spec.timeout_s,
                                    db,
                                    ("--all", *canary),
                                ),
                            )
                        )
                elif "audit" in tools:
                    rows.append(
                        Row(
                            spec.name,
                            "audit run ×2",
                            spec.urls,
                            bound.seconds,
                            None,
                            None,
                            why or "",
                        )
                    )
                    print(fmt_row(rows[-1]), flush=True)
            else:
                if "audit" in tools:
                    why = audit_available(args.audit_exe, "check")
                    if why is None:
                        plan.append(
                            (
                                "audit",
                                audit_check(
                                    args.audit_exe,
                                    spec.timeout_s,
                                    (*canary, *shlex.split(args.audit_args)),
                                ),
                            )
                        )
                    else:
                        rows.append(
                            Row(spec.name, "audit check", spec.urls, bound.seconds, None, None, why)
                        )
                        print(fmt_row(rows[-1]), flush=True)
                if "audit-unpaced" in tools and audit_available(args.audit_exe, "check") is None:
                    # the engine without the per-host pacing (4 in flight per host still)
                    unpaced = audit_check(
                        args.audit_exe, spec.timeout_s, (*canary, "--min-interval", "0")
                    )
                    plan.append(("audit-unpaced", replace(unpaced, name=f"{unpaced.name} unpaced")))
                if bin_dir is not None:
                    lychee_d, lychee_f, polite0, polite1, lc = peers(bin_dir, spec.timeout_s)
                    plan += [
                        (k, t)
                        for k, t in (
                            ("lychee", lychee_d),
                            ("lychee-fast", lychee_f),
                            ("lychee-polite", polite0),
                            ("lychee-polite-1", polite1),
                            ("linkchecker", lc),
                        )
                        if k in tools
                    ]
            if args.audit_b is not None and "audit" in tools:
                # the same command from another build, interleaved with this one (A/B)
                other = audit_check(args.audit_b, spec.timeout_s, (*canary,))
                plan.append(("audit-b", replace(other, name=f"{other.name} (B: {args.audit_b})")))
            n = 1 if name == "rerun" else args.repeat
            all_tries: dict[str, list[Row]] = {key: [] for key, _ in plan}
            # Paired: A B A B, each round every tool once, so the machine's load
            # (shared, noisy) hits all tools alike; else each tool's runs in a row.
            order = (
                [(i, k, t) for i in range(1, n + 1) for k, t in plan]
                if args.paired
                else [(i, k, t) for k, t in plan for i in range(1, n + 1)]
            )
            for i, key, tool in order:
                files = Files(
                    paths["urls"],
                    paths["registry"],
                    wdir / key,
                    archive_url=f"http://{ARCHIVE_ADDR}:{srv.port}",
                )
                # The re-run pair shares one store, so it is never repeated; a run
                # over REPEAT_UNDER_S is not either (its noise is small beside it).
                tries = all_tries[key]
                first = tries[0].measure if tries else None
                if not args.paired and first is not None and first.wall_s >= REPEAT_UNDER_S:
                    continue
                # each try keeps its own outputs (a failed one is worth reading)
                f = replace(files, work=files.work / f"try{i}") if n > 1 else files
                tries.append(run_tool(tool, w, srv, f, limit_s=args.limit, bound_s=bound.seconds))
                log.info("%s try %d: %s", key, i, fmt_row(tries[-1]))
            for a, b in (("audit", "lychee-polite"), ("audit", "audit-b")):
                ratio = paired_ratio(all_tries.get(a, []), all_tries.get(b, []))
                if ratio is not None:
                    meta[f"paired wall {a}/{b} {name}"] = ratio
                    print(f"paired wall ratio {a}/{b} on {name}: {ratio}", flush=True)
            for key, tool in plan:
                tries = all_tries[key]
                row = median_row(tries)
                if key in floors:
                    row = replace(row, floor_s=floors[key].seconds)
                rows.append(row)
                # audit check, and the re-run (a third run on the same store is
                # just as unchanged as the second)
                if args.profile and key in ("audit", "audit-run-2") and bin_dir is not None:
                    srv.reset()
                    prof = wdir / f"{key}-profile"
                    collapsed = profile.record(
                        bin_dir / "py-spy", tool.argv(files), prof, limit_s=args.limit
                    )
                    summary = profile.summarise(collapsed)
                    (prof / "summary.txt").write_text(summary + "\n", encoding="utf-8")
                    log.info("profile of %s on %s:\n%s", tool.name, name, summary)
                print(fmt_row(row), flush=True)
                meta[f"options {tool.name}"] = tool.options
            by_tool = {r.tool: r.measure for r in rows if r.workload == spec.name}
            if name == "rerun" and "audit run (re-run)" in by_tool:
                first, second = by_tool.get("audit run (first)"), by_tool["audit run (re-run)"]
                if first and second and second.wall_s > 0 and not first.overran:
                    meta["rerun speedup"] = round(first.wall_s / second.wall_s, 1)
                    print(f"re-run speedup: {meta['rerun speedup']}x (target >= 5x)", flush=True)
        save(rows, meta, out)

    print()
    print(table(rows))
    print(f"\nresults: {out}/results.json, {out}/results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
