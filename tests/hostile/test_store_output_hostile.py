"""A hostile store (read-only, full disk, corrupt) and a hostile stdout (a non-blocking pipe)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.hostile.helpers import audit
from tests.servers.web import Reply, WebServer

HOST = "store.example.ru"


def _check_args(web: WebServer, db: Path, n: int = 3) -> list[str]:
    web.fallback(Reply(200, "<html><head><title>Page</title></head><body>" + "x" * 800))
    args = ["check", "--db", str(db), "--resolve", f"{HOST}:{web.port}:127.0.0.1"]
    # --fail-on "": every page here looks alike (a soft 404 by the sibling probe); these
    # tests are about the store and the output, so no outcome fails the command
    args += ["--canary", f"127.0.0.1:{web.port}", "--format", "json", "--fail-on", ""]
    for i in range(n):
        args += ["--url", f"http://{HOST}:{web.port}/p{i}"]
    return args


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes() if p.exists() else b"-")
    return h.hexdigest()


def _runs(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    finally:
        conn.close()


def _one_line_failure(err: str) -> str:
    assert "Traceback" not in err, err[-3000:]
    message = err.strip()
    assert "\n" not in message and message.startswith("audit: "), message
    return message


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """Read-only even for root: the immutable flag (chattr, e2fsprogs) binds root too."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


def test_a_read_only_store_is_one_line_and_untouched(tmp_path: Path, web: WebServer) -> None:
    db = tmp_path / "a.sqlite"
    assert audit(*_check_args(web, db), budget=60).code == 0
    audit("report", "--db", str(db), "--reports", str(tmp_path / "r"), budget=60)  # checkpoint
    before = _digest(db)
    with _read_only(db):
        ran = audit(*_check_args(web, db), budget=60)
    assert ran.code == 1
    assert "read-only" in _one_line_failure(ran.err)
    assert _digest(db) == before


def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path: Path, web: WebServer) -> None:
    db = tmp_path / "a.sqlite"
    assert audit(*_check_args(web, db), budget=60).code == 0
    runs = _runs(db)
    ran = audit(*_check_args(web, db, n=40), budget=60, env={"HOSTILE_FSIZE": "4096"})
    assert ran.code == 1
    assert "full" in _one_line_failure(ran.err) or "I/O" in ran.err
    assert _runs(db) in (runs, runs + 1)  # what was committed is intact


def test_a_corrupt_store_is_refused_before_anything_is_written(
    tmp_path: Path, web: WebServer
) -> None:
    db = tmp_path / "a.sqlite"
    with sqlite3.connect(db) as conn:  # a store large enough to have a middle
        conn.execute("CREATE TABLE filler(x TEXT)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("y" * 2000,)] * 300)
    conn.close()
    assert audit(*_check_args(web, db), budget=60).code == 0
    data = bytearray(db.read_bytes())
    rng = random.Random(22)
    for i in range(len(data) // 2, len(data) // 2 + 4096):
        data[i] = rng.randrange(256)
    db.write_bytes(bytes(data))
    for p in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    before = _digest(db)
    for args in (_check_args(web, db), ["report", "--db", str(db), "--format", "md"]):
        ran = audit(*args, budget=60)
        assert ran.code == 1, ran.out[:500]
        message = _one_line_failure(ran.err)
        assert "malformed" in message or "corrupt" in message, message
        assert _digest(db) == before


def test_json_to_a_slow_non_blocking_pipe_is_complete(tmp_path: Path, web: WebServer) -> None:
    """The reader's pipe is non-blocking (as an event loop may leave it) and drains slowly:
    a short write must never drop the rest of the JSON."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    args = _check_args(web, tmp_path / "a.sqlite", n=800)
    args[args.index("--db") : args.index("--db") + 2] = ["--no-store"]
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "audit", *args, "--retries", "0"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=Path(__file__).resolve().parents[2],
        )
        os.close(write_end)
        time.sleep(1.0)  # let the pipe fill while the child writes
        chunks = []
        while chunk := os.read(read_end, 4096):
            chunks.append(chunk)
            time.sleep(0.0005)
        code = proc.wait(timeout=120)
        err = proc.stderr.read().decode() if proc.stderr else ""
    finally:
        os.close(read_end)
    data = json.loads(b"".join(chunks))
    assert code == 0, err
    assert len(data["results"]) == 800
