"""The checker's DNS client against a local dnsmasq (a quick figure, not a test).

    .venv/bin/python bench/dns_resolve.py --names 10000

Starts dnsmasq on a loopback port (every *.bench.test name is 127.0.0.1, every
*.nx.bench.test name NXDOMAIN), resolves the names the way a run does (all
lookups started at once, audit/check/dns.py bounding those in flight, A and
AAAA asked together, on uvloop as `audit check`) and prints wall time,
names/s, CPU and peak RSS. Needs Debian's dnsmasq (scripts/ensure-dnsmasq).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit.check.dns import DnsClient
from audit.check.errors import LinkFailure
from audit.check.loop import run


def _port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _resolve(client: DnsClient, names: list[str]) -> collections.Counter[str]:
    async def one(name: str) -> str:
        try:
            await client.addresses(name)
        except LinkFailure as exc:
            return str(exc.kind)
        return "address"

    return collections.Counter(await asyncio.gather(*(one(n) for n in names)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--names", type=int, default=10000)
    ap.add_argument("--nx-every", type=int, default=10, help="one name in N does not exist")
    args = ap.parse_args()
    binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    port = _port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [
                binary,
                "--keep-in-foreground",
                f"--port={port}",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--no-resolv",
                "--no-hosts",
                "--cache-size=0",
                "--conf-file=/dev/null",
                "--pid-file=",
                f"--log-facility={tmp}/log",
                "--address=/nx.bench.test/",
                "--address=/bench.test/127.0.0.1",
            ]
        )
        try:
            time.sleep(0.3)
            names = [
                f"h{i}.nx.bench.test" if i % args.nx_every == 0 else f"h{i}.bench.test"
                for i in range(args.names)
            ]
            client = DnsClient(("127.0.0.1", port), timeout=10.0, hosts_file=None)
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            counts = run(_resolve(client, names))  # uvloop, as `audit check` runs
            wall = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
        finally:
            proc.terminate()
            proc.wait(5)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.names} names: {wall:.2f} s wall, {args.names / wall:,.0f} names/s, "
        f"{cpu:.2f} s CPU, peak RSS {rss:.0f} MiB; {dict(counts)}"
    )


if __name__ == "__main__":
    main()
