"""Distributed checking: 1, 2 and 4 `audit worker`s on a PostgreSQL store, beside `audit run`
on SQLite, against the local multi-host workload server (bench/server.py).

    python -m bench.pg_workers [--urls 10000] [--hosts 200] [--workers 1,2,4]

Each row checks every URL once (`--all`): for the workers, `audit schedule --all` queues the
registry into a fresh database, then N workers run with `--until-empty`; wall and CPU are
the workers' (the schedule's own time is its column). CPU is user+sys of every process the
bench started (rusage of children), the PostgreSQL server's excluded (its column is
`pg_stat` free: read `/proc` of its processes). The PostgreSQL server is the test fixture's
(tests/servers/postgres.py: initdb in a temp dir, durability off), so run it from a checkout.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.peers import GUARD_DIR
from bench.server import Server
from bench.workload import WorkloadSpec, generate, write_files

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / ".venv" / "bin" / "audit"


@dataclass(frozen=True)
class Row:
    label: str
    wall_s: float
    cpu_s: float
    requests: int
    checked: int
    db_mib: float
    schedule_s: float = 0.0

    def line(self, urls: int) -> str:
        return (
            f"| {self.label} | {self.wall_s:.1f} | {urls / self.wall_s:,.0f} | {self.cpu_s:.1f}"
            f" | {self.requests:,} | {self.checked:,} | {self.db_mib:.1f} |"
            f" {self.schedule_s:.1f} |"
        )


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(GUARD_DIR), env.get("PYTHONPATH")) if p)
    return env


def _pg_cpu(pg_root: Path) -> float:
    """CPU seconds of the PostgreSQL server's processes so far (postmaster and backends
    alive now; backends that ended are summed into the postmaster's children time)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"postgres" not in cmd:
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime stime cutime cstime are fields 14-17 (1-based) of stat; here 11-14 (0-based)
        total += sum(int(x) for x in fields[11:15]) / ticks
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.pg_workers")
    ap.add_argument("--urls", type=int, default=10_000)
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--timeout", type=float, default=5.0)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.servers.postgres import postgres_server

    spec = WorkloadSpec(name="pg", urls=args.urls, hosts=args.hosts)
    workload = generate(spec)
    common = ["--allow-private", "--timeout", f"{args.timeout:g}", "-q"]
    rows: list[Row] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp,
        Server(workload) as srv,
        postgres_server() as pg,
    ):
        files = write_files(workload, srv.port, Path(tmp))
        reg = ["--registry", str(files["registry"])]
        lite = Path(tmp) / "audit.sqlite"
        base = srv.reset()  # counters are cumulative: a row is the difference
        cpu0, t0 = _children_cpu(), time.perf_counter()
        subprocess.run(
            [str(AUDIT), "run", *reg, "--db", str(lite), "--all", "--no-archive",
             "--memento", "none=-", "--reports", str(Path(tmp) / "r"), *common],
            check=False, env=_env(), stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wall = time.perf_counter() - t0
        requests = srv.stats().requests - base.requests
        size = sum(p.stat().st_size for p in Path(tmp).glob("audit.sqlite*"))
        rows.append(
            Row("audit run, SQLite, 1 process", wall, _children_cpu() - cpu0,
                requests, args.urls, size / 2**20)
        )  # fmt: skip
        for n in (int(x) for x in args.workers.split(",")):
            url = pg.new_database()
            t0 = time.perf_counter()
            subprocess.run(
                [str(AUDIT), "schedule", *reg, "--db", url, "--all", *common],
                check=True, env=_env(),
            )  # fmt: skip
            scheduled = time.perf_counter() - t0
            base = srv.reset()
            cpu0, pg0, t0 = _children_cpu(), _pg_cpu(pg.root), time.perf_counter()
            argv = [str(AUDIT), "worker", "--db", url, "--until-empty", "--poll", "0.5"]
            argv += ["--hosts", str(max(1, args.hosts // n)), *common]
            procs = [
                subprocess.Popen([*argv, "--vantage", f"bench{i}"], env=_env()) for i in range(n)
            ]
            for p in procs:
                p.wait()
            wall = time.perf_counter() - t0
            requests = srv.stats().requests - base.requests
            dbname = url.rsplit("/", 1)[1]
            checked = int(pg.psql("SELECT count(*) FROM observations", dbname))
            size = int(pg.psql(f"SELECT pg_database_size('{dbname}')", dbname))
            pg_cpu = _pg_cpu(pg.root) - pg0
            rows.append(
                Row(f"{n} audit worker(s), PostgreSQL (server CPU {pg_cpu:.1f} s)", wall,
                    _children_cpu() - cpu0, requests, checked, size / 2**20, scheduled)
            )  # fmt: skip
    print(f"{args.urls:,} URLs on {args.hosts} hosts, {os.cpu_count()} CPUs")
    print("| run | wall s | URLs/s | CPU s | requests | checked | db MiB | schedule s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(r.line(args.urls))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
