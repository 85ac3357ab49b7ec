"""Command line: one module per command; the only package that prints or exits.

Exit codes (DESIGN.md): 0 nothing dead, 1 unexpected failure, 2 dead resources
found, 3 bad input or configuration (one line naming file and line).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit import __version__
from audit.cli import (
    _config,
    archive,
    check,
    compact,
    extract,
    fix,
    history,
    init,
    normalize,
    report,
    run,
    schedule,
    store,
    watch,
    worker,
)
from audit.cli._config import CONFIG_NAME
from audit.cli._options import EXIT_FAILURE, EXIT_INPUT, EXIT_OK
from audit.cli._output import CompleteWriter
from audit.errors import AuditError, InputError, OutputError, StoreError
from audit.store import DATABASE_ERRORS, describe

log = logging.getLogger("audit")

COMMANDS = (
    init, run, normalize, extract, check, archive, report, watch, history, fix, compact,
    schedule, worker, store,
)  # fmt: skip

EXAMPLES = {
    "init": "example: audit init my-reports && cd my-reports",
    "run": "example: audit run --registry data/resources.yaml --db data/audit.sqlite",
    "normalize": 'example: audit normalize "http: www.viro.edu.ru"',
    "extract": "example: audit extract report.pdf --into data/resources.yaml --dry-run",
    "check": "example: audit check --url https://example.org/ --format junit > links.xml",
    "archive": "example: audit archive --url http://www.stoppav.ru/ --date 2018-06-01",
    "report": "example: audit report --format md > status.md",
    "watch": 'example: audit watch --cron "0 6 * * *"',
    "history": "example: audit history vologda-viro",
    "store": "example: audit store copy --from data/audit.sqlite --to postgresql://audit@db/audit",
    "schedule": "example: audit schedule --db postgresql://audit@db.example/audit",
    "worker": "example: audit worker --db postgresql://audit@db.example/audit --vantage fi-1",
    "fix": "example: audit fix report.docx --out fixed/ --style append",
    "compact": "example: audit compact --keep 2y",
}


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Shows a default where there is one worth showing (not None, False or [])."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" not in text
            and default not in (None, False, [], argparse.SUPPRESS)
            and action.option_strings
            and not isinstance(action, argparse._CountAction)
        ):
            text += " (default: %(default)s)"
        return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audit", description="Audit the web resources a document cites.", allow_abbrev=False
    )
    parser.add_argument("--version", action="version", version=f"audit {__version__}")
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    common.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    common.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help=f"settings file (default: {CONFIG_NAME} in the registry's folder, if there)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = sub.add_parser

    def add_parser(name: str, **kw: Any) -> argparse.ArgumentParser:
        # no abbreviations: `--all` must never be read as `--allow-private`
        kw.setdefault("epilog", EXAMPLES.get(name))
        kw.setdefault("description", kw.get("help"))
        return add(name, parents=[common], allow_abbrev=False, formatter_class=_Formatter, **kw)

    sub.add_parser = add_parser  # type: ignore[method-assign]
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse twice when a settings file applies: its values become the defaults."""
    parser = build_parser()
    args = parser.parse_args(argv)
    path = _config.find_config(args)
    if path is None:
        return args
    settings, text = _config.load(path)
    parsers = _subparsers(parser)
    defaults = _config.defaults_for(
        args.command, parsers=parsers, config=settings, text=text, path=path, given=args
    )
    parsers[args.command].set_defaults(**defaults)
    return parser.parse_args(argv)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parse(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage; the contract says 3
        return EXIT_INPUT if exc.code else EXIT_OK
    except InputError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return EXIT_INPUT
    logging.basicConfig(
        level=logging.WARNING - 10 * args.verbose, format="audit: %(levelname)s: %(message)s"
    )
    try:
        code = int(args.func(args, CompleteWriter(sys.stdout)))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # `audit ... | head`: the reader left, having read all it wanted (exit 0, as cat
        # and lychee); a short write to a reader still there is CompleteWriter's to finish
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except InputError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (StoreError, OutputError) as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except DATABASE_ERRORS as exc:  # past opening: a full disk, an I/O error
        db = getattr(args, "db", "the store")
        print(f"audit: {db}: store error: {describe(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    except AuditError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("audit: interrupted", file=sys.stderr)
        return 130
