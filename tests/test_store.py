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
