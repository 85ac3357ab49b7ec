"""`audit extract`: find citations in documents, and merge them into the registry."""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from audit.cli._options import EXIT_INPUT, EXIT_OK
from audit.cli._progress import progress
from audit.errors import InputError
from audit.models import Citation, UrlKind
from audit.registry import merge_into

if TYPE_CHECKING:
    from audit.extract import NamedCandidate

# What a folder is searched for (recursively); a file named on the command line is
# read whatever its extension (its content decides).
SUFFIXES = frozenset({".txt", ".pdf", ".html", ".htm", ".xhtml", ".md", ".markdown", ".docx"})
_GLOB = frozenset("*?[")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "extract",
        help="find citations in .txt .pdf .html .md .docx files",
        description="Find the citations in documents: files, folders (searched recursively "
        f"for {' '.join(sorted(SUFFIXES))}) and globs ('docs/**/*.pdf').",
    )
    p.add_argument("files", nargs="+", metavar="FILE|FOLDER|GLOB")
    p.add_argument("--into", type=Path, metavar="REGISTRY", help="merge them into the registry")
    p.add_argument("--dry-run", action="store_true", help="show what --into would change")
    p.add_argument(
        "--names", action="store_true", help="also propose organisations named without an address"
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(func=cmd_extract)


def documents(specs: list[str]) -> tuple[list[Path], list[str]]:
    """The files that `specs` name (folders recursively, globs expanded), in order and
    once each, and the specs that name nothing."""
    found: dict[Path, None] = {}
    missing: list[str] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            hits = [p for p in sorted(path.rglob("*")) if p.is_file() and _wanted(p)]
        elif path.exists() or not _GLOB.intersection(spec):
            hits = [path]  # a missing file is reported by the reader, on one line
        else:
            hits = [
                Path(p)
                for p in sorted(glob.glob(spec, recursive=True))
                if Path(p).is_file() and (_wanted(Path(p)) or not Path(p).suffix)
            ]
            if not hits:
                missing.append(spec)
        for hit in hits:
            found.setdefault(hit, None)
    return list(found), missing


def _wanted(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and not path.name.startswith((".", "~$"))


def cmd_extract(args: argparse.Namespace, out: TextIO) -> int:
    # Imported here: the PDF and DOCX readers are heavy and only this command needs them.
    from audit import extract  # noqa: PLC0415

    paths, missing = documents(args.files)
    failed = len(missing)
    for spec in missing:
        print(f"audit: {spec}: no such file, and no file matches it", file=sys.stderr)
    citations: list[Citation] = []
    names: list[NamedCandidate] = []
    with progress("extracting", quiet=args.quiet or len(paths) < 2) as update:
        for done, path in enumerate(paths):
            if update:
                update(done, len(paths), f"extracting {path.name}")
            try:
                citations.extend(extract.extract_file(path))
                if args.names:
                    names.extend(extract.extract_file_names(path))
            except InputError as exc:
                print(f"audit: {exc}", file=sys.stderr)  # one bad file does not stop the others
                failed += 1
    if args.into:
        _merge(args, out, citations, names)
    elif args.format == "json":
        json.dump(
            [extract.citation_to_json(c) for c in citations], out, ensure_ascii=False, indent=2
        )
        out.write("\n")
    else:
        for c in citations:
            out.write(describe(c) + "\n")
        for cand in names:
            out.write(
                f"{_where(cand.source, cand.location.page, cand.location.line)}  "
                f"named without address: {cand.name} ({cand.kind})\n"
            )
    return EXIT_INPUT if failed else EXIT_OK


def _merge(
    args: argparse.Namespace, out: TextIO, citations: list[Citation], names: list[NamedCandidate]
) -> None:
    from audit import extract  # noqa: PLC0415

    # The registry holds web resources; e-mail, mailto:, ftp: and other schemes are
    # listed as not merged (with why), never a reason to stop the merge.
    web = [c for c in citations if c.normalized and c.normalized.kind is UrlKind.WEB]
    other = [c for c in citations if c.normalized and c.normalized.kind is not UrlKind.WEB]
    grouped = extract.group_citations(c for c in web if c.normalized and c.normalized.url)
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
    seen: set[str] = set()
    for c in other:
        assert c.normalized is not None
        url = c.normalized.url or c.raw
        if url in seen:
            continue
        seen.add(url)
        out.write(
            f"  not merged: {url} ({c.normalized.kind}: the registry lists web addresses) "
            f"at {_where(c.source, c.location.page, c.location.line)}\n"
        )


def describe(c: Citation) -> str:
    """One line: where (file, page, line, section), what was written, what it means."""
    n = c.normalized
    where = _where(c.source, c.location.page, c.location.line)
    section = f" [{c.section}]" if c.section else ""
    kind = f" ({n.kind})" if n and n.kind is not UrlKind.WEB else ""
    context = f"  ({c.context})" if c.context else ""
    return f"{where}{section}  {c.raw!r} -> {n.url if n else None}{kind}{context}"


def _where(source: str, page: int | None, line: int | None) -> str:
    place = source
    if page is not None:
        place += f" p.{page}"
    if line is not None:
        place += f":{line}" if page is None else f" line {line}"
    return place
