"""`audit compact`: retention, dropping old checks that no verdict or report needs."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from typing import TextIO

from audit import db, history, status
from audit.cli._options import EXIT_OK, add_store, now_from_env
from audit.errors import InputError
from audit.judge import Policy
from audit.registry import load_registry
from audit.store import open_store

_KEEP = re.compile(r"^(\d+(?:\.\d+)?)([dwy])$")
_UNIT = {"d": 1, "w": 7, "y": 365.25}


def keep_span(text: str) -> timedelta:
    """'400d', '52w', '2y' -> timedelta."""
    m = _KEEP.match(text.strip())
    if not m or float(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"not a retention span: {text!r} (use e.g. 400d, 2y)")
    return timedelta(days=float(m.group(1)) * _UNIT[m.group(2)])


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "compact", help="drop checks older than --keep that no verdict or report needs"
    )
    add_store(p)
    p.add_argument(
        "--keep", type=keep_span, required=True, help="keep this much history (e.g. 2y, 400d)"
    )
    p.add_argument("--no-vacuum", action="store_true", help="do not give the space back")
    p.set_defaults(func=cmd_compact)


def cmd_compact(args: argparse.Namespace, out: TextIO) -> int:
    if args.no_store or not db.exists(args.db):
        raise InputError(f"no store at {args.db}: nothing to compact", path=str(args.db))
    cutoff = now_from_env() - args.keep
    # the run lock: no run may record while rows go
    with open_store(args.db, lock=True) as store:
        registry = load_registry(args.registry, cache=store)
        rules = status.rules_of(registry, Policy(), overridden=False)
        ledgers = history.Ledgers(store, rules)
        before = store.size()
        ids = [r.id for r in registry.resources if r.url]
        gone = history.retain(store, ledgers, ids, cutoff)
        if not args.no_vacuum:
            store.vacuum()
        after = store.size()
    if not args.quiet:
        out.write(
            f"dropped {gone} checks older than {cutoff:%Y-%m-%d}; "
            f"store {before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB\n"
        )
    return EXIT_OK
