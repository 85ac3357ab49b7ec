"""What confirming from a second vantage costs (issue 16): 10k URLs, 5 % failing from the primary.

    .venv/bin/python bench/vantage_confirm.py --urls 10000 --hosts 200 --failing 0.05

Starts bench/quick_server.py (50 ms latency) and a real pproxy on 127.0.0.2 (a
SOCKS5 vantage; its name lookups for *.bench.test are answered with 127.0.0.1 in
its own process, so nothing leaves the machine). Runs the check step
(audit/confirm.py, what `audit run` uses) alternately without vantages and with
`ru=direct` + `eu=socks5h://127.0.0.2:PORT`, and prints wall time, results and
the extra requests the confirmations made. Figures go in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit import confirm
from audit.check import CheckSettings, CheckTarget, parse_resolve
from audit.check.vantage import Vantage
from bench.check_quick import free_port

# pproxy with a plain asyncio loop, and *.bench.test resolved to loopback in its process.
_PPROXY = """
import asyncio, socket, sys
sys.modules['uvloop'] = None
real = socket.getaddrinfo
def getaddrinfo(host, *a, **k):
    if isinstance(host, str) and host.endswith('.bench.test'):
        host = '127.0.0.1'
    return real(host, *a, **k)
socket.getaddrinfo = getaddrinfo
asyncio.set_event_loop(asyncio.new_event_loop())
sys.argv[0] = 'pproxy'
from pproxy.server import main
main()
"""


def targets(n: int, hosts: int, failing: float, port: int) -> list[CheckTarget]:
    every = round(1 / failing) if failing else 0
    out = []
    for i in range(n):
        kind = "gone" if every and i % every == every - 1 else "ok"
        out.append(CheckTarget(f"http://h{i % hosts}.bench.test:{port}/{kind}/{i}"))
    return out


async def once(
    items: list[CheckTarget], s: CheckSettings, vantages: tuple[Vantage, ...]
) -> tuple[float, float, list[confirm.VantageState]]:
    """(wall, the primary's part of it, states)."""
    states: list[confirm.VantageState] = []
    t0 = time.perf_counter()
    primary_done = 0.0
    async for r in confirm.results(items, s, vantages, states):
        if r.observation.vantage == vantages[0].name:
            primary_done = time.perf_counter() - t0
    return time.perf_counter() - t0, primary_done, states


def _cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--urls", type=int, default=10000)
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--failing", type=float, default=0.05)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--via",
        choices=["socks", "direct"],
        default="socks",
        help="the second vantage: the local pproxy (its CPU shares this machine) or direct",
    )
    args = p.parse_args()
    port, proxy_port = free_port(), free_port()
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("quick_server.py")), str(port), "0.05"],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    proxy = subprocess.Popen(
        [sys.executable, "-c", _PPROXY, "-l", f"socks5://127.0.0.2:{proxy_port}/@127.0.0.2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert server.stdout is not None
        server.stdout.readline()
        time.sleep(1.0)  # pproxy's start
        names = [f"h{h}.bench.test" for h in range(args.hosts)]
        s = replace(
            CheckSettings(),
            timeout=5.0,
            retries=1,
            resolve=tuple(parse_resolve(f"{h}:{port}:127.0.0.1") for h in names),
            canaries=("localhost",),
            https_probe=False,
        )
        items = targets(args.urls, args.hosts, args.failing, port)
        one = (Vantage("ru"),)
        eu = f"socks5h://127.0.0.2:{proxy_port}" if args.via == "socks" else None
        two = (Vantage("ru"), Vantage("eu", eu))
        walls: dict[int, list[float]] = {1: [], 2: []}
        phases: list[float] = []  # the confirmations' time over the primary's, per run
        for _ in range(args.repeat):
            for vantages in (one, two):
                wall, primary, states = asyncio.run(once(items, s, vantages))
                walls[len(vantages)].append(wall)
                confirming = wall - primary
                if len(vantages) > 1:
                    phases.append(confirming / primary)
                print(
                    f"{len(vantages)} vantage(s): wall {wall:.2f} s (confirmations "
                    f"{confirming:.2f} s after the primary's {primary:.2f} s)  "
                    + "  ".join(f"{st.vantage.name} {st.checked} results" for st in states)
                )
        a, b = statistics.median(walls[1]), statistics.median(walls[2])
        extra = args.urls * args.failing
        print(
            f"urls {args.urls}  hosts {args.hosts}  failing from the primary "
            f"{args.failing:.0%}: median wall {a:.2f} s -> {b:.2f} s "
            f"(+{(b - a) / a:.1%}), ~{extra:.0f} confirmations (+{args.failing:.0%} requests); "
            f"confirmations after the primary: +{statistics.median(phases):.1%} of its wall; "
            f"proxy CPU {_cpu(proxy.pid):.2f} s in all"
        )
    finally:
        for proc in (proxy, server):
            proc.terminate()
            proc.wait(5)


if __name__ == "__main__":
    main()
