"""`audit check`: check URLs now and print (and store) the results."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from audit import __version__, pipeline, urls
from audit.check import CheckTarget, encode_item, result_to_json, write_results
from audit.check import loop as check_loop
from audit.cli._options import (
    EXIT_DEAD,
    EXIT_OK,
    add_network,
    add_policy,
    add_store,
    check_settings,
    maybe_store,
    now_from_env,
    policy,
)
from audit.errors import InputError
from audit.judge import Check, judge
from audit.models import Network, Verdict
from audit.pipeline import Clock
from audit.registry import Registry, load_registry
from audit.store import Store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="check URLs and print (and store) the results")
    add_store(p)
    add_network(p)
    add_policy(p)
    p.add_argument("--url", action="append", default=[], help="a URL to check (repeatable)")
    p.add_argument("--urls-file", type=Path, help="a file with one URL per line")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_check)


def _check_targets(args: argparse.Namespace) -> tuple[list[CheckTarget], Registry | None]:
    lines = list(args.url)
    if args.urls_file:
        try:
            text = args.urls_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", path=str(args.urls_file)) from None
        lines += [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if lines:
        targets = []
        for line in lines:
            n = urls.normalize(line)
            targets.append(CheckTarget(url=n.url or line, key=None))
        return targets, None
    registry = load_registry(args.registry)
    targets, _twins = pipeline.once_per_url(
        [
            CheckTarget(url=r.url, key=r.id, accept=r.policy.accept, timeout=r.policy.timeout)
            for r in registry.resources
            if r.url and not r.policy.skip
        ]
    )
    return targets, registry


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    targets, _registry = _check_targets(args)
    settings = check_settings(args)
    pol, _ = policy(args)
    clock = Clock(now_from_env())
    started = clock.now()
    results: list[str] = []  # encoded as they come: less memory than the dicts
    dead = 0
    network = Network.ONLINE

    async def go(store: Store | None) -> None:
        nonlocal dead, network
        async for r in pipeline.check_urls(targets, settings, clock, store):
            if store is not None:
                history = (
                    store.observations(str(r.target.key))
                    if r.target.key
                    else store.observations(url=r.observation.url)
                )
                checks = [Check.of(s.observation, s.classification) for s in history]
            else:
                checks = [Check.of(r.observation, r.classification)]
            verdict = judge(checks, pol).verdict
            dead += verdict is Verdict.DEAD
            item = result_to_json(r) | {"verdict": verdict.value}
            if args.format == "json":
                results.append(encode_item(item))
            else:
                out.write(_result_line(item))
                out.flush()
            if r.classification.outcome.value == "offline":
                network = Network.OFFLINE

    with maybe_store(args) as store:
        check_loop.run(go(store))
    if args.format == "json":
        run = {
            "started": started.isoformat(),
            "finished": clock.now().isoformat(),
            "network": network.value,
            "vantage": pipeline.vantage(settings),
            "tool": f"audit/{__version__}",
        }
        write_results(run, results, out)
    return EXIT_DEAD if dead else EXIT_OK


def _result_line(item: dict[str, Any]) -> str:
    status = item.get("http_status") or "-"
    line = f"{item['outcome']:16} {status!s:>4} {item['url']}"
    if item.get("final_url") and item["final_url"] != item["url"]:
        line += f" -> {item['final_url']}"
    if item.get("evidence"):
        line += f"  ({'; '.join(item['evidence'])})"
    return line + "\n"
