"""`audit report`: render the reports from the store (re-judging, never re-checking)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from audit import db, pipeline, report
from audit.check import CheckSettings
from audit.cli._options import EXIT_DEAD, EXIT_OK, add_policy, add_store, now_from_env, policy
from audit.errors import InputError
from audit.models import Verdict
from audit.pipeline import RunOptions
from audit.registry import load_registry
from audit.report import LANGS
from audit.store import open_store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="render the reports from the store")
    add_store(p)
    add_policy(p)
    p.add_argument("--reports", type=Path, default=Path("reports"), help="report folder")
    p.add_argument(
        "--format",
        choices=["html", "md", "csv", "json"],
        help="print this format to stdout instead of writing every file",
    )
    add_lang(p)
    p.set_defaults(func=cmd_report)


def add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lang",
        choices=LANGS,
        default="en",
        help="language of the HTML and Markdown reports (default: %(default)s)",
    )


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    pol, overridden = policy(args)
    opts = RunOptions(
        check=CheckSettings(),
        archive=None,
        policy=pol,
        policy_overridden=overridden,
        reports_dir=args.reports,
    )
    if args.no_store or not db.exists(args.db):
        raise InputError(f"no store at {args.db}: run `audit run` first", path=str(args.db))
    with open_store(args.db) as store:
        registry = load_registry(args.registry, cache=store)
        data = pipeline.build_report(registry, store, replace(opts, lang=args.lang), now_from_env())
    if args.format:
        out.write(report.render(data, args.format))
        return EXIT_DEAD if any(r.verdict is Verdict.DEAD for r in data.resources) else EXIT_OK
    for path in report.write_reports(data, args.reports, opts.formats).values():
        if not args.quiet:
            out.write(f"wrote {path}\n")
    return EXIT_DEAD if any(r.verdict is Verdict.DEAD for r in data.resources) else EXIT_OK
