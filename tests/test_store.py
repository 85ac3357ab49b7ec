"""The store on both engines (SQLite, PostgreSQL): schema versions, per-observation commits,
one run at a time."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit import db as engines
from audit.errors import StoreError
from audit.models import (
    ArchiveLookup,
    ArchiveStatus,
    Classification,
    ErrorKind,
    Fingerprint,
    Hop,
    Network,
    Observation,
    Outcome,
    Snapshot,
    Verdict,
    VerdictChange,
)
from audit.store import SCHEMA_VERSION, open_store
from tests.servers.postgres import PostgresServer

MIGRATIONS = engines.migrations(engines.Engine.SQLITE)

T0 = datetime(2026, 3, 1, 6, tzinfo=UTC)


def obs(url: str = "http://a.example/", **kw: object) -> Observation:
    base: dict[str, object] = {"url": url, "checked_at": T0, "status": 200}
    base.update(kw)
    return Observation(**base)  # type: ignore[arg-type]


def test_roundtrip_of_an_observation(location: Path | str) -> None:
    db = location
    full = obs(
        redirects=(Hop("http://a.example/", 301, "https://a.example/"),),
        final_url="https://a.example/",
        headers=(("etag", '"x"'),),
        fingerprint=Fingerprint("https://a.example/", "Title", "abc", 2**63 + 5, 120),
        signals=("soft404-title:en",),
        sibling_similarity=0.5,
        error=None,
    )
    with open_store(db) as store:
        run = store.start_run(T0, vantage="here")
        store.add_observation(run, "a", full, Classification(Outcome.REDIRECTED, ("301 hop",)))
        store.finish_run(run, T0, Network.ONLINE)
    with open_store(db) as store:
        (stored,) = store.observations("a")
        assert stored.observation == full
        assert stored.classification == Classification(Outcome.REDIRECTED, ("301 hop",))
        assert store.runs()[0].vantage == "here"


def test_schema_version_is_recorded_and_newer_refused(tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    open_store(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(db)


def test_second_run_is_refused_while_first_holds_the_lock(location: Path | str) -> None:
    db = location
    with open_store(db, lock=True):
        with pytest.raises(StoreError, match="another audit run"):
            open_store(db, lock=True)
        open_store(db).close()  # readers (reports, history) are fine
    open_store(db, lock=True).close()  # released on close


def test_unwritable_store_is_a_clear_error(tmp_path: Path) -> None:
    # A path below a regular file cannot be created, whoever runs the test (root included).
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot open the store"):
        open_store(tmp_path / "file" / "audit.sqlite")


def test_sigkill_keeps_every_committed_observation(location: Path | str) -> None:
    db = location
    script = f"""
import os, signal, sys
from datetime import datetime, UTC
from pathlib import Path
from audit.store import open_store
from audit.models import Observation, Classification, Outcome
store = open_store({db!r} if {isinstance(db, str)} else Path({str(db)!r}), lock=True)
run = store.start_run(datetime.now(UTC))
for i in range(50):
    o = Observation(url=f"http://h{{i}}.example/", checked_at=datetime.now(UTC), status=200)
    store.add_observation(run, f"r{{i}}", o, Classification(Outcome.OK))
