"""Command line: argparse subcommands. The only module that prints or exits."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("audit: not yet implemented", file=sys.stderr)
    return 1
