"""`audit schedule`: queue what is due for `audit worker` processes (PostgreSQL store)."""

from __future__ import annotations

import argparse
from typing import TextIO

from audit import workers
from audit.cli._options import (
    EXIT_OK,
    add_checking,
    add_policy,
    add_selection,
    add_store,
    check_settings,
    now_from_env,
    policy,
    registry_and_store,
)
from audit.pipeline import Clock, RunOptions
from audit.queue import needs_postgres


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "schedule", help="queue the due resources for audit worker (PostgreSQL store)"
    )
    add_store(p, optional=False)
    add_checking(p)
    add_policy(p)
    add_selection(p)
    p.add_argument("--all", action="store_true", help="queue everything, not only what is due")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(func=cmd_schedule)


def cmd_schedule(args: argparse.Namespace, out: TextIO) -> int:
    needs_postgres(args.db, "audit schedule")  # before a SQLite file would be created
    # No run lock: schedulers take turns inside the database, and workers keep running.
    with registry_and_store(args, lock=False) as (registry, store):
        pol, overridden = policy(args)
        opts = RunOptions(
            check=check_settings(args),
            archive=None,
            policy=pol,
            policy_overridden=overridden,
            all_resources=args.all,
            reports_dir=None,
        )
        summary = workers.schedule(registry, store, opts, Clock(now_from_env()))
    if args.format == "json":
        out.write(
            f'{{"run": {summary.run_id}, "due": {summary.due}, "queued": {summary.queued},'
            f' "not_due": {summary.not_due}}}\n'
        )
    elif not args.quiet:
        out.write(
            f"schedule {summary.run_id}: queued {summary.queued} of {summary.due} due"
            f" ({summary.due - summary.queued} already waiting), not due {summary.not_due}\n"
        )
    return EXIT_OK
