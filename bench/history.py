"""The `history` workload: a store of N weekly runs, and what a run, a report and
`audit history` cost on it (issue 17).

    python -m bench --workloads history                      # 10k URLs, N = 1,10,50,100,260
    python -m bench.history --urls 1000 --runs 1,10,50       # smaller, quicker

How the store is built: run 1 is a real `audit run` of the workload (the bench's
local servers, every URL checked over HTTP), run 2 a real `audit run --all` a week
later (conditional requests: the 304 path). Every further run is added through
the store's own API (`audit.history.Recorder`, what `audit run` records with) as a
copy of each resource's last check a week after the one before: a store that
years of weekly runs of an unchanged web would leave. Each N is measured on
the store as it grows (so N = 260 is one store of 260 runs).

At each N, in a subprocess like the other workloads (CPU = user+sys, peak RSS of
the process tree): a due-only `audit run` one hour after the last run (nothing is
due: it checks nothing), `audit report` (all four files), `audit history ID`, and
the store's size; bytes per unchanged observation = the store's growth over the
copied runs / the checks they added.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sqlite3
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from audit import history, status
from audit.check import rules_stamp
from audit.judge import Policy
from audit.models import Network
from audit.registry import load_registry
from audit.store import open_store
from bench.peers import BENCH_DIR, default_audit_exe
from bench.run import guarded_env, run_process
from bench.server import Server
from bench.workload import WorkloadSpec, generate, write_files

log = logging.getLogger("bench.history")

T0 = datetime(2026, 1, 5, 6, tzinfo=UTC)
WEEK = timedelta(days=7)
RUNS = (1, 10, 50, 100, 260)


def _at(week: int, hours: float = 0) -> str:
    return (T0 + week * WEEK + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _audit(exe: Path, work: Path, now: str, *args: str, limit: float = 1800) -> dict[str, float]:
    env = guarded_env() | {"AUDIT_NOW": now}
    out, err = work / "stdout.txt", work / "stderr.txt"
    wall, cpu, rss, code, overran = run_process(
        [str(exe), *args], cwd=work, stdin=None, stdout=out, stderr=err, limit_s=limit, env=env
    )
    if overran or code not in (0, 2):
        raise RuntimeError(f"audit {args[0]} exited {code}: {err.read_text()[-500:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "rss_mib": round(rss)}


def _run_args(files: dict[str, Path], db: Path, work: Path, *more: str) -> tuple[str, ...]:
    return (
        "run",
        "--registry",
        str(files["registry"]),
        "--db",
        str(db),
        "--reports",
        str(work / "reports"),
        "--allow-private",
        "--no-archive",
        "--memento",
        "none=-",
        "--canary",
        "localhost",
        "-q",
        *more,
    )


def copy_runs(db: Path, registry: Path, first_week: int, last_week: int) -> int:
    """Weekly runs `first_week..last_week`, each check a copy of the resource's last one;
    returns the checks added."""
    added = 0
    with open_store(db, lock=True) as store:
        reg = load_registry(registry, cache=store)
        ids = [r.id for r in reg.resources if r.url]
        ledgers = history.Ledgers(store, status.rules_of(reg, Policy(), overridden=False))
        last = {}
        for rid in ids:
            base = ledgers.get(rid).base
            if base is not None:
                last[rid] = base
        rows = store.latest_rows(last.values())
        for week in range(first_week, last_week + 1):
            at = T0 + week * WEEK
            run = store.start_run(at, command="run")
            with history.Recorder(store, ledgers, run) as recorder:
                for i, rid in enumerate(ids):
                    s = rows[last[rid]]
                    obs = replace(s.observation, checked_at=at + timedelta(milliseconds=i))
                    recorder.add(rid, obs, s.classification, s.classified_by or rules_stamp())
                    added += 1
            store.finish_run(run, at + timedelta(minutes=5), Network.ONLINE)
    return added


def measure(urls: int, runs: tuple[int, ...], out: Path, exe: Path) -> list[dict[str, object]]:
    spec = WorkloadSpec(f"history-{urls}", urls=urls, hosts=max(1, urls // 50), hanging=0)
    w = generate(spec)
    work = out / spec.name
    work.mkdir(parents=True, exist_ok=True)
    db = work / "audit.sqlite"
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    rows: list[dict[str, object]] = []
    with Server(w) as srv:
        files = write_files(w, srv.port, work)
        first = _audit(exe, work, _at(0), *_run_args(files, db, work))
        log.info("first run (real checks): %s", first)
        rows.append({"what": "first run (real checks)", **first})
        have, prev_size = 1, _size(db)
        one = work / "audit-1run.sqlite"  # kept for the paired comparison at the end
        shutil.copyfile(db, one)
        for n in runs:
            checks = 0
            if n > have and have == 1:  # run 2: real again, every URL (the 304 path)
                second = _audit(exe, work, _at(1), *_run_args(files, db, work, "--all"))
                log.info("run 2 --all (real checks, 304s): %s", second)
                rows.append({"what": "run 2 --all (real checks)", **second})
                have = 2
                prev_size = _size(db)
            if n > have:
                t = time.perf_counter()
                checks = copy_runs(db, files["registry"], have, n - 1)
                log.info("copied runs %d..%d in %.0f s", have + 1, n, time.perf_counter() - t)
                have = n
            rows.append(
                _measure_at(
                    n, db, files=files, work=work, exe=exe, checks=checks, prev_size=prev_size
                )
            )
            prev_size = _size(db)
        # paired inside the server's lifetime: a due-only run may still check a few
        rows += paired(one, db, have, files=files, work=work, exe=exe)
    (work / "history.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return rows


def paired(
    one: Path, db: Path, n: int, *, files: dict[str, Path], work: Path, exe: Path, times: int = 3
) -> list[dict[str, object]]:
    """Due-only run and report on the 1-run store and the N-run store, alternately
    (`times` each, medians): on a shared machine only paired figures compare. Each
    store gets its own copy, so the runs measured do not add to it."""
    stores = []
    for label, src, week in (("paired 1", one, 0), (f"paired {n}", db, n - 1)):
        copy = work / f"paired-{label.split()[1]}.sqlite"
        shutil.copyfile(src, copy)
        stores.append((label, copy, week))
    samples: dict[str, list[tuple[dict[str, float], dict[str, float]]]] = {}
    for _ in range(times):
        for label, store, week in stores:
            now = _at(week, 2)
            reg = ("--registry", str(files["registry"]), "--db", str(store))
            run = _audit(exe, work, now, *_run_args(files, store, work))
            rep = _audit(exe, work, now, "report", *reg, "--reports", str(work / "r"))
            samples.setdefault(label, []).append((run, rep))
    out: list[dict[str, object]] = []
    for label, got in samples.items():
        row: dict[str, object] = {"what": label}
        for i, key in enumerate(("due_only_run", "report")):
            row[key] = {
                k: statistics.median(s[i][k] for s in got) for k in ("cpu_s", "wall_s", "rss_mib")
            }
        out.append(row)
    log.info("paired: %s", out)
    return out


def _measure_at(
    n: int, db: Path, *, files: dict[str, Path], work: Path, exe: Path, checks: int, prev_size: int
) -> dict[str, object]:
    size = _size(db)
    row: dict[str, object] = {"what": f"N={n}", "runs": n, "store_mib": round(size / 2**20, 1)}
    if checks:
        row["bytes_per_unchanged"] = round((size - prev_size) / checks)
    now = _at(n - 1, 1)
    row["due_only_run"] = _audit(exe, work, now, *_run_args(files, db, work))
    reg = ("--registry", str(files["registry"]), "--db", str(db))
    row["report"] = _audit(exe, work, now, "report", *reg, "--reports", str(work / "r"))
    row["history"] = _audit(exe, work, now, "history", "bench-00001", *reg)
    log.info("%s", row)
    return row


def _size(db: Path) -> int:
    """The store's size with its write-ahead log folded in (what a copy of it takes)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return db.stat().st_size


