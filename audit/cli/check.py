"""`audit check`: check URLs now and print (and store) the results."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any, TextIO

from audit import __version__, due, recording, urls
from audit.check import CheckTarget, encode_item, result_to_json, write_results
from audit.check import loop as check_loop
from audit.check.formats import BROKEN, parse_outcomes, render_junit, render_markdown
from audit.cli._options import (
    EXIT_DEAD,
    EXIT_OK,
    add_network,
    add_policy,
    add_selection,
    add_store,
    check_settings,
    now_from_env,
    policy,
    selection,
)
from audit.errors import InputError
from audit.judge import Check, judge
from audit.models import Network, Outcome
from audit.pipeline import Clock
from audit.registry import load_registry
from audit.store import Store, open_store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help="check URLs and print (and store) the results",
        description="Check URLs now, print one result per URL in input order, and exit 2 "
        "when one has a broken outcome (--fail-on chooses which).",
        epilog="example: audit check --url https://example.org/ --format junit > links.xml",
    )
    add_store(p)
    add_network(p)
    add_policy(p)
    add_selection(p)
    p.add_argument("--url", action="append", default=[], help="a URL to check (repeatable)")
    p.add_argument("--urls-file", type=Path, help="a file with one URL per line")
    p.add_argument(
        "--fail-on",
        type=_outcomes,
        metavar="OUTCOMES",
        help="comma-separated outcomes that make the exit code 2 (default: "
        + ",".join(sorted(BROKEN))
        + ")",
    )
    p.add_argument(
        "--format",
        choices=["text", "json", "junit", "markdown"],
        default="text",
        help="output format",
    )
    p.set_defaults(func=cmd_check)


def _outcomes(text: str) -> frozenset[Outcome]:
    try:
        return parse_outcomes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _check_targets(args: argparse.Namespace) -> list[CheckTarget]:
    lines = list(args.url)
    if args.urls_file:
        try:
            text = args.urls_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", path=str(args.urls_file)) from None
        lines += [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    accept = selection(args)[1]
    if lines:
        return [CheckTarget(url=urls.normalize(line).url or line, accept=accept) for line in lines]
    registry = load_registry(args.registry)
    targets, _twins = due.once_per_url(
        [
            CheckTarget(
                url=r.url, key=r.id, accept=r.policy.accept | accept, timeout=r.policy.timeout
            )
            for r in registry.resources
            if r.url and not r.policy.skip
        ]
    )
    return targets


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    rules, _ = selection(args)
    targets: list[CheckTarget] = []
    excluded: dict[int, dict[str, Any]] = {}  # input position -> a `skipped` result
    for target in _check_targets(args):
        why = rules.excluded(target.url)
        if why:
            excluded[len(targets) + len(excluded)] = _skipped(target.url, why)
        else:
            targets.append(target)
    settings = check_settings(args)
    pol, _ = policy(args)
    failing = args.fail_on if args.fail_on is not None else BROKEN
    clock = Clock(now_from_env())
    started = clock.now()
    order = _Order(targets, excluded)
    failed = 0
    network = Network.ONLINE
    streaming = args.format == "text"

    async def go(store: Store | None) -> None:
        nonlocal failed, network
        async for r in recording.check_urls(targets, settings, clock.now, store):
            if store is not None:
                history = (
                    store.observations(str(r.target.key))
                    if r.target.key
                    else store.observations(url=r.observation.url)
                )
                checks = [Check.of(s.observation, s.classification) for s in history]
            else:
                checks = [Check.of(r.observation, r.classification)]
            item = result_to_json(r) | {"verdict": judge(checks, pol).verdict.value}
            failed += r.classification.outcome in failing
            if r.classification.outcome is Outcome.OFFLINE:
                network = Network.OFFLINE
            for ready in order.put(r.target, item):
                if streaming:  # in input order, as soon as the ones before are in
                    out.write(_result_line(ready))
                    out.flush()

    # Recording takes the run lock, as `audit run` does: a run folding the same
    # resource's judge state meanwhile would miss this check.
    opened = contextlib.nullcontext() if args.no_store else open_store(args.db, lock=True)
    with opened as store:
        check_loop.run(go(store))
    items = order.items
    if streaming:
        for item in order.rest():
            out.write(_result_line(item))
    elif args.format == "json":
        run = {
            "started": started.isoformat(),
            "finished": clock.now().isoformat(),
            "network": network.value,
            "vantage": recording.vantage(settings),
            "tool": f"audit/{__version__}",
        }
        write_results(run, (encode_item(i) for i in items), out)
    elif args.format == "junit":
        out.write(render_junit(items, failing, {"started": started.isoformat()}))
    else:
        out.write(render_markdown(items, failing))
    return EXIT_DEAD if failed else EXIT_OK


class _Order:
    """Results put back in input order; text output streams the prefix that is complete."""

    def __init__(self, targets: list[CheckTarget], excluded: dict[int, dict[str, Any]]) -> None:
        self._slots: dict[tuple[str, object], list[int]] = {}
        checked = (i for i in range(len(targets) + len(excluded)) if i not in excluded)
        for position, t in zip(checked, targets, strict=False):
            self._slots.setdefault((t.url, t.key), []).append(position)
        self._done: dict[int, dict[str, Any]] = dict(excluded)
        self._total = len(targets) + len(excluded)
        self._next = 0

    def put(self, target: CheckTarget, item: dict[str, Any]) -> list[dict[str, Any]]:
        slots = self._slots.get((target.url, target.key)) or [self._total + len(self._done)]
        self._done[slots.pop(0)] = item
        return self.rest(complete_only=True)

    def rest(self, *, complete_only: bool = False) -> list[dict[str, Any]]:
        ready = []
        while self._next < self._total and (self._next in self._done or not complete_only):
            if self._next in self._done:
                ready.append(self._done[self._next])
            self._next += 1
        return ready

    @property
    def items(self) -> list[dict[str, Any]]:
        return [self._done[i] for i in sorted(self._done)]


def _skipped(url: str, why: str) -> dict[str, Any]:
    return {
        "url": url,
        "final_url": None,
        "outcome": Outcome.SKIPPED.value,
        "http_status": None,
        "redirects": [],
        "elapsed_ms": 0,
        "error": None,
        "evidence": [why],
        "verdict": "unknown",
    }


def _result_line(item: dict[str, Any]) -> str:
    status = item.get("http_status") or "-"
    line = f"{item['outcome']:16} {status!s:>4} {item['url']}"
    if item.get("final_url") and item["final_url"] != item["url"]:
        line += f" -> {item['final_url']}"
    if item.get("evidence"):
        line += f"  ({'; '.join(item['evidence'])})"
    return line + "\n"
