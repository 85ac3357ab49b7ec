"""`audit run`: the main job (check what is due, archives, store, reports)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from audit import pipeline, report
from audit.check import loop as check_loop
from audit.cli import schedule
from audit.cli._options import (
    EXIT_DEAD,
    EXIT_OK,
    add_network,
    add_notify,
    add_policy,
    add_selection,
    add_store,
    add_vantages,
    now_from_env,
    registry_and_store,
    run_options,
)
from audit.cli._progress import progress
from audit.cli.report import add_lang
from audit.models import Network, Verdict
from audit.pipeline import Clock


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="check what is due, look up archives, store, write reports")
    add_store(p, optional=False)
    add_network(p)
    add_vantages(p)
    add_notify(p)
    add_policy(p)
    add_selection(p)
    p.add_argument("--all", action="store_true", help="re-check everything, not only what is due")
    p.add_argument("--reports", type=Path, default=Path("reports"), help="report folder")
    p.add_argument("--no-archive", action="store_true", help="skip archive lookups")
    p.add_argument(
        "--save",
        action="store_true",
        help="ask Save Page Now to capture resources found alive (IA_ACCESS_KEY/IA_SECRET_KEY)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument(
        "--enqueue",
        action="store_true",
        help="queue what is due for `audit worker`s instead of checking it here "
        "(PostgreSQL store; the same as `audit schedule`)",
    )
    add_lang(p)
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    if args.enqueue:
        return schedule.cmd_schedule(args, out)
    with (
        registry_and_store(args) as (registry, store),
        progress("checking", quiet=args.quiet) as update,
    ):
        opts = run_options(args, registry)
        summary = check_loop.run(
            pipeline.run_audit(registry, store, opts, Clock(now_from_env()), update)
        )
    if args.format == "json":
        out.write(report.render_json(summary.data) + "\n")
    elif not args.quiet:
        print_summary(summary, out)
    return EXIT_DEAD if summary.dead else EXIT_OK


def print_summary(summary: pipeline.RunSummary, out: TextIO) -> None:
    data = summary.data
    counts: dict[str, int] = {}
    for r in data.resources:
        label = r.verdict.value if r.resource.url else "no address"
        counts[label] = counts.get(label, 0) + 1
    if summary.run.network is Network.OFFLINE:
        out.write(
            "OFFLINE: this machine's network was down; results say nothing about the "
            "resources and nothing was called dead.\n"
        )
    out.write(
        f"run {summary.run.id}: checked {summary.checked}, not due {summary.skipped_not_due}"
        f" of {len(data.resources)} resources\n"
    )
    out.write("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + "\n")
    for c in summary.changes:
        if c.before is not None:
            out.write(f"  {c.resource_id}: {c.before.value} -> {c.after.value} ({c.reason})\n")
    for r in data.resources:
        if r.verdict in (Verdict.DEAD, Verdict.MOVED, Verdict.SUSPECT):
            out.write(f"  {r.verdict.value:8} {r.resource.id}  {r.resource.url}  {r.reason}\n")
    for note in data.notes:
        out.write(f"{note}\n")
    for path in summary.written:
        out.write(f"wrote {path}\n")
