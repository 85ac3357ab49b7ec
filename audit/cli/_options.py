"""What several commands share: option groups, settings built from options, exit codes."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from audit import db
from audit.archive import ArchiveSettings
from audit.check import CheckSettings, parse_dns_server, parse_resolve
from audit.check.vantage import parse_vantage
from audit.errors import InputError
from audit.filters import UrlFilter, parse_accept, select
from audit.judge import Policy
from audit.pipeline import RunOptions
from audit.registry import Registry, load_registry, remember
from audit.store import Store, open_store

EXIT_OK, EXIT_FAILURE, EXIT_DEAD, EXIT_INPUT = 0, 1, 2, 3

Command = Callable[[argparse.Namespace, Any], int]


def positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text}")
        return value

    return parse


def duration(text: str, *, zero: bool = False) -> timedelta:
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


def jitter(text: str) -> timedelta:
    return duration(text, zero=True)


def add_store(p: argparse.ArgumentParser, *, optional: bool = True) -> None:
    """--registry and --db; --no-store only where the command can do without a store."""
    p.add_argument(
        "--registry",
        type=Path,
        default=Path("data/resources.yaml"),
        help="the registry (default: data/resources.yaml)",
    )
    p.add_argument(
        "--db",
        type=db.parse_location,
        default=db.default_location(),
        metavar="PATH|URL",
        help="the store: a SQLite file, or postgresql://user@host/dbname "
        "(default: $AUDIT_DB, else data/audit.sqlite)",
    )
    if optional:
        p.add_argument("--no-store", action="store_true", help="record nothing")


def add_network(p: argparse.ArgumentParser) -> None:
    add_checking(p)
    add_archives(p)


def add_checking(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("checking")
    g.add_argument(
        "--concurrency", type=positive(int), help="requests at once in total (default 512)"
    )
    g.add_argument("--per-host", type=positive(int), help="requests at once per host (default 4)")
    g.add_argument(
        "--workers",
        type=positive(int),
        help="processes checking, each a share of the hosts (default: one, and from "
        "50,000 URLs one per 25,000 up to the CPUs, at most 4)",
    )
    g.add_argument(
        "--min-interval",
        type=float,
        metavar="SECONDS",
        help="least time between two URLs started on one host (default 0.05)",
    )
    g.add_argument(
        "--timeout", type=positive(float), help="seconds per request, all included (default 20)"
    )
    g.add_argument("--retries", type=int, help="retries of transient failures (default 2)")
    g.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="HOST:PORT:ADDR",
        help="use ADDR for HOST:PORT, as curl's --resolve (repeatable)",
    )
    add_dns(g)
    g.add_argument(
        "--allow-private",
        action="store_true",
        help="permit loopback and private targets (refused by default)",
    )
    g.add_argument("--proxy", help="check through this proxy (recorded with the results)")
    g.add_argument("--user-agent", help="the User-Agent header")
    g.add_argument(
        "--robots",
        action="store_true",
        help="honour robots.txt (off by default: a link check is one reader's click)",
    )
    g.set_defaults(host_headers=())  # [hosts."name"] tables of audit.toml
    g.add_argument("--ca-file", type=Path, help="extra CA certificates to trust (PEM)")
    g.add_argument(
        "--canary",
        action="append",
        default=[],
        metavar="NAME[:PORT]",
        help="a name that always resolves and takes connections when our network works: "
        "asked on 80 for http:// and 443 for https:// (NAME:PORT: that port; "
        "http://NAME[:PORT] or https://...: that scheme only); repeatable; replaces the "
        "defaults: example.com, www.iana.org, one.one.one.one",
    )


def add_vantages(p: argparse.ArgumentParser) -> None:
    """`--vantage NAME=URL` (run, watch): where else to confirm the primary's failures."""
    p.add_argument(
        "--vantage",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="a named way out to the web: NAME=direct or NAME=PROXY_URL (http://, https://, "
        "socks5h://); repeatable, the first is the primary, the others re-check its "
        "failures (replaces the registry's `vantages:`; --proxy is one vantage)",
    )


def add_notify(p: argparse.ArgumentParser) -> None:
    """Notification options (run, watch); `notify_drift = true` in audit.toml too."""
    p.add_argument(
        "--notify-drift",
        action="store_true",
        help="also notify the webhooks when a live page first changes notably since it "
        "was cited (title changed or text under 80%% similar): an event `drifted`, once",
    )


def add_dns(g: argparse._ActionsContainer) -> None:
    g.add_argument(
        "--dns-server",
        metavar="ADDR[:PORT]",
        help="ask this DNS server (default: the system's, from /etc/resolv.conf; "
        "$AUDIT_DNS_SERVER if set); the hosts file still answers first",
    )


