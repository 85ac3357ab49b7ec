"""`audit archive`: look up (and with --save, request) archive snapshots."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import replace
from datetime import date
from typing import Any, TextIO

from audit import pipeline, urls
from audit.archive import ArchiveRequest, lookup_to_json
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
from audit.registry import load_registry
from audit.store import Store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("archive", help="look up (and with --save, request) archive snapshots")
    add_store(p)
    g = p.add_argument_group("requests")
    g.add_argument("--timeout", type=positive(float), help="seconds per archive request")
    g.add_argument("--user-agent", help="the User-Agent header")
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
    if args.url:
        requests = [
            ArchiveRequest(url=urls.normalize(u).url or u, cited_on=args.date, key=None)
            for u in args.url
        ]
        registry = None
    else:
        registry = load_registry(args.registry)
        requests = pipeline.archive_requests(registry.resources)
        if args.date:
            requests = [replace(r, cited_on=args.date) for r in requests]
    settings = archive_settings(args, registry)
    now = now_from_env()
    found: list[dict[str, Any]] = []

    async def go(store: Store | None) -> None:
        async for lookup in pipeline.lookup_archives(requests, settings, now, store):
            item = lookup_to_json(lookup)
            if args.format == "json":
                found.append(item)
            else:
                best = item.get("nearest") or item.get("last")
                where = f"{best['timestamp']} {best['url']}" if best else ""
                out.write(
                    f"{item['status']:13} {item['count'] if item['count'] is not None else '-'}"
                    f"  {item['url']}  {where}\n"
                )

    with maybe_store(args) as store:
        asyncio.run(go(store))
    if args.format == "json":
        json.dump({"results": found}, out, ensure_ascii=False, indent=1)
        out.write("\n")
    return EXIT_OK
