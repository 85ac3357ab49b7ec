"""`audit store copy`: move a store between engines (e.g. SQLite into PostgreSQL)."""

from __future__ import annotations

import argparse
from typing import TextIO

from audit import db
from audit.cli._options import EXIT_OK
from audit.db.copy import copy
from audit.errors import InputError
from audit.store import open_store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("store", help="store maintenance: copy a store into another engine")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    c = actions.add_parser(
        "copy",
        help="copy every run and observation into a new, empty store",
        description="example: audit store copy --from data/audit.sqlite "
        "--to postgresql://audit@db.example/audit",
    )
    c.add_argument("--from", dest="source", type=db.parse_location, required=True)
    c.add_argument("--to", dest="dest", type=db.parse_location, required=True)
    c.set_defaults(func=cmd_copy)


def cmd_copy(args: argparse.Namespace, out: TextIO) -> int:
    if not db.exists(args.source):
        raise InputError(f"{args.source}: no such store")
    with open_store(args.source) as src, open_store(args.dest, lock=True) as dst:
        counts = copy(src, dst)
    if not args.quiet:
        rows = ", ".join(f"{t} {n}" for t, n in counts.items())
        out.write(f"copied {db.display(args.source)} -> {db.display(args.dest)}: {rows}\n")
    return EXIT_OK