def add_archives(p: argparse.ArgumentParser) -> None:
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


def add_selection(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("selection")
    g.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="REGEX",
        help="check only URLs matching one of these (repeatable; wins over --exclude)",
    )
    g.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="REGEX",
        help="do not check URLs matching this (repeatable); they are reported as skipped",
    )
    g.add_argument(
        "--accept",
        metavar="STATUSES",
        help="HTTP statuses that count as ok everywhere, e.g. 200..=299,403 (as lychee's)",
    )


def selection(args: argparse.Namespace) -> tuple[UrlFilter, frozenset[int]]:
    """The --include/--exclude filter and the --accept statuses."""
    rules = UrlFilter.of(tuple(args.include), tuple(args.exclude))
    return rules, parse_accept(args.accept) if args.accept else frozenset()


def add_policy(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("judging")
    g.add_argument(
        "--confirm-checks",
        type=positive(int),
        help="dead needs this many failures in a row (default 3)",
    )
    g.add_argument(
        "--confirm-span", type=duration, help="spread over at least this long (default 3d)"
    )
    g.add_argument(
        "--unreachable-checks",
        type=positive(int),
        help="5xx, timeouts and TLS failures make it dead after this many in a row (default 5)",
    )
    g.add_argument(
        "--unreachable-span",
        type=duration,
        help="spread over at least this long (default 30d)",
    )


def now_from_env() -> datetime:
    text = os.environ.get("AUDIT_NOW")
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"AUDIT_NOW={text!r} is not an ISO 8601 time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def dns_server_option(args: argparse.Namespace) -> tuple[str, int] | None:
    """`--dns-server`, else $AUDIT_DNS_SERVER, else None (the system's configuration)."""
    if args.dns_server:
        return parse_dns_server(args.dns_server)
    text = os.environ.get("AUDIT_DNS_SERVER")
    if not text:
        return None
    try:
        return parse_dns_server(text)
    except InputError:
        raise InputError(f"AUDIT_DNS_SERVER={text!r}: expected an IP address[:PORT]") from None


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
        "robots": args.robots or None,
        "host_headers": tuple(args.host_headers) or None,
    }
    s = replace(s, **{k: v for k, v in given.items() if v is not None})
    if args.canary:
        s = replace(s, canaries=tuple(args.canary))
    if (dns_server := dns_server_option(args)) is not None:
        s = replace(s, dns_server=dns_server)
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
    if (dns_server := dns_server_option(args)) is not None:
        s = replace(s, dns_server=dns_server)
    if args.user_agent:
        s = replace(s, user_agent=args.user_agent)
    s = replace(s, allow_private=args.allow_private)
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
    if args.unreachable_checks:
        p = replace(p, unreachable_checks=args.unreachable_checks)
    if args.unreachable_span:
        p = replace(p, unreachable_span=args.unreachable_span)
    given = (args.confirm_checks, args.confirm_span, args.unreachable_checks, args.unreachable_span)
    return p, any(given)


def run_options(args: argparse.Namespace, registry: Registry) -> RunOptions:
    pol, overridden = policy(args)
    return RunOptions(
        check=check_settings(args),
        archive=None if args.no_archive else archive_settings(args, registry),
        policy=pol,
        policy_overridden=overridden,
        all_resources=getattr(args, "all", False),
        reports_dir=args.reports,
        vantages=tuple(parse_vantage(v) for v in getattr(args, "vantage", None) or ()),
        lang=getattr(args, "lang", "en"),
        notify_drift=getattr(args, "notify_drift", False),
    )


def maybe_store(args: argparse.Namespace) -> contextlib.AbstractContextManager[Store | None]:
    """The store, or nothing with --no-store."""
    return contextlib.nullcontext() if args.no_store else open_store(args.db)


@contextlib.contextmanager
def registry_and_store(
    args: argparse.Namespace, *, lock: bool = True
) -> Iterator[tuple[Registry, Store]]:
    """The registry (parsed, or from the store's cache) and the (locked) store.

    A bad registry must not leave a new, empty store behind: without a store yet,
    the registry is validated before one is created.
    """
    registry = None if db.exists(args.db) else load_registry(args.registry)
    with open_store(args.db, lock=lock) as store:
        if registry is None:
            registry = load_registry(args.registry, cache=store)
        else:
            remember(registry, store)
        rules, accept = selection(args)
        yield replace(registry, resources=select(registry.resources, rules, accept)), store
