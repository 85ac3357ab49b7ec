"""`python -m bench.hostile`: issue 18's freezes, end to end, on `audit check` builds.

Each case is checked by `audit check --timeout T` beside innocent URLs on
another loopback host that take `INNOCENT_S` to answer; a control run has the
innocent URLs alone. Printed per build and case: wall time (against T + 1 s),
the innocent URLs' slowest elapsed time (against the control's, +10 %), their
outcomes, and peak RSS.

    python -m bench.hostile --audit-exe .venv/bin/audit --audit-exe /tmp/old/audit

Cases: a header of 99k spaces ending in a control byte (a regex once went
quadratic on it), eight 401 pages of 64 KB with an unclosed `<title`, and
200 URLs of eleven redirects with 90 KB `Location`s (memory, store, report).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from bench.peers import GUARD_DIR
from bench.run import guarded_env, run_process

INNOCENT_S = 4.0
TIMEOUT_S = 5.0
HOSTILE, INNOCENT = "127.0.0.1", "127.0.0.2"


def _reply(status: str, body: bytes, *headers: bytes) -> bytes:
    head = [f"HTTP/1.1 {status}".encode(), *headers, b"Content-Length: %d" % len(body)]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def _answer(target: str) -> bytes:
    if target.startswith("/spaces"):
        return b"HTTP/1.1 200 OK\r\nX:" + b" " * 99_000 + b"\x01\r\nContent-Length: 0\r\n\r\n"
    if target.startswith("/wall"):
        return _reply("401 Unauthorized", b"<html><title>" + b"<title" * 10_900)
    if target.startswith("/r/"):
        hop = int(target.split("/")[3])
        if hop >= 11:
            return _reply("200 OK", b"<title>End</title><p>" + b"fine " * 50)
        loc = f"/r/{target.split('/')[2]}/{hop + 1}/" + "a" * 90_000
        return _reply("302 Found", b"", b"Location: " + loc.encode())
    return _reply("200 OK", b"<title>Innocent</title><p>" + b"fine " * 50)


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode("latin-1")
            if target.startswith("/innocent"):
                await asyncio.sleep(INNOCENT_S)
            writer.write(_answer(target))
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


class Servers:
    """Both hosts on one port, in a thread; stopped on exit."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = 0
        self._servers: list[asyncio.Server] = []

    def __enter__(self) -> Servers:
        self.thread.start()

        async def start() -> None:
            first = await asyncio.start_server(_serve, HOSTILE, 0, limit=1 << 20)
            self.port = first.sockets[0].getsockname()[1]
            second = await asyncio.start_server(_serve, INNOCENT, self.port, limit=1 << 20)
            self._servers = [first, second]

        asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            for s in self._servers:
                s.close()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


CASES: dict[str, Callable[[int], list[str]]] = {
    "control": lambda port: [],
    "spaces+control byte header x2": lambda port: [
        f"http://{HOSTILE}:{port}/spaces/{i}" for i in range(2)
    ],
    "401 unclosed <title x8": lambda port: [f"http://{HOSTILE}:{port}/wall/{i}" for i in range(8)],
    "90 KB Location x11 hops, 200 URLs": lambda port: [
        f"http://{HOSTILE}:{port}/r/{i}/0/" for i in range(200)
    ],
}


def run(exe: Path, case: str, port: int, work: Path) -> dict[str, object]:
    hostile = CASES[case](port)
    innocent = [f"http://{INNOCENT}:{port}/innocent/{i}" for i in range(4)]
    urls = work / "urls.txt"
    urls.write_text("\n".join([*hostile, *innocent]) + "\n", encoding="utf-8")
    out, err = work / "out.json", work / "err.txt"
    argv = [
        str(exe), "check", "--urls-file", str(urls), "--format", "json", "--allow-private",
        "--timeout", f"{TIMEOUT_S:g}", "--no-store", "--canary", "localhost",
        "--per-host", "16", "--retries", "0",
    ]  # fmt: skip
    wall, cpu, rss, code, _ = run_process(
        argv, cwd=work, stdin=None, stdout=out, stderr=err, limit_s=600, env=guarded_env()
    )
    results = json.loads(out.read_text(encoding="utf-8"))["results"]
    by_url = {r["url"]: r for r in results}
    mine = [by_url[u] for u in innocent if u in by_url]
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "rss_mib": round(rss, 1),
        "exit": code,
        "innocent_max_s": max((r["elapsed_ms"] / 1000 for r in mine), default=None),
        "innocent_outcomes": sorted({r["outcome"] for r in mine}),
        "output_mib": round(out.stat().st_size / 2**20, 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.hostile")
    ap.add_argument("--audit-exe", type=Path, action="append", required=True)
    args = ap.parse_args(argv)
    assert GUARD_DIR.exists()
    print(
        f"timeout {TIMEOUT_S:g} s; innocent URLs take {INNOCENT_S:g} s; target: wall <= "
        f"{TIMEOUT_S + 1:g} s (+ the innocent {INNOCENT_S:g} s), innocent within 10 % of control"
    )
    with Servers() as srv, tempfile.TemporaryDirectory() as tmp:
        for exe in args.audit_exe:
            for case in CASES:
                work = Path(tmp) / f"{abs(hash((str(exe), case)))}"
                work.mkdir()
                print(f"{exe} | {case} | {json.dumps(run(exe, case, srv.port, work))}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
