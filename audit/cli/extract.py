"""`audit extract`: find citations in documents, and merge them into the registry."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from audit.cli._options import EXIT_INPUT, EXIT_OK
from audit.errors import InputError
from audit.registry import merge_into


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("extract", help="find citations in .txt .pdf .html .md .docx files")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--into", type=Path, metavar="REGISTRY", help="merge them into the registry")
    p.add_argument("--dry-run", action="store_true", help="show what --into would change")
    p.add_argument(
        "--names", action="store_true", help="also propose organisations named without an address"
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(func=cmd_extract)


def cmd_extract(args: argparse.Namespace, out: TextIO) -> int:
    # Imported here: the PDF and DOCX readers are heavy and only this command needs them.
    from audit import extract  # noqa: PLC0415

    citations, names, failed = [], [], 0
    for path in args.files:
        try:
            found = extract.extract_file(path)
        except InputError as exc:
            print(f"audit: {exc}", file=sys.stderr)  # one bad file does not stop the others
            failed += 1
            continue
        citations.extend(found)
        if args.names:
            names.extend(extract.extract_file_names(path))
    if args.into:
        grouped = extract.group_citations(c for c in citations if c.normalized and c.normalized.url)
        result = merge_into(args.into, grouped, names, dry_run=args.dry_run)
        verb = "would add" if args.dry_run else "added"
        out.write(
            f"{verb} {len(result.added)}, {'would update' if args.dry_run else 'updated'} "
            f"{len(result.updated)}, unchanged {len(result.unchanged)} in {args.into}\n"
        )
        for rid in result.added:
            out.write(f"  + {rid}\n")
        for rid in result.updated:
            out.write(f"  ~ {rid}\n")
    elif args.format == "json":
        json.dump(
            [extract.citation_to_json(c) for c in citations], out, ensure_ascii=False, indent=2
        )
        out.write("\n")
    else:
        for c in citations:
            n = c.normalized
            where = f"{c.source}:{c.location.line}" if c.location.line else c.source
            out.write(
                f"{where}  {c.raw!r} -> {n.url if n else None}"
                f"{'  (' + c.context + ')' if c.context else ''}\n"
            )
        for cand in names:
            out.write(
                f"{cand.source}:{cand.location.line}  named without address: {cand.name}"
                f" ({cand.kind})\n"
            )
    return EXIT_INPUT if failed else EXIT_OK
