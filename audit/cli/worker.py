"""`audit worker`: claim queued checks from a PostgreSQL store, check them, record them."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TextIO

from audit import workers
from audit.check import loop as check_loop
from audit.cli._options import (
    EXIT_OK,
    add_checking,
    add_store,
    check_settings,
    duration,
    now_from_env,
    positive,
)
from audit.pipeline import Clock
from audit.queue import needs_postgres
from audit.store import open_store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("worker", help="check queued resources (PostgreSQL store), any number")
    add_store(p, optional=False)
    add_checking(p)
    p.add_argument(
        "--vantage", required=True, help="where this worker checks from (recorded with each run)"
    )
    p.add_argument(
        "--hosts", type=positive(int), default=64, help="hosts leased (and checked) at once"
    )
    p.add_argument(
        "--lease",
        type=duration,
        default=timedelta(minutes=5),
        help="how long a claimed host stays this worker's without a renewal (e.g. 5m)",
    )
    p.add_argument(
        "--poll", type=positive(float), default=5.0, help="seconds between looks at an empty queue"
    )
    p.add_argument(
        "--until-empty",
        action="store_true",
        help="stop when every queued job is done (default: run until stopped)",
    )
    p.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace, out: TextIO) -> int:
    needs_postgres(args.db, "audit worker")  # before a SQLite file would be created
    opts = workers.WorkerOptions(
        vantage=args.vantage,
        check=check_settings(args),
        hosts=args.hosts,
        lease=args.lease,
        poll=args.poll,
        until_empty=args.until_empty,
    )
    with open_store(args.db) as store:
        summary = check_loop.run(workers.work(store, opts, Clock(now_from_env())))
    if not args.quiet:
        out.write(
            f"worker {summary.run_id} ({args.vantage}): checked {summary.checked}"
            f" in {summary.batches} batches"
            + (f", {summary.duplicates} already done by another" if summary.duplicates else "")
            + "\n"
        )
    return EXIT_OK
