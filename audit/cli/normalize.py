"""`audit normalize`: repair and normalise citations."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from audit import urls
from audit.cli._options import EXIT_OK


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("normalize", help="repair and normalise citations")
    p.add_argument("citations", nargs="*", help="one citation per argument (default: stdin lines)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(func=cmd_normalize)


def cmd_normalize(args: argparse.Namespace, out: TextIO) -> int:
    inputs = args.citations or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    results = [urls.normalize(text) for text in inputs]
    if args.format == "json":
        json.dump([urls.normalized_to_json(n) for n in results], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    for n in results:
        out.write(f"{n.input}\n  -> {n.url or '(none)'}  [{n.kind.value}, {n.confidence.value}]\n")
        if n.display and n.display != n.url:
            out.write(f"     display: {n.display}\n")
        for rep in n.repairs:
            out.write(f"     {rep.rule}: {rep.detail}\n")
        for w in n.warnings:
            out.write(f"     warning: {w}\n")
        if n.error:
            out.write(f"     error: {n.error}\n")
    return EXIT_OK
