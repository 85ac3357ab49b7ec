"""`audit fix`: corrected copies of documents, a correction sheet for each, suggestions."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from audit import db, pipeline
from audit.check import CheckSettings
from audit.cli._options import (
    EXIT_OK,
    add_network,
    add_policy,
    add_store,
    archive_settings,
    check_settings,
    now_from_env,
    policy,
)
from audit.extract import extract_file
from audit.fix import sheet, stored
from audit.fix.document import Fixed, fix_document
from audit.fix.model import Action, Row, Style, Suggestion
from audit.fix.output import write_all
from audit.fix.plan import knowledge
from audit.fix.suggest import failing, suggest
from audit.models import Citation, ResourceStatus
from audit.pipeline import RunOptions
from audit.registry import Registry, load_registry
from audit.store import Store, open_store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "fix",
        help="corrected copies of documents, a correction sheet, suggestions",
        description="Write a corrected copy of each document (HTML, Markdown, DOCX, text) "
        "and a correction sheet (CSV, Markdown, HTML) for each, PDFs included.",
    )
    p.add_argument("documents", nargs="+", type=Path, metavar="DOC")
    p.add_argument(
        "--out", type=Path, default=Path("fixed"), help="folder for copies and sheets (fixed/)"
    )
    p.add_argument("--dry-run", action="store_true", help="write nothing, show what would change")
    p.add_argument(
        "--in-place",
        action="store_true",
        help="rewrite the documents themselves (atomically, keeping DOC.bak)",
    )
    p.add_argument(
        "--style",
        choices=[s.value for s in Style],
        default=Style.REPLACE.value,
        help="dead links: point at the archive copy (replace) or add it beside them (append)",
    )
    p.add_argument(
        "--accept-suggestions",
        action="store_true",
        help="apply the best suggestion for dead and suspect resources (marked as such)",
    )
    p.add_argument(
        "--no-suggest", action="store_true", help="look for no suggestions (no network at all)"
    )
    p.add_argument(
        "--no-archive", action="store_true", help="do not ask the archive where sites moved"
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_store(p)
    add_policy(p)
    add_network(p)
    p.set_defaults(func=cmd_fix)


def cmd_fix(args: argparse.Namespace, out: TextIO) -> int:
    registry = load_registry(args.registry)
    # every document is read before anything is looked up or written
    cited = {path: extract_file(path) for path in args.documents}
    store = open_store(args.db) if db.exists(args.db) and not args.no_store else None
    try:
        statuses = _statuses(args, registry, store)
        offered = stored.load(store) if store else {}
        if not args.no_suggest:
            found = _look_up(args, registry, statuses, cited)
            if store is not None and not args.dry_run:
                offered = stored.save(store, found)
            else:
                offered = {**offered, **found}
    finally:
        if store is not None:
            store.close()
    k = knowledge(statuses, offered)
    style = Style(args.style)
    fixed = [fix_document(p, k, style, args.accept_suggestions, cited[p]) for p in cited]
    written = [] if args.dry_run else write_all(fixed, args.out, args.in_place)
    if args.format == "json":
        out.write(sheet.render_json([(str(f.path), _copy(f, args), f.rows) for f in fixed]))
    elif not args.quiet:
        _summary(out, fixed, args, written)
    return EXIT_OK


def _statuses(
    args: argparse.Namespace, registry: Registry, store: Store | None
) -> tuple[ResourceStatus, ...]:
    if store is None:  # no history: only accepted replacements and nothing else is known
        return tuple(ResourceStatus(resource=r) for r in registry.resources)
    pol, overridden = policy(args)
    opts = RunOptions(check=CheckSettings(), archive=None, policy=pol, policy_overridden=overridden)
    return pipeline.build_report(registry, store, opts, now_from_env()).resources


def _look_up(
    args: argparse.Namespace,
    registry: Registry,
    statuses: Sequence[ResourceStatus],
    cited: dict[Path, list[Citation]],
) -> dict[str, tuple[Suggestion, ...]]:
    k = knowledge(statuses)
    keys = {
        c.normalized.key for cs in cited.values() for c in cs if c.normalized and c.normalized.key
    }
    ids = {k.by_key[key].resource.id for key in keys if key in k.by_key}
    items = failing(statuses, ids)
    if not items:
        return {}
    addresses = [c.normalized.url for cs in cited.values() for c in cs if c.normalized]
    hosts = _hosts([*addresses, *(r.url for r in registry.resources)])
    archive = None if args.no_archive else archive_settings(args, registry)
    found = asyncio.run(suggest(items, hosts, check_settings(args), archive))
    # what was looked up and gave nothing replaces what was kept before
    return {item.resource_id: found.get(item.resource_id, ()) for item in items}


def _hosts(addresses: Iterable[str | None]) -> set[str]:
    out = set()
    for a in addresses:
        if a:
            host = urlsplit(a).hostname
            if host:
                out.add(host.removeprefix("www."))
    return out


def _copy(f: Fixed, args: argparse.Namespace) -> str | None:
    if f.content is None or args.dry_run or (args.in_place and not f.edited):
        return None
    return str(f.path if args.in_place else args.out / f.path.name)


def _summary(
    out: TextIO, fixed: Sequence[Fixed], args: argparse.Namespace, written: list[Path]
) -> None:
    for f in fixed:
        copy = _copy(f, args)
        where = f" -> {copy}" if copy else (" (sheet only)" if f.content is None else "")
        out.write(f"{f.path}: {len(f.rows)} citations, {f.changed} corrected{where}\n")
        for r in f.rows:
            if r.decision.action is not Action.NONE or r.decision.suggestions or args.dry_run:
                out.write(_line(r))
    for path in written:
        out.write(f"wrote {path}\n")


def _line(r: Row) -> str:
    d = r.decision
    place = f"p.{r.location.page} " if r.location.page else ""
    place += f"line {r.location.line}" if r.location.line else ""
    change = f"{r.cited} -> {d.url}" if d.changes else r.cited
    mark = d.action.value if r.applied or not d.changes else f"{d.action.value} (not applied)"
    text = f"  {place:12} {mark:10} {change}  ({d.why})\n"
    if d.suggestions:
        text += f"  {'':12} {sheet.suggested(d.suggestions)}\n"
    return text