os.kill(os.getpid(), signal.SIGKILL)
"""
    proc = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with open_store(db, lock=True) as store:  # the lock died with the process
        assert len(store.observations()) == 50
        assert store.runs()[0].finished is None


def test_verdict_changes_and_latest(location: Path | str) -> None:
    with open_store(location) as store:
        run = store.start_run(T0)
        store.add_verdict_changes(
            run,
            [
                VerdictChange("a", "u", None, Verdict.ALIVE, T0),
                VerdictChange("b", "v", None, Verdict.SUSPECT, T0),
            ],
        )
        run2 = store.start_run(T0)
        store.add_verdict_changes(
            run2, [VerdictChange("b", "v", Verdict.SUSPECT, Verdict.DEAD, T0, "3 failures")]
        )
        assert store.latest_verdicts() == {"a": Verdict.ALIVE, "b": Verdict.DEAD}
        assert [c.after for c in store.verdict_changes(run_id=run2)] == [Verdict.DEAD]
        assert len(store.verdict_changes("b")) == 2


def test_snapshot_cache(location: Path | str) -> None:
    lookup = ArchiveLookup(
        url="http://a.example/",
        status=ArchiveStatus.ARCHIVED,
        count=3,
        nearest=Snapshot(
            "wayback",
            "https://web.archive.org/web/2017id_/http://a.example/",
            "20170101000000",
            200,
            True,
        ),
        checked_at=T0,
    )
    with open_store(location) as store:
        store.put_snapshot(lookup, T0)
        store.put_snapshot(lookup, T0)  # upsert
        hit = store.get_snapshot("http://a.example/")
        assert hit == (T0, lookup)
        assert store.get_snapshot("http://b.example/") is None


def test_offline_observation_roundtrip(location: Path | str) -> None:
    o = obs(status=None, error=ErrorKind.OFFLINE, detail="no network")
    with open_store(location) as store:
        run = store.start_run(T0)
        store.add_observation(run, "a", o, Classification(Outcome.OFFLINE))
        assert store.observations(url="http://a.example/")[0].observation.error is ErrorKind.OFFLINE


def test_a_store_of_the_first_schema_is_upgraded_in_place(tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript(f"BEGIN; {MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    conn.execute("INSERT INTO runs(started) VALUES ('2026-01-01T00:00:00.000+00:00')")
    conn.commit()
    conn.close()
    with open_store(db) as store:
        assert [r.id for r in store.runs()] == [1]  # nothing lost
        assert store.cached("registry", "d1") is None
        store.put_cached("registry", "d1", "{}")
        store.put_cached("registry", "d2", "[]")  # one entry per kind: the newest
        assert store.cached("registry", "d1") is None
        assert store.cached("registry", "d2") == "[]"
        store.add_observation(1, "a", obs(), Classification(Outcome.OK, ()), "1:403")
        assert store.observations("a")[0].classified_by == "1:403"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    conn.close()


def test_rows_of_another_schema_still_read(tmp_path: Path) -> None:
    """Rows as the first releases wrote them (+00:00 offsets, no `proxy`, a key we no
    longer know) decode, missing fields taking their defaults."""
    db = tmp_path / "audit.sqlite"
    with open_store(db) as store:
        run = store.start_run(T0)
        store.add_observation(run, "a", obs(), Classification(Outcome.OK, ()))
    old = (
        '{"url": "http://a.example/", "checked_at": "2026-03-01T06:00:00.000+00:00",'
        ' "status": 404, "error": null, "redirects": [{"url": "http://a.example/",'
        ' "status": 301, "location": "http://a.example/x"}],'
        ' "headers": [["etag", "\\"x\\""]], "fingerprint":'
        ' {"final_url": "http://a.example/x", "title": "T", "text_hash": "h",'
        ' "simhash": 18446744073709551615, "length": 3}, "retired_field": 1}'
    )
    conn = sqlite3.connect(db)
    conn.execute("UPDATE observations SET data = ?", (old,))
    conn.commit()
    conn.close()
    with open_store(db) as store:
        (stored,) = store.observations("a")
    o = stored.observation
    assert o.status == 404 and o.checked_at == T0 and o.proxy is None
    assert o.redirects == (Hop("http://a.example/", 301, "http://a.example/x"),)
    assert o.fingerprint is not None and o.fingerprint.simhash == 2**64 - 1


def test_postgres_schema_newer_than_the_tool_is_refused(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    open_store(url).close()
    dbname = url.rsplit("/", 1)[1]
    assert postgres.psql("SELECT max(version) FROM audit_schema", dbname) == str(SCHEMA_VERSION)
    postgres.psql(f"INSERT INTO audit_schema(version) VALUES ({SCHEMA_VERSION + 1})", dbname)
    with pytest.raises(StoreError, match=r"schema v\d+ is newer than this audit"):
        open_store(url)


def test_parse_cache_is_one_entry_per_kind(location: Path | str) -> None:
    with open_store(location) as store:
        store.put_cached("registry", "d1", "{}")
        store.put_cached("registry", "d2", "[]")
        assert store.cached("registry", "d1") is None
        assert store.cached("registry", "d2") == "[]"


def test_an_unreachable_postgres_is_a_one_line_error(postgres: PostgresServer) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(
        StoreError, match=r"^postgresql://audit@127\.0\.0\.1:\d+/x: cannot connect"
    ) as e:
        open_store(f"postgresql://audit:secret@127.0.0.1:{port}/x")
    assert "\n" not in str(e.value) and "secret" not in str(e.value)


def test_a_sqlite_store_never_loads_psycopg(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from audit.cli import main;"
        f" main(['history', '--db', {str(tmp_path / 'a.sqlite')!r}, 'x']);"
        " print(sorted(m for m in sys.modules if m.startswith('psycopg')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


# --------------------------------------------------------------------------
# Schema 4: judge state, compact repeats, retention


def _v3_store_with_history(db: Path) -> list[tuple[datetime, int]]:
    """A store as schema 3 wrote it: runs and full observation rows, no judge state."""
    from datetime import timedelta

    from audit import codec
    from audit.check import classify, rules_stamp

    conn = sqlite3.connect(db)
    for number, script in enumerate(MIGRATIONS[:3], start=1):
        conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    history = [(0, 200), (7, 200), (14, 404), (15, 404), (18, 500), (19, 404)]
    out = []
    for run, (day, status) in enumerate(history, start=1):
        at = T0 + timedelta(days=day)
        started = at.isoformat(timespec="milliseconds")
        conn.execute(
            "INSERT INTO runs(id, started, finished, status) VALUES (?, ?, ?, 'finished')",
            (run, started, started),
        )
        o = obs(checked_at=at, status=status)
        c = classify(o)
        conn.execute(
            "INSERT INTO observations(run_id, resource_id, url, checked_at, status, outcome,"
            " evidence, data, classified_by) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                run,
                "a",
                o.url,
                started,
                status,
                c.outcome.value,
                codec.encode(c.evidence),
                codec.encode(o),
                rules_stamp(),
            ),
        )
        out.append((at, status))
    conn.commit()
    conn.close()
    return out


def test_a_schema_3_store_with_history_upgrades_and_gives_the_same_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from audit import history
    from audit.cli import main
    from audit.judge import judge

    db, reg = tmp_path / "audit.sqlite", tmp_path / "resources.yaml"
    _v3_store_with_history(db)
    with open_store(db) as store:  # the old way: every check judged afresh
        expected = judge(history.checks(store.observations("a")))
    assert expected.verdict is Verdict.DEAD
    reg.write_text("resources:\n  - id: a\n    name: A\n    url: http://a.example/\n")
    monkeypatch.setenv("AUDIT_NOW", "2026-03-20T12:00:00Z")
    args = ["--registry", str(reg), "--db", str(db)]
    assert main(["report", "--format", "json", *args]) == 2
    result = json.loads(capsys.readouterr().out)["results"][0]
    assert (result["verdict"], result["reason"]) == (expected.verdict.value, expected.reason)
    assert len(result["history"]) == 6
    # a run that checks nothing (dead: not due for a month) builds the state, same verdict
    code = main(
        [
            "run",
            *args,
            "--reports",
            str(tmp_path / "r"),
            "--no-archive",
            "-q",
            "--canary",
            "localhost",
        ]
    )
    capsys.readouterr()
    assert code == 2
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT COUNT(*) FROM judge_state").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == 6
    conn.close()
    out = json.loads((tmp_path / "r" / "status.json").read_text(encoding="utf-8"))
    assert out["results"][0]["reason"] == expected.reason


def test_a_repeat_keeps_its_own_time_and_duration(location: Path | str) -> None:
    from datetime import timedelta

    with open_store(location) as store:
        run = store.start_run(T0)
        base = store.add_observation(run, "a", obs(elapsed_ms=5), Classification(Outcome.OK))
        later = T0 + timedelta(days=7)
        store.add_repeat(base, run, later, 9)
        store.add_observation(run, "b", obs("http://b.example/"), Classification(Outcome.OK))
        rows = store.observations("a")
        assert [(r.observation.checked_at, r.observation.elapsed_ms) for r in rows] == [
            (T0, 5),
            (later, 9),
        ]
        assert [r.repeat for r in rows] == [False, True] and rows[1].id == base
        assert len(store.observations(run_id=run)) == 3
        assert len(store.observations(url="http://a.example/")) == 2


def test_compact_keeps_what_verdicts_and_reports_need(
    tmp_path: Path,
    location: Path | str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Three years of weekly checks recorded through the run's own recorder, then
    `audit compact --keep 2y`: old checks go, verdicts (also re-judged) stay."""
    import json
    from datetime import timedelta

    from audit import history, status
    from audit.check import classify, rules_stamp
    from audit.cli import main
    from audit.judge import Policy
    from audit.registry import load_registry

    db, reg = location, tmp_path / "resources.yaml"
    reg.write_text(
        "resources:\n"
        "  - id: steady\n    name: S\n    url: http://steady.example/\n"
        "  - id: gone\n    name: G\n    url: http://gone.example/\n"
        "  - id: flaky\n    name: F\n    url: http://flaky.example/\n"
    )
    start = T0 - timedelta(weeks=156)

    def answer(rid: str, week: int) -> Observation:
        at = start + timedelta(weeks=week)
        if rid == "steady":  # the same page, a new edition once a year
            fp = Fingerprint("http://steady.example/", "S", f"h{week // 52}", 7, 900)
            return obs("http://steady.example/", checked_at=at, fingerprint=fp)
        if rid == "gone":  # gone since the first year: a streak older than the cutoff
            return obs("http://gone.example/", checked_at=at, status=200 if week < 40 else 404)
        status = 500 if week % 3 == 0 else 200
        return obs("http://flaky.example/", checked_at=at, status=status)

    with open_store(db) as store:
        registry = load_registry(reg)
        ledgers = history.Ledgers(store, status.rules_of(registry, Policy(), False))
        for week in range(157):
            run = store.start_run(start + timedelta(weeks=week))
            with history.Recorder(store, ledgers, run) as recorder:
                for rid in ("steady", "gone", "flaky"):
                    o = answer(rid, week)
                    recorder.add(rid, o, classify(o), rules_stamp())
            store.finish_run(run, start + timedelta(weeks=week), Network.ONLINE)
    monkeypatch.setenv("AUDIT_NOW", T0.isoformat())
    args = ["--registry", str(reg), "--db", str(db)]

    def report(*more: str) -> dict[str, dict[str, object]]:
        main(["report", "--format", "json", *args, *more])
        return {r["id"]: r for r in json.loads(capsys.readouterr().out)["results"]}

    before, strict_before = report(), report("--confirm-checks", "5")
    assert main(["compact", "--keep", "2y", *args]) == 0
    assert "dropped" in capsys.readouterr().out
    after, strict_after = report(), report("--confirm-checks", "5")
    for rid in ("steady", "gone", "flaky"):
        for key in ("verdict", "reason", "last_ok", "failing_since", "drift", "outcome"):
            assert before[rid][key] == after[rid][key], (rid, key)
            assert strict_before[rid][key] == strict_after[rid][key], (rid, key)
        assert before[rid]["history"] == after[rid]["history"]
    assert after["gone"]["verdict"] == "dead" and after["flaky"]["verdict"] == "flaky"
    assert after["steady"]["drift"] is not None  # its baseline (week 0) was kept
    cutoff = T0 - timedelta(days=2 * 365.25)
    with open_store(db) as store:
        steady = store.observations("steady")
        gone = store.observations("gone")
    old = [s for s in steady if s.observation.checked_at < cutoff]
    assert len(old) == 1 and old[0].observation.checked_at == start  # the drift baseline
    assert len(steady) < 110  # two years and a baseline of the 157 weeks
    first_404 = start + timedelta(weeks=40)
    assert [s.observation.status for s in gone if s.observation.checked_at >= first_404]
    assert min(s.observation.checked_at for s in gone) <= first_404  # the streak is whole


