"""`audit archive`: look up (and with --save, request) archive snapshots."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import replace
from datetime import date
from typing import Any, TextIO

from audit import archiving, urls
from audit.archive import ArchiveRequest, best_replacement, lookup_to_json
from audit.cli._options import (
    EXIT_OK,
    add_archives,
    add_dns,
    add_store,
    archive_settings,
    maybe_store,
    now_from_env,
    positive,
)
from audit.models import ArchiveLookup
from audit.registry import Registry, load_registry
from audit.store import Store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("archive", help="look up (and with --save, request) archive snapshots")
    add_store(p)
    g = p.add_argument_group("requests")
    g.add_argument("--timeout", type=positive(float), help="seconds per archive request")
    g.add_argument("--user-agent", help="the User-Agent header")
    g.add_argument(
        "--allow-private",
        action="store_true",
        help="permit loopback and private addresses in archives' answers (refused by default)",
    )
    add_dns(g)
    add_archives(p)
    p.add_argument("--url", action="append", default=[], help="a URL to look up (repeatable)")
    p.add_argument("--date", type=date.fromisoformat, help="find snapshots nearest this date")
    p.add_argument(
        "--save",
        action="store_true",
        help="ask Save Page Now to capture live resources (IA_ACCESS_KEY/IA_SECRET_KEY)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(func=cmd_archive)


def cmd_archive(args: argparse.Namespace, out: TextIO) -> int:
    registry = None if args.url else load_registry(args.registry)
    settings = archive_settings(args, registry)
    now = now_from_env()
    found: list[dict[str, Any]] = []
    unreachable: dict[str, str] = {}

    async def go(store: Store | None) -> None:
        requests = _requests(args, registry, store)
        async for lookup in archiving.lookup_archives(requests, settings, now, store, unreachable):
            if args.format == "json":
                found.append(lookup_to_json(lookup))
            else:
                out.write(_line(lookup))

    with maybe_store(args) as store:
        asyncio.run(go(store))
    note = archiving.unreachable_note(unreachable)
    if args.format == "json":
        json.dump(
            {"results": found, "notes": [note] if note else []}, out, ensure_ascii=False, indent=1
        )
        out.write("\n")
    elif note:
        out.write(note + "\n")
    return EXIT_OK


def _requests(
    args: argparse.Namespace, registry: Registry | None, store: Store | None
) -> list[ArchiveRequest]:
    """What to look up. With --save, URLs given on the command line count as live (the
    user asks for them); registry resources do when the store's last verdict is alive."""
    if registry is None:
        return [
            ArchiveRequest(
                url=urls.normalize(u).url or u, cited_on=args.date, key=None, live_ok=args.save
            )
            for u in args.url
        ]
    verdicts = store.latest_verdicts() if store is not None else {}
    requests = archiving.archive_requests(registry.resources, verdicts=verdicts)
    if args.date:
        requests = [replace(r, cited_on=args.date) for r in requests]
    return requests


def _line(lookup: ArchiveLookup) -> str:
    """One resource: status, count, URL, the recommended snapshot and why (or the reason)."""
    count = lookup.count if lookup.count is not None else "-"
    best = best_replacement(lookup)
    line = f"{lookup.status:13} {count}  {lookup.url}"
    if best is not None:
        mark = {True: "verified", False: "failed verification", None: "not verified"}
        line += f"  {best.timestamp} {best.url} ({mark[best.verified]})"
    if lookup.detail:
        line += f"\n    {lookup.detail}"
    if lookup.saved is not None:
        line += f"\n    save: {lookup.saved.status}" + (
            f" ({lookup.saved.detail})" if lookup.saved.detail else ""
        )
    return line + "\n"
