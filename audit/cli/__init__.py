"""Command line: one module per command; the only package that prints or exits.

Exit codes (DESIGN.md): 0 nothing dead, 1 unexpected failure, 2 dead resources
found, 3 bad input or configuration (one line naming file and line).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from audit import __version__
from audit.cli import archive, check, compact, extract, history, normalize, report, run, watch
from audit.cli._options import EXIT_FAILURE, EXIT_INPUT, EXIT_OK
from audit.errors import AuditError, InputError, OutputError, StoreError

log = logging.getLogger("audit")

COMMANDS = (run, normalize, extract, check, archive, report, watch, history, compact)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audit", description="Audit the web resources a document cites.", allow_abbrev=False
    )
    parser.add_argument("--version", action="version", version=f"audit {__version__}")
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    common.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = sub.add_parser

    def add_parser(name: str, **kw: Any) -> argparse.ArgumentParser:
        # no abbreviations: `--all` must never be read as `--allow-private`
        return add(name, parents=[common], allow_abbrev=False, **kw)

    sub.add_parser = add_parser  # type: ignore[method-assign]
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage; the contract says 3
        return EXIT_INPUT if exc.code else EXIT_OK
    logging.basicConfig(
        level=logging.WARNING - 10 * args.verbose, format="audit: %(levelname)s: %(message)s"
    )
    try:
        return int(args.func(args, sys.stdout))
    except InputError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (StoreError, OutputError) as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except AuditError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("audit: interrupted", file=sys.stderr)
        return 130
