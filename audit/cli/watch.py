"""`audit watch`: `audit run` on a schedule until stopped."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from cronsim import CronSim, CronSimError

from audit import pipeline
from audit.check import loop as check_loop
from audit.cli._options import (
    EXIT_OK,
    add_network,
    add_notify,
    add_policy,
    add_selection,
    add_store,
    add_vantages,
    duration,
    jitter,
    now_from_env,
    positive,
    registry_and_store,
    run_options,
)
from audit.cli.run import print_summary
from audit.errors import AuditError, InputError
from audit.pipeline import Clock
from audit.registry import load_registry


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("watch", help="run on a schedule until stopped")
    add_store(p, optional=False)
    add_network(p)
    add_vantages(p)
    add_notify(p)
    add_policy(p)
    add_selection(p)
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--every", type=duration, help="e.g. 1d, 6h")
    when.add_argument("--cron", help='a cron expression, e.g. "0 6 * * *" (UTC)')
    p.add_argument(
        "--jitter",
        type=jitter,
        help="random delay added to each run (default a tenth of the interval, at most 10m)",
    )
    p.add_argument("--reports", type=Path, default=Path("reports"), help="report folder")
    p.add_argument("--no-archive", action="store_true", help="skip archive lookups")
    p.add_argument("--all", action="store_true", help="re-check everything on every run")
    p.add_argument("--max-runs", type=positive(int), help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_watch)


def cmd_watch(args: argparse.Namespace, out: TextIO) -> int:
    registry = load_registry(args.registry)  # fail fast on a bad registry
    run_options(args, registry)
    if args.cron:
        try:
            CronSim(args.cron, datetime.now(UTC))
        except CronSimError as exc:
            raise InputError(f"--cron {args.cron!r}: {exc}") from None
    return check_loop.run(_watch(args, out))


async def _watch(args: argparse.Namespace, out: TextIO) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runs = 0
    first = True  # the first run starts at once: a schedule set up now is seen working now
    while not stop.is_set():
        if not first:
            wait = _next_wait(args)
            if not args.quiet:
                out.write(f"next run in {human(wait)}\n")
                out.flush()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait.total_seconds())
            if stop.is_set():
                break
        first = False
        try:
            summary = await _watched_run(args, stop)
        except AuditError as exc:
            # A bad hand edit or a busy store skips this run; the schedule goes on.
            print(f"audit: {exc}; skipping this run", file=sys.stderr)
            continue
        if summary is None:
            break  # stopped during the run
        runs += 1
        if not args.quiet:
            print_summary(summary, out)
            out.flush()
        if args.max_runs and runs >= args.max_runs:
            break
    if not args.quiet:
        out.write("watch stopped\n")
    return EXIT_OK


async def _watched_run(args: argparse.Namespace, stop: asyncio.Event) -> pipeline.RunSummary | None:
    """One scheduled run; None if a signal stopped it (what it recorded stays)."""
    with registry_and_store(args) as (registry, store):  # picks up hand edits
        opts = run_options(args, registry)
        task = asyncio.create_task(pipeline.run_audit(registry, store, opts, Clock(now_from_env())))
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not task.done():
            task.cancel()  # abandon the check in flight
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return None
        return task.result()


def human(wait: timedelta) -> str:
    """A wait as people say it: `2 d 3 h`, `5 min 10 s`, `40 s` (two units at most)."""
    seconds = max(0, round(wait.total_seconds()))
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
    return " ".join(parts[:2])


def _next_wait(args: argparse.Namespace) -> timedelta:
    now = datetime.now(UTC)
    interval = next(CronSim(args.cron, now)) - now if args.cron else args.every
    jitter = args.jitter if args.jitter is not None else min(interval / 10, timedelta(minutes=10))
    return interval + jitter * random.random()
