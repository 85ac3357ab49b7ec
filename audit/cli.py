"""Command line: argparse subcommands. The only module that prints or exits.

Exit codes (DESIGN.md): 0 nothing dead, 1 unexpected failure, 2 dead resources
found, 3 bad input or configuration (one line naming file and line).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from cronsim import CronSim, CronSimError

from audit import __version__, pipeline, report, urls
from audit.archive import ArchiveRequest, ArchiveSettings, lookup_to_json
from audit.check import (
    CheckSettings,
    CheckTarget,
    encode_item,
    parse_resolve,
    result_to_json,
    write_results,
)
from audit.check import loop as check_loop
from audit.errors import AuditError, InputError, OutputError, StoreError
from audit.judge import Check, Policy, judge
from audit.models import Network, Verdict
from audit.pipeline import Clock, RunOptions
from audit.registry import Registry, load_registry, merge_into, remember
from audit.store import Store, open_store

log = logging.getLogger("audit")

EXIT_OK, EXIT_FAILURE, EXIT_DEAD, EXIT_INPUT = 0, 1, 2, 3


# --------------------------------------------------------------------------
# Argument parsing


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text}")
        return value

    return parse


def _duration(text: str, *, zero: bool = False) -> timedelta:
    """'90s', '15m', '6h', '1d', '2w' -> timedelta (positive, or also 0 when `zero`)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    try:
        value, unit = float(text[:-1]), text[-1]
        if unit not in units or value < 0 or (value == 0 and not zero):
            raise ValueError
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(
            f"not a duration: {text!r} (use e.g. 30m, 6h, 1d, 2w)"
        ) from None
    return timedelta(seconds=value * units[unit])


def _jitter(text: str) -> timedelta:
    return _duration(text, zero=True)


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--registry",
        type=Path,
        default=Path("data/resources.yaml"),
        help="the registry (default: data/resources.yaml)",
    )
    p.add_argument(
        "--db",
        type=Path,
        default=Path("data/audit.sqlite"),
        help="the SQLite store (default: data/audit.sqlite)",
    )
    p.add_argument("--no-store", action="store_true", help="record nothing")


def _add_network(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("checking")
    g.add_argument("--concurrency", type=_positive(int), help="requests at once in total")
    g.add_argument("--per-host", type=_positive(int), help="requests at once per host")
    g.add_argument(
        "--workers",
        type=_positive(int),
        help="processes checking, each a share of the hosts (default: one, and from "
        "50,000 URLs one per 25,000 up to the CPUs, at most 4)",
    )
    g.add_argument(
        "--min-interval",
        type=float,
        metavar="SECONDS",
        help="least time between two URLs started on one host (default 0.05)",
    )
    g.add_argument("--timeout", type=_positive(float), help="seconds per request, all included")
    g.add_argument("--retries", type=int, help="retries of transient failures")
    g.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="HOST:PORT:ADDR",
        help="use ADDR for HOST:PORT, as curl's --resolve (repeatable)",
    )
    g.add_argument(
        "--allow-private",
        action="store_true",
        help="permit loopback and private targets (refused by default)",
    )
    g.add_argument("--proxy", help="check through this proxy (recorded with the results)")
    g.add_argument("--user-agent", help="the User-Agent header")
    g.add_argument("--ca-file", type=Path, help="extra CA certificates to trust (PEM)")
    g.add_argument(
        "--canary",
        action="append",
        default=[],
        metavar="NAME[:PORT]",
        help="a name that always resolves and takes connections (port 443 unless given) "
        "when our network works (repeatable; replaces the defaults: example.com, "
        "www.iana.org, one.one.one.one)",
    )
    a = p.add_argument_group("archives")
    a.add_argument(
        "--wayback-url",
        default="https://web.archive.org",
        help="Wayback base URL (CDX, TimeMaps, replays, Save Page Now)",
    )
    a.add_argument(
        "--availability-url",
        default="https://archive.org",
        help="base URL of the Wayback availability API",
    )
    a.add_argument(
        "--memento",
        action="append",
        default=[],
        metavar="NAME=TIMEMAP_URL",
        help="a Memento archive's TimeMap base URL (repeatable; replaces the "
        "default list; 'none=-' asks no other archive)",
    )