def table(urls: int, rows: list[dict[str, object]]) -> str:
    lines = [
        f"history workload, {urls:,} URLs",
        "| runs | store MiB | B/unchanged obs | due-only run CPU s / wall s / MiB "
        "| report CPU s / wall s / MiB | history CPU s / wall s / MiB |",
        "|---|---|---|---|---|---|",
    ]

    def cell(d: object) -> str:
        assert isinstance(d, dict)
        return f"{d['cpu_s']} / {d['wall_s']} / {d['rss_mib']}"

    for r in rows:
        if str(r["what"]).startswith("paired"):
            lines.append(
                f"| {r['what']} (median of 3, alternating) | | | {cell(r['due_only_run'])} "
                f"| {cell(r['report'])} | |"
            )
            continue
        if "runs" not in r:
            lines.append(f"| {r['what']} | | | {r['cpu_s']} / {r['wall_s']} / {r['rss_mib']} | | |")
            continue
        lines.append(
            f"| {r['runs']} | {r['store_mib']} | {r.get('bytes_per_unchanged', '')} "
            f"| {cell(r['due_only_run'])} | {cell(r['report'])} | {cell(r['history'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.history")
    ap.add_argument("--urls", type=int, default=10_000)
    ap.add_argument("--runs", default=",".join(map(str, RUNS)))
    ap.add_argument("--out", type=Path, default=BENCH_DIR / "out" / "history")
    ap.add_argument("--audit-exe", type=Path, default=default_audit_exe())
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    runs = tuple(sorted(int(x) for x in args.runs.split(",")))
    rows = measure(args.urls, runs, args.out.resolve(), args.audit_exe)  # tools run elsewhere
    print(table(args.urls, rows), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
