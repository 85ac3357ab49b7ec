"""Checker throughput and memory on many local hosts (a quick tuning aid, not a test).

    .venv/bin/python bench/check_quick.py --urls 10000 --hosts 200 --hangs 3

Starts bench/quick_server.py in a subprocess (50 ms latency), maps every
h*.bench.test name to it with --resolve rules, checks the URLs and prints wall
time, URLs/s, CPU, peak RSS and the outcome counts against what each URL is.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit.check import Checker, CheckSettings, CheckTarget, parse_resolve
from audit.models import Outcome

BROKEN = {
    Outcome.NOT_FOUND,
    Outcome.SOFT_404,
    Outcome.DNS_NXDOMAIN,
    Outcome.CONNECTION_ERROR,
    Outcome.SERVER_ERROR,
    Outcome.PARKED,
    Outcome.CLIENT_ERROR,
    Outcome.REDIRECT_LOOP,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def workload(
    n: int, hosts: int, hangs: int, port: int, order: str = "host"
) -> Iterator[tuple[str, str]]:
    """(url, expected): host-major order (the worst case for interleaving) or mixed."""
    per_host = -(-(n - hangs) // hosts)  # ceil: exactly n URLs in all
    for made in range(n - hangs):
        h, i = (
            (made // per_host, made % per_host)
            if order == "host"
            else (made % hosts, made // hosts)
        )
        catchall = h % 50 == 49
        name = f"catchall{h}.bench.test" if catchall else f"h{h}.bench.test"
        if catchall:
            kind = "soft" if i else "root"
        else:
            kind = ("ok", "ok", "ok", "ok", "ok", "ok", "moved", "gone", "soft", "ok")[i % 10]
        path = "/" if kind == "root" else f"/{kind}/{made}"
        yield f"http://{name}:{port}{path}", kind
    for j in range(hangs):
        yield f"http://h{j}.bench.test:{port}/hang", "hang"


def placed(items: list[tuple[str, str]], placement: str, hangs: int) -> list[tuple[str, str]]:
    """Where the never-answering URLs sit: input end, input start, spread, or own hosts."""
    rest, hung = items[: len(items) - hangs], items[len(items) - hangs :]
    if placement == "start":
        return hung + rest
    if placement == "spread":
        out = list(rest)
        for j, item in enumerate(hung):
            out.insert((j + 1) * len(rest) // (len(hung) + 1), item)
        return out
    if placement == "own-hosts":
        port = rest[0][0].rsplit(":", 1)[1].split("/")[0] if rest else "0"
        return rest + [(f"http://hang{j}.bench.test:{port}/hang", "hang") for j in range(len(hung))]
    return rest + hung


def kind_of(url: str) -> str:
    """What a workload URL is, read back from the URL itself."""
    path = "/" + url.split("/", 3)[3]
    if path == "/hang":
        return "hang"
    if url.startswith("http://catchall"):
        return "root" if path == "/" else "soft"
    return path.split("/")[1]


def host_names(hosts: int) -> list[str]:
    return [f"catchall{h}.bench.test" if h % 50 == 49 else f"h{h}.bench.test" for h in range(hosts)]


async def run(args: argparse.Namespace, port: int) -> None:
    names = [*host_names(args.hosts), *(f"hang{j}.bench.test" for j in range(args.hangs))]
    rules = tuple(parse_resolve(f"{h}:{port}:127.0.0.1") for h in names)
    s = replace(
        CheckSettings(),
        timeout=args.timeout,
        resolve=rules,
        canaries=("localhost",),  # never the system resolver: loopback only
        retries=1,
        https_probe=args.https_probe,
        sibling_probe=not args.no_sibling,
        concurrency=args.concurrency,
        per_host=args.per_host,
        min_interval=args.min_interval,
    )
    # Streamed, never listed: the 100,000-URL run measures the checker, not this script.
    if args.placement == "end":
        items: Iterable[tuple[str, str]] = workload(
            args.urls, args.hosts, args.hangs, port, args.order
        )
    else:
        items = placed(
            list(workload(args.urls, args.hosts, args.hangs, port)), args.placement, args.hangs
        )
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    wrong: list[str] = []
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    async with Checker(s) as checker:
        async for r in checker.run(CheckTarget(u) for u, _ in items):
            want = kind_of(r.target.url)
            got = r.classification.outcome
            counts[(want, got.value)] += 1
            good = {
                "ok": {Outcome.OK},
                "moved": {Outcome.REDIRECTED},
                "gone": {Outcome.NOT_FOUND},
                "soft": {Outcome.SOFT_404},
                "root": {Outcome.OK},
                "hang": {Outcome.TIMEOUT},
            }
            if got not in good[want] and len(wrong) < 10:
                wrong.append(f"{r.target.url}: {got.value} {r.classification.evidence}")
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = sum(counts.values())
    wrongly_broken = sum(
        c for (w, g), c in counts.items() if w in ("ok", "moved", "root") and Outcome(g) in BROKEN
    )
    missed_soft = sum(c for (w, g), c in counts.items() if w == "soft" and g != "soft_404")
    print(
        f"urls {n}  hosts {args.hosts}  hangs {args.hangs} ({args.placement})  "
        f"timeout {args.timeout}s  "
        f"latency {args.latency * 1000:.0f} ms"
    )
    print(f"wall {wall:.2f} s   {n / wall:.0f} URLs/s   cpu {cpu:.2f} s   peak RSS {rss:.0f} MiB")
    print(f"wrongly broken {wrongly_broken}   soft-404 missed {missed_soft}")
    for (w, g), c in sorted(counts.items()):
        print(f"  {w:6} -> {g:16} {c}")
    for line in wrong:
        print("  WRONG", line)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--urls", type=int, default=10000)
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--hangs", type=int, default=3)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--concurrency", type=int, default=CheckSettings().concurrency)
    p.add_argument("--per-host", type=int, default=CheckSettings().per_host)
    p.add_argument("--min-interval", type=float, default=CheckSettings().min_interval)
    p.add_argument("--https-probe", action="store_true")
    p.add_argument(
        "--order",
        choices=["host", "mixed"],
        default="host",
        help="host-major input (worst case) or hosts mixed",
    )
    p.add_argument(
        "--placement",
        choices=["end", "start", "spread", "own-hosts"],
        default="end",
        help="where the never-answering URLs are in the input",
    )
    p.add_argument("--no-sibling", action="store_true")
    args = p.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("quick_server.py")),
            str(port),
            str(args.latency),
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    try:
        assert server.stdout is not None
        server.stdout.readline()
        asyncio.run(run(args, port))
        with open(f"/proc/{server.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        print(f"server cpu {(int(fields[11]) + int(fields[12])) / ticks:.2f} s")
    finally:
        server.terminate()
        server.wait(5)


if __name__ == "__main__":
    main()
