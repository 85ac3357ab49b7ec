"""audit schedule / audit worker on a real PostgreSQL server and the local web server.

Workers are real `audit worker` processes; the web server counts, per host, the
requests in flight and which worker (its User-Agent) sent them.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from audit.cli import main
from tests.servers.postgres import PostgresServer
from tests.servers.web import Reply, Request, WebServer


@dataclass
class HostMeter:
    """Per host: requests in flight now and at most, and (host, ua, start, end) of each."""

    delay: float = 0.1
    active: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    spans: list[tuple[str, str, float, float]] = field(default_factory=list)
    paths: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, request: Request) -> Reply:
        host, ua = request.host, request.headers.get("user-agent", "")
        if not re.fullmatch(r"/p\d", request.path):  # the checker's soft-404 probe
            return Reply(404, "<title>Not Found</title>")
        with self.lock:
            self.active[host] += 1
            self.peak[host] = max(self.peak[host], self.active[host])
            self.paths[f"{host}{request.path}"] += 1
        start = time.monotonic()
        await asyncio.sleep(self.delay)
        with self.lock:
            self.active[host] -= 1
            self.spans.append((host, ua, start, time.monotonic()))
        return Reply(200, f"<title>{host}{request.path}</title>" + "<p>text</p>" * 50)

    def overlapping_workers(self) -> list[str]:
        """Hosts two different workers had requests in flight on at the same time."""
        bad = set()
        for i, (h, ua, s, e) in enumerate(self.spans):
            for h2, ua2, s2, e2 in self.spans[i + 1 :]:
                if h == h2 and ua != ua2 and s < e2 and s2 < e:
                    bad.add(h)
        return sorted(bad)


def _setup(tmp_path: Path, web: WebServer, hosts: int, paths: int) -> tuple[Path, list[str]]:
    names = [f"site{i}.example.org" for i in range(hosts)]
    lines = ["resources:"]
    for n in names:
        for p in range(paths):
            rid = f"{n.split('.')[0]}-{p}"
            lines += [f"  - id: {rid}", f"    name: {rid}", f"    url: http://{n}:{web.port}/p{p}"]
    reg = tmp_path / "resources.yaml"
    reg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    resolve = [a for n in names for a in ("--resolve", f"{n}:{web.port}:127.0.0.1")]
    return reg, [*resolve, "--canary", "localhost"]


def _worker(url: str, name: str, net: list[str], *extra: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "audit", "worker", "--db", url, "--vantage", name]
    argv += [*net, "--user-agent", name, "--until-empty", "--poll", "0.2", *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, out, err


def _q(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return list(conn.execute(sql.encode()).fetchall())


def _schedule(url: str, reg: Path, net: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["schedule", "--db", url, "--registry", str(reg), *net])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_three_workers_check_each_due_resource_once_and_keep_hosts_apart(
    tmp_path: Path, web: WebServer, postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    meter = HostMeter(delay=0.1)
    web.fallback(meter)
    reg, net = _setup(tmp_path, web, hosts=9, paths=4)
    url = postgres.new_database()
    assert "queued 36 of 36 due" in _schedule(url, reg, net, capsys)
    # `run --enqueue` is `schedule`: nothing is queued twice
    assert main(["run", "--enqueue", "--db", url, "--registry", str(reg), *net]) == 0
    assert "queued 0 of 36 due (36 already waiting)" in capsys.readouterr().out

    procs = [_worker(url, f"w{i}", net, "--hosts", "2", "--per-host", "2") for i in range(3)]
    done = [_finish(p) for p in procs]
    assert all(code == 0 for code, _, _ in done), done

    assert sorted(meter.paths.values()) == [1] * 36  # every cited URL requested exactly once
    rows = _q(url, "SELECT resource_id, count(*) FROM observations GROUP BY resource_id")
    assert len(rows) == 36 and {n for _, n in rows} == {1}
    assert _q(url, "SELECT count(*) FROM jobs WHERE done_at IS NULL") == [(0,)]
    assert max(meter.peak.values()) <= 2  # --per-host held...
    assert meter.overlapping_workers() == []  # ...across workers: one worker per host at once
    per_worker = dict(_q(url, "SELECT worker, count(*) FROM jobs GROUP BY worker"))
    assert sum(int(str(n)) for n in per_worker.values()) == 36

    # the shared store judges and renders as ever
    code = main(["report", "--db", url, "--registry", str(reg), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    results = json.loads(out)["results"]
    assert [r["outcome"] for r in results] == ["ok"] * 36, json.dumps(results[0])[:1500]


def test_a_killed_workers_jobs_are_checked_by_another_after_its_lease(
    tmp_path: Path, web: WebServer, postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    meter = HostMeter(delay=0.5)
    web.fallback(meter)
    reg, net = _setup(tmp_path, web, hosts=2, paths=4)
    url = postgres.new_database()
    _schedule(url, reg, net, capsys)

    first = _worker(url, "first", net, "--hosts", "2", "--per-host", "1", "--lease", "3s")
    deadline = time.monotonic() + 60
    while not meter.spans and time.monotonic() < deadline:  # it is checking
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    _finish(first)
    done_by_first = _q(url, "SELECT count(*) FROM jobs WHERE done_at IS NOT NULL")[0][0]
    assert isinstance(done_by_first, int) and done_by_first < 8

    second = _worker(url, "second", net, "--hosts", "2", "--per-host", "1", "--lease", "3s")
    code, out, err = _finish(second)
    assert code == 0, err
    assert f"checked {8 - done_by_first}" in out
    rows = _q(url, "SELECT resource_id, count(*) FROM observations GROUP BY resource_id")
    assert len(rows) == 8 and {n for _, n in rows} == {1}
    late = [s for h, ua, s, e in meter.spans if ua == "second"]
    assert late and min(late) >= killed_at + 1.5  # it waited for the dead worker's lease
    assert _q(url, "SELECT status FROM runs WHERE command = 'worker' ORDER BY id") == [
        ("running",),  # the killed one never finished
        ("finished",),
    ]


def test_a_database_restart_mid_run_loses_no_observation(
    tmp_path: Path, web: WebServer, postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    meter = HostMeter(delay=0.05)
    web.fallback(meter)
    reg, net = _setup(tmp_path, web, hosts=4, paths=6)
    url = postgres.new_database()
    _schedule(url, reg, net, capsys)
    proc = _worker(url, "w", net, "--hosts", "1", "--per-host", "1")
    deadline = time.monotonic() + 60
    while len(meter.spans) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    postgres.restart()  # drops every connection mid-run
    code, out, err = _finish(proc)
    assert code == 0, err
    assert "checked 24" in out
    rows = _q(url, "SELECT resource_id, count(*) FROM observations GROUP BY resource_id")
    assert len(rows) == 24 and {n for _, n in rows} == {1}
    assert _q(url, "SELECT count(*) FROM jobs WHERE done_at IS NULL") == [(0,)]


def test_two_schedules_at_once_queue_each_resource_once(
    tmp_path: Path, web: WebServer, postgres: PostgresServer
) -> None:
    reg, net = _setup(tmp_path, web, hosts=20, paths=10)
    url = postgres.new_database()
    argv = [sys.executable, "-m", "audit", "schedule", "--db", url, "--registry", str(reg), *net]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = [_finish(p) for p in procs]
    assert [code for code, _, _ in results] == [0, 0], results
    queued = sorted(int(out.split("queued ")[1].split()[0]) for _, out, _ in results)
    assert sum(queued) == 200
    assert _q(url, "SELECT count(*), count(DISTINCT resource_id) FROM jobs") == [(200, 200)]


def test_schedule_and_worker_refuse_a_sqlite_store_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "audit.sqlite"
    for argv in (["worker", "--vantage", "x"], ["schedule"]):
        code = main([*argv, "--db", str(db), "--registry", str(tmp_path / "r.yaml")])
        err = capsys.readouterr().err
        assert code == 3 and err.count("\n") == 1 and "needs a PostgreSQL store" in err
    assert not db.exists()


def test_a_store_newer_than_the_tool_is_a_one_line_error(
    postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = postgres.new_database()
    from audit.store import SCHEMA_VERSION, open_store

    open_store(url).close()
    postgres.psql(
        f"INSERT INTO audit_schema(version) VALUES ({SCHEMA_VERSION + 7})", url.rsplit("/")[-1]
    )
    code = main(["worker", "--db", url, "--vantage", "x", "--until-empty"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert f"store schema v{SCHEMA_VERSION + 7} is newer than this audit" in err


def test_store_copy_moves_a_sqlite_store_into_postgres_with_the_same_verdicts(
    tmp_path: Path, web: WebServer, postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    web.fallback(HostMeter(delay=0.0))
    reg, net = _setup(tmp_path, web, hosts=3, paths=2)
    lite = tmp_path / "audit.sqlite"
    common = ["--registry", str(reg), "--no-archive", "--all", "-q", *net]
    for _ in range(2):
        assert main(["run", "--db", str(lite), "--reports", str(tmp_path / "r"), *common]) == 0
    url = postgres.new_database()
    code = main(["store", "copy", "--from", str(lite), "--to", url])
    out, err = capsys.readouterr()
    assert code == 0, err
    # the second run's answers repeat the first's: compact repeat rows, judge states too
    assert "runs 2, observations 6, repeats 6, verdicts 6" in out and "judge_state 6" in out

    def report(db: str) -> list[tuple[str, str, str]]:
        assert main(["report", "--db", db, "--registry", str(reg), "--format", "json"]) == 0
        results = json.loads(capsys.readouterr().out)["results"]
        return [(r["id"], r["verdict"], r["reason"]) for r in results]

    assert report(url) == report(str(lite))
    # ids go on from the copied ones: a run on PostgreSQL appends, nothing collides
    assert main(["run", "--db", url, "--reports", str(tmp_path / "r2"), *common]) == 0
    assert _q(url, "SELECT count(*), count(DISTINCT id) FROM observations") == [(6, 6)]
    assert _q(url, "SELECT count(*), count(DISTINCT id) FROM repeats") == [(12, 12)]
    # a second copy into the same store is refused, whole
    assert main(["store", "copy", "--from", str(lite), "--to", url]) == 3
    assert "not empty" in capsys.readouterr().err


def test_a_database_that_stays_away_is_a_one_line_error_and_loses_nothing(
    tmp_path: Path,
    web: WebServer,
    postgres: PostgresServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meter = HostMeter(delay=0.2)
    web.fallback(meter)
    reg, net = _setup(tmp_path, web, hosts=1, paths=20)
    url = postgres.new_database()
    _schedule(url, reg, net, capsys)
    monkeypatch.setenv("AUDIT_DB_RECONNECT", "2")
    proc = _worker(url, "w", net, "--per-host", "1")
    deadline = time.monotonic() + 60
    while len(meter.spans) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    postgres.stop()
    try:
        code, _, err = _finish(proc, timeout=60)
    finally:
        postgres.start()
    assert code == 1
    assert err.count("\n") == 1 and "could not reconnect in 2 s" in err, err
    # what it recorded is there, with its jobs done; the rest waits in the queue
    (recorded,) = _q(url, "SELECT count(*) FROM observations")[0]
    (done,) = _q(url, "SELECT count(*) FROM jobs WHERE done_at IS NOT NULL")[0]
    (left,) = _q(url, "SELECT count(*) FROM jobs WHERE done_at IS NULL")[0]
    assert recorded == done and isinstance(left, int) and left > 0 and done + left == 20


def test_workers_keep_judge_states_and_give_the_verdicts_of_audit_run(
    tmp_path: Path,
    web: WebServer,
    postgres: PostgresServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four rounds of schedule + worker on PostgreSQL against four `audit run`s on SQLite,
    the same answers: the same verdicts, and the workers' judge states are those the
    stored observations fold to (recorded by `audit run`'s recorder, repeats and all)."""
    from audit import codec, history
    from audit.history import Ledger
    from audit.judge import Policy
    from audit.store import open_store

    async def answer(request: Request) -> Reply:
        if request.path == "/p0":
            return Reply(200, "<title>Home</title>" + "<p>text</p>" * 50)
        if request.path == "/p2":
            return Reply(500, "<title>Error</title>")
        return Reply(404, "<title>Not Found</title>")

    web.fallback(answer)
    reg, net = _setup(tmp_path, web, hosts=2, paths=3)
    url, lite = postgres.new_database(), tmp_path / "audit.sqlite"
    common = ["--registry", str(reg), "--all", *net]
    for day in (1, 3, 5, 7):
        monkeypatch.setenv("AUDIT_NOW", f"2026-03-0{day}T06:00:00Z")
        run = ["run", "--db", str(lite), "--reports", str(tmp_path / "r"), "--no-archive", "-q"]
        assert main([*run, *common]) in {0, 2}
        assert main(["schedule", "--db", url, *common]) == 0
        code, _, err = _finish(_worker(url, "w", net))
        assert code == 0, err
    capsys.readouterr()

    def verdicts(db: str) -> list[tuple[str, str, str]]:
        main(["report", "--db", db, "--registry", str(reg), "--format", "json"])
        results = json.loads(capsys.readouterr().out)["results"]
        return [(r["id"], r["verdict"], r["reason"]) for r in results]

    got = verdicts(url)
    assert got == verdicts(str(lite))
    assert {v for _, v, _ in got} >= {"alive", "dead"}
    assert _q(url, "SELECT count(*) FROM repeats") == [(6 * 3,)]  # rounds 2-4 repeat round 1
    with open_store(url) as store:
        states = {rid: data for rid, _, data in store.judge_states()}
        assert len(states) == 6
        for rid, data in states.items():
            folded = history.rebuild(store.iter_observations(rid), frozenset(), Policy())
            # the store keeps times to the millisecond, the recorder folded the exact ones
            kept = codec.encode(codec.decode(Ledger, data))
            assert ms(kept) == ms(codec.encode(folded)), rid


def ms(text: str) -> str:
    return re.sub(r"(\.\d{3})\d{3}", r"\1", text)