def _add_policy(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("judging")
    g.add_argument(
        "--confirm-checks",
        type=_positive(int),
        help="dead needs this many failures in a row (default 3)",
    )
    g.add_argument(
        "--confirm-span", type=_duration, help="spread over at least this long (default 3d)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audit", description="Audit the web resources a document cites.", allow_abbrev=False
    )
    parser.add_argument("--version", action="version", version=f"audit {__version__}")
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    common.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = sub.add_parser

    def add_parser(name: str, **kw: Any) -> argparse.ArgumentParser:
        # no abbreviations: `--all` must never be read as `--allow-private`
        return add(name, parents=[common], allow_abbrev=False, **kw)

    sub.add_parser = add_parser  # type: ignore[method-assign]

    p = sub.add_parser("run", help="check what is due, look up archives, store, write reports")
    _add_store(p)
    _add_network(p)
    _add_policy(p)
    p.add_argument("--all", action="store_true", help="re-check everything, not only what is due")
    p.add_argument("--reports", type=Path, default=Path("reports"), help="report folder")
    p.add_argument("--no-archive", action="store_true", help="skip archive lookups")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("normalize", help="repair and normalise citations")
    p.add_argument("citations", nargs="*", help="one citation per argument (default: stdin lines)")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("extract", help="find citations in .txt .pdf .html .md .docx files")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--into", type=Path, metavar="REGISTRY", help="merge them into the registry")
    p.add_argument("--dry-run", action="store_true", help="show what --into would change")
    p.add_argument(
        "--names", action="store_true", help="also propose organisations named without an address"
    )
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("check", help="check URLs and print (and store) the results")
    _add_store(p)
    _add_network(p)
    _add_policy(p)
    p.add_argument("--url", action="append", default=[], help="a URL to check (repeatable)")
    p.add_argument("--urls-file", type=Path, help="a file with one URL per line")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("archive", help="look up (and with --save, request) archive snapshots")
    _add_store(p)
    _add_network(p)
    p.add_argument("--url", action="append", default=[], help="a URL to look up (repeatable)")
    p.add_argument("--date", type=date.fromisoformat, help="find snapshots nearest this date")
    p.add_argument(
        "--save",
        action="store_true",
        help="ask Save Page Now to capture live resources (IA_ACCESS_KEY/IA_SECRET_KEY)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("report", help="render the reports from the store")
    _add_store(p)
    _add_policy(p)
    p.add_argument("--reports", type=Path, default=Path("reports"), help="report folder")
    p.add_argument(
        "--format",
        choices=["html", "md", "csv", "json"],
        help="print this format to stdout instead of writing every file",
    )

    p = sub.add_parser("watch", help="run on a schedule until stopped")
    _add_store(p)
    _add_network(p)
    _add_policy(p)
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--every", type=_duration, help="e.g. 1d, 6h")
    when.add_argument("--cron", help='a cron expression, e.g. "0 6 * * *" (UTC)')
    p.add_argument(
        "--jitter",
        type=_jitter,
        help="random delay added to each run (default a tenth of the interval, at most 10m)",
    )
    p.add_argument("--reports", type=Path, default=Path("reports"), help="report folder")
    p.add_argument("--no-archive", action="store_true", help="skip archive lookups")
    p.add_argument("--all", action="store_true", help="re-check everything on every run")
    p.add_argument("--max-runs", type=_positive(int), help=argparse.SUPPRESS)

    p = sub.add_parser("history", help="one resource's checks and verdicts over time")
    _add_store(p)
    _add_policy(p)
    p.add_argument("resource", help="a resource id or URL")
    p.add_argument("--format", choices=["text", "json"], default="text")
    return parser


# --------------------------------------------------------------------------
# Settings from options


def now_from_env() -> datetime:
    text = os.environ.get("AUDIT_NOW")
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"AUDIT_NOW={text!r} is not an ISO 8601 time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_settings(args: argparse.Namespace) -> CheckSettings:
    s = CheckSettings()
    given = {
        "concurrency": args.concurrency,
        "per_host": args.per_host,
        "min_interval": args.min_interval,
        "workers": args.workers,
        "timeout": args.timeout,
        "retries": args.retries,
        "proxy": args.proxy,
        "user_agent": args.user_agent,
        "ca_file": str(args.ca_file) if args.ca_file else None,
    }
    s = replace(s, **{k: v for k, v in given.items() if v is not None})
    if args.canary:
        s = replace(s, canaries=tuple(args.canary))
    return replace(
        s, resolve=tuple(parse_resolve(r) for r in args.resolve), allow_private=args.allow_private
    )


def archive_settings(args: argparse.Namespace, registry: Registry | None) -> ArchiveSettings:
    s = ArchiveSettings(
        wayback_url=args.wayback_url.rstrip("/"), availability_url=args.availability_url.rstrip("/")
    )
    mementos = list(registry.memento_archives) if registry else []
    for item in args.memento:
        name, sep, url = item.partition("=")
        if not sep or not url:
            raise InputError(f"--memento {item!r}: use NAME=TIMEMAP_URL")
        mementos.append((name, url))
    if mementos:  # the user's list replaces the default archives
        s = replace(
            s, memento_timemaps=tuple(m for m in mementos if m[0] != "none"), memento_timegates=()
        )
    if args.timeout:
        s = replace(s, timeout=args.timeout)
    if args.user_agent:
        s = replace(s, user_agent=args.user_agent)
    if getattr(args, "save", False):
        s = replace(
            s,
            save=True,
            access_key=os.environ.get("IA_ACCESS_KEY"),
            secret_key=os.environ.get("IA_SECRET_KEY"),
        )
    return s


def policy(args: argparse.Namespace) -> tuple[Policy, bool]:
    p = Policy()
    if args.confirm_checks:
        p = replace(p, confirm_checks=args.confirm_checks)
    if args.confirm_span:
        p = replace(p, confirm_span=args.confirm_span)
    return p, bool(args.confirm_checks or args.confirm_span)


def run_options(args: argparse.Namespace, registry: Registry) -> RunOptions:
    pol, overridden = policy(args)
    return RunOptions(
        check=check_settings(args),
        archive=None if args.no_archive else archive_settings(args, registry),
        policy=pol,
        policy_overridden=overridden,
        all_resources=getattr(args, "all", False),
        reports_dir=args.reports,
    )


def maybe_store(args: argparse.Namespace) -> contextlib.AbstractContextManager[Store | None]:
    """The store, or nothing with --no-store."""
    return contextlib.nullcontext() if args.no_store else open_store(args.db)


# --------------------------------------------------------------------------
# Commands


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    if args.no_store:
        raise InputError(
            "audit run keeps history: --no-store is not supported here; "
            "use `audit check --no-store`"
        )
    with _registry_and_store(args) as (registry, store), _progress(args) as progress:
        opts = run_options(args, registry)
        summary = check_loop.run(
            pipeline.run_audit(registry, store, opts, Clock(now_from_env()), progress)
        )
    if args.format == "json":
        out.write(report.render_json(summary.data) + "\n")
    elif not args.quiet:
        _print_summary(summary, out)
    return EXIT_DEAD if summary.dead else EXIT_OK


@contextlib.contextmanager
def _registry_and_store(args: argparse.Namespace) -> Iterator[tuple[Registry, Store]]:
    """The registry (parsed, or from the store's cache) and the locked store.

    A bad registry must not leave a new, empty store behind: without a store yet,
    the registry is validated before one is created.
    """
    registry = None if args.db.exists() else load_registry(args.registry)
    with open_store(args.db, lock=True) as store:
        if registry is None:
            registry = load_registry(args.registry, cache=store)
        else:
            remember(registry, store)
        yield registry, store


def _print_summary(summary: pipeline.RunSummary, out: TextIO) -> None:
    data = summary.data
    counts: dict[str, int] = {}
    for r in data.resources:
        label = r.verdict.value if r.resource.url else "no address"
        counts[label] = counts.get(label, 0) + 1
    if summary.run.network is Network.OFFLINE:
        out.write(
            "OFFLINE: this machine's network was down; results say nothing about the "
            "resources and nothing was called dead.\n"
        )
    out.write(
        f"run {summary.run.id}: checked {summary.checked}, not due {summary.skipped_not_due}"
        f" of {len(data.resources)} resources\n"
    )
    out.write("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + "\n")
    for c in summary.changes:
        if c.before is not None:
            out.write(f"  {c.resource_id}: {c.before.value} -> {c.after.value} ({c.reason})\n")
    for r in data.resources:
        if r.verdict in (Verdict.DEAD, Verdict.MOVED, Verdict.SUSPECT):
            out.write(f"  {r.verdict.value:8} {r.resource.id}  {r.resource.url}  {r.reason}\n")
    for path in summary.written:
        out.write(f"wrote {path}\n")


@contextlib.contextmanager
def _progress(args: argparse.Namespace) -> Iterator[pipeline.Progress | None]:
    """A progress bar on an interactive terminal; nothing otherwise."""
    if args.quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress  # noqa: PLC0415 - only on a terminal: costly to import

    with Progress(transient=True) as bar:
        task = bar.add_task("checking", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


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
    return [
        CheckTarget(url=r.url, key=r.id, accept=r.policy.accept, timeout=r.policy.timeout)
        for r in registry.resources
        if r.url and not r.policy.skip
    ], registry


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


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    pol, overridden = policy(args)
    opts = RunOptions(
        check=CheckSettings(),
        archive=None,
        policy=pol,
        policy_overridden=overridden,
        reports_dir=args.reports,
    )
    if args.no_store or not args.db.exists():
        raise InputError(f"no store at {args.db}: run `audit run` first", path=str(args.db))
    with open_store(args.db) as store:
        registry = load_registry(args.registry, cache=store)
        data = pipeline.build_report(registry, store, opts, now_from_env())
    if args.format:
        out.write(report.render(data, args.format))
        return EXIT_DEAD if any(r.verdict is Verdict.DEAD for r in data.resources) else EXIT_OK
    for path in report.write_reports(data, args.reports, opts.formats).values():
        if not args.quiet:
            out.write(f"wrote {path}\n")
    return EXIT_DEAD if any(r.verdict is Verdict.DEAD for r in data.resources) else EXIT_OK


def cmd_history(args: argparse.Namespace, out: TextIO) -> int:
    registry = load_registry(args.registry)
    resource = registry.find(args.resource)
    if resource is None:
        raise InputError(f"no resource {args.resource!r} in the registry", path=str(args.registry))
    pol, overridden = policy(args)
    opts = RunOptions(check=CheckSettings(), archive=None, policy=pol, policy_overridden=overridden)
    with open_store(args.db) as store:
        t = pipeline.timeline(registry, store, resource, opts)
    if args.format == "json":
        json.dump(_timeline_json(t), out, ensure_ascii=False, indent=1)
        out.write("\n")
        return EXIT_OK
    out.write(f"{resource.id}: {resource.name}\n  {resource.url or '(no address)'}\n")
    out.write(f"verdict: {t.judgement.verdict.value} ({t.judgement.reason})\n")
    lines: list[tuple[datetime, str]] = []
    for s in t.observations:
        o = s.observation
        lines.append(
            (
                o.checked_at,
                f"run {s.run_id:<4} {s.classification.outcome.value:16} "
                f"{o.status or '-'!s:>4}  {'; '.join(s.classification.evidence)}",
            )
        )
    for c in t.changes:
        lines.append(
            (
                c.at,
                f"verdict {c.before.value if c.before else 'new'} -> {c.after.value}  ({c.reason})",
            )
        )
    for at, text in sorted(lines, key=lambda item: item[0]):
        out.write(f"  {at:%Y-%m-%d %H:%M}  {text}\n")
    if t.archive:
        item = lookup_to_json(t.archive)
        out.write(f"archive: {item['status']}, {item['count']} snapshots\n")
    return EXIT_OK


def _timeline_json(t: pipeline.Timeline) -> dict[str, Any]:
    return {
        "resource": {"id": t.resource.id, "name": t.resource.name, "url": t.resource.url},
        "verdict": t.judgement.verdict.value,
        "reason": t.judgement.reason,
        "observations": [
            {
                "at": s.observation.checked_at.isoformat(),
                "run": s.run_id,
                "outcome": s.classification.outcome.value,
                "http_status": s.observation.status,
                "final_url": s.observation.final_url,
                "error": s.observation.error,
                "evidence": list(s.classification.evidence),
            }
            for s in t.observations
        ],
        "verdict_changes": [
            {"at": c.at.isoformat(), "before": c.before, "after": c.after, "reason": c.reason}
            for c in t.changes
        ],
        "archive": lookup_to_json(t.archive) if t.archive else None,
    }


def cmd_watch(args: argparse.Namespace, out: TextIO) -> int:
    registry = load_registry(args.registry)  # fail fast on a bad registry
    run_options(args, registry)
    if args.cron:
        try:
            CronSim(args.cron, datetime.now(UTC))
        except CronSimError as exc:
            raise InputError(f"--cron {args.cron!r}: {exc}") from None
    return check_loop.run(_watch(args, out))


async def _watch(args: argparse.Namespace, out: TextIO) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runs = 0
    while not stop.is_set():
        wait = _next_wait(args)
        if not args.quiet:
            out.write(f"next run in {wait.total_seconds():.0f}s\n")
            out.flush()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait.total_seconds())
        if stop.is_set():
            break
        try:
            summary = await _watched_run(args, stop)
        except AuditError as exc:
            # A bad hand edit or a busy store skips this run; the schedule goes on.
            print(f"audit: {exc}; skipping this run", file=sys.stderr)
            continue
        if summary is None:
            break  # stopped during the run
        runs += 1
        if not args.quiet:
            _print_summary(summary, out)
            out.flush()
        if args.max_runs and runs >= args.max_runs:
            break
    if not args.quiet:
        out.write("watch stopped\n")
    return EXIT_OK


async def _watched_run(args: argparse.Namespace, stop: asyncio.Event) -> pipeline.RunSummary | None:
    """One scheduled run; None if a signal stopped it (what it recorded stays)."""
    with _registry_and_store(args) as (registry, store):  # picks up hand edits
        opts = run_options(args, registry)
        task = asyncio.create_task(pipeline.run_audit(registry, store, opts, Clock(now_from_env())))
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not task.done():
            task.cancel()  # abandon the check in flight
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return None
        return task.result()


def _next_wait(args: argparse.Namespace) -> timedelta:
    now = datetime.now(UTC)
    interval = next(CronSim(args.cron, now)) - now if args.cron else args.every
    jitter = args.jitter if args.jitter is not None else min(interval / 10, timedelta(minutes=10))
    return interval + jitter * random.random()


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "run": cmd_run,
    "normalize": cmd_normalize,
    "extract": cmd_extract,
    "check": cmd_check,
    "archive": cmd_archive,
    "report": cmd_report,
    "watch": cmd_watch,
    "history": cmd_history,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage; the contract says 3
        return EXIT_INPUT if exc.code else EXIT_OK
    logging.basicConfig(
        level=logging.WARNING - 10 * args.verbose, format="audit: %(levelname)s: %(message)s"
    )
    try:
        return COMMANDS[args.command](args, sys.stdout)
    except InputError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (StoreError, OutputError) as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except AuditError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("audit: interrupted", file=sys.stderr)
        return 130