def test_judge_state_is_one_row_per_resource_and_atomic_rolls_back(
    location: Path | str,
) -> None:
    with open_store(location) as store:
        store.put_judge_state("a", "s1", "{}")
        store.put_judge_state("a", "s2", '{"x": 1}')  # the newest wins, one row
        store.put_judge_state("b", "s1", "[]")
        assert store.judge_state("a") == ("s2", '{"x": 1}')
        assert sorted(store.judge_states()) == [("a", "s2", '{"x": 1}'), ("b", "s1", "[]")]
        run = store.start_run(T0)
        with pytest.raises(RuntimeError), store.atomic():
            store.add_observation(run, "a", obs(), Classification(Outcome.OK))
            store.put_judge_state("a", "s3", "{}")
            raise RuntimeError("mid-transaction")
        assert store.observations("a") == [] and store.judge_state("a") == ("s2", '{"x": 1}')
        store.begin()
        store.add_observation(run, "a", obs(), Classification(Outcome.OK))
        store.commit()
        assert len(store.observations("a")) == 1


def test_vacuum_and_size_on_either_engine(location: Path | str) -> None:
    with open_store(location) as store:
        run = store.start_run(T0)
        for i in range(50):
            store.add_observation(run, f"r{i}", obs(detail="x" * 2000), Classification(Outcome.OK))
        full = store.size()
        assert full > 100_000  # the rows are in it
        store.drop_unkeyed_before(T0)  # nothing unkeyed: nothing goes
        assert len(store.observations(run_id=run)) == 50
        store.vacuum()
        assert store.size() > 0


def test_a_store_of_main_schema_4_upgrades_to_the_queue_schema(tmp_path: Path) -> None:
    """A store made by the releases before the queue (schema 4: repeats and judge
    states, no jobs) gets the queue's tables and keeps every row."""
    db = tmp_path / "audit.sqlite"
    conn = sqlite3.connect(db)
    for number, script in enumerate(MIGRATIONS[:4], start=1):
        conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    conn.close()
    assert SCHEMA_VERSION == 6
    with open_store(db) as store:
        run = store.start_run(T0)
        base = store.add_observation(run, "a", obs(), Classification(Outcome.OK))
        store.add_repeat(base, run, T0, 3)
        store.put_judge_state("a", "s", "{}")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 4")
    conn.execute("DROP TABLE hosts")
    conn.execute("DROP TABLE jobs")
    conn.execute("ALTER TABLE observations DROP COLUMN vantage")  # 0006 (vantages) adds it
    conn.commit()
    conn.close()
    with open_store(db) as store:
        assert len(store.observations("a")) == 2 and store.judge_state("a") == ("s", "{}")
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"jobs", "hosts", "repeats", "judge_state"} <= tables
    conn.close()
