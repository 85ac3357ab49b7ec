"""Run every tool in turn on the same workload and score it.

For each tool run: wall time, URLs/s, CPU time (user+sys of the tool and the
children it waited for) and peak RSS, both from the kernel's rusage of the
child (`os.wait4`, so nothing polls while the tool works); the requests the
server saw; and accuracy against the ground truth. A run that overruns its
time limit is killed (its own process group, by id) and marked.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from bench.peers import GUARD_DIR, Files, Parsed, Tool
from bench.server import Server, Stats
from bench.workload import Page, Workload

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Measure:
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    exit_code: int
    overran: bool
    requests: int
    heads: int
    not_modified: int
    connections: int
    server_cpu_s: float  # to show the server was not the bottleneck
    archive_requests: int = 0  # to the stand-in archive (`audit run` only)
    # 1-minute load average when the run started: other work on the machine
    # (other sessions, CI) competes for the same CPUs and skews wall times.
    load_before: float = 0.0
    # most requests in flight at once on one host: median over hosts, and max
    host_inflight_median: float = 0.0
    host_inflight_max: int = 0
    # seconds from start until 50%, 90% and 100% of the run's requests had
    # arrived (sampled every 0.1 s): a long tail after 90% is waiting, not work
    requests_by: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Score:
    reported: int  # URLs the tool said something about
    broken_total: int
    soft_total: int
    wrongly_broken: int
    missed_broken: int
    soft_caught: int  # soft-404s the tool called broken
    soft_named: int  # ... and named as soft-404 (only audit can)
    wrongly_by_kind: dict[str, int] = field(default_factory=dict)
    missed_by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    workload: str
    tool: str
    urls: int
    bound_s: float
    measure: Measure | None
    score: Score | None
    note: str = ""
    ok: bool = True  # False: the tool failed (no usable output); its speed means nothing
    floor_s: float | None = None  # the polite floor at the politeness this tool ran with

    @property
    def urls_per_s(self) -> float | None:
        # A run that failed says nothing about speed.
        if self.measure is None or self.measure.wall_s <= 0 or self.measure.overran:
            return None
        if not self.ok:
            return None
        return self.urls / self.measure.wall_s


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    stdin: Path | None,
    stdout: Path,
    stderr: Path,
    limit_s: float,
    env: dict[str, str] | None = None,
) -> tuple[float, float, float, int, bool]:
    """(wall s, cpu s, peak RSS MiB, exit code, overran). The child runs in its
    own session so an overrun kills it and everything it started, and nothing else."""
    overran = threading.Event()
    with (
        open(stdin or os.devnull, "rb") as fin,
        open(stdout, "wb") as fout,
        open(stderr, "wb") as ferr,
    ):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdin=fin,
            stdout=fout,
            stderr=ferr,
            start_new_session=True,
            env=env,
        )

        def kill() -> None:
            overran.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(limit_s, kill)
        timer.start()
        sampler = _TreeMemory(proc.pid)
        sampler.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted (SIGTERM/^C): the tool must not outlive us
            kill()
            os.wait4(proc.pid, 0)
            raise
        finally:
            timer.cancel()
            sampler.stop()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    # Leftover grandchildren (none expected) would still hold loopback sockets.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    cpu = ru.ru_utime + ru.ru_stime
    # ru_maxrss is the largest single process's; a tool that runs several (audit's
    # --workers, LinkChecker's none) is charged the sum its process tree reached.
    rss = max(ru.ru_maxrss / 1024, sampler.peak_kib / 1024)
    return wall, cpu, rss, proc.returncode, overran.is_set()


class _TreeMemory(threading.Thread):
    """The largest total RSS of a process and its descendants, sampled every 20 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.02):
            self.peak_kib = max(self.peak_kib, sum(map(_rss_kib, _tree(self.pid))))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    pids, i = [pid], 0
    while i < len(pids):
        try:
            with open(f"/proc/{pids[i]}/task/{pids[i]}/children", encoding="ascii") as f:
                pids += [int(p) for p in f.read().split()]
        except OSError:
            pass  # gone, or no /proc here: the figure falls back to ru_maxrss
        i += 1
    return pids


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class _Timeline:
    """Samples the server's request count while a tool runs."""

    def __init__(self, srv: Server, base: int, every_s: float = 0.1) -> None:
        self.srv, self.base, self.every = srv, base, every_s
        self.samples: list[tuple[float, int]] = []
        self._halt = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._halt.wait(self.every):
            n = self.srv.stats().requests - self.base
            self.samples.append((time.perf_counter() - self._t0, n))

    def stop(self) -> tuple[float, float, float]:
        self._halt.set()
        self._thread.join()
        total = self.srv.stats().requests - self.base
        if total <= 0:
            return (0.0, 0.0, 0.0)

        def when(share: float) -> float:
            need = share * total
            return round(
                next((t for t, n in self.samples if n >= need), time.perf_counter() - self._t0), 1
            )

        return (when(0.5), when(0.9), when(1.0))


def guarded_env() -> dict[str, str]:
    """The environment for a Python tool: bench/guard first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(GUARD_DIR), env.get("PYTHONPATH")) if p)
    return env


def score(w: Workload, port: int, calls: Parsed) -> Score:
    wrongly: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    soft_caught = soft_named = reported = 0
    for p in w.pages:
        c = calls.get(p.url(port))
        if c is not None:
            reported += 1
        # An unlisted URL was passed (lychee) or never reported (a gap): not called broken.
        said_broken = c is not None and c.broken
        if said_broken and not p.broken:
            wrongly[p.behaviour.value] += 1
        if p.broken and not said_broken:
            missed[p.behaviour.value] += 1
        if p.soft_404 and said_broken:
            soft_caught += 1
            if c is not None and c.soft_404:
                soft_named += 1
    return Score(
        reported=reported,
        broken_total=sum(p.broken for p in w.pages),
        soft_total=sum(p.soft_404 for p in w.pages),
        wrongly_broken=sum(wrongly.values()),
        missed_broken=sum(missed.values()),
        soft_caught=soft_caught,
        soft_named=soft_named,
        wrongly_by_kind=dict(wrongly),
        missed_by_kind=dict(missed),
    )


def run_tool(
    tool: Tool,
    w: Workload,
    srv: Server,
    files: Files,
    *,
    limit_s: float,
    bound_s: float,
) -> Row:
    files.work.mkdir(parents=True, exist_ok=True)
    argv = tool.argv(files)
    before: Stats = srv.reset()
    load = os.getloadavg()[0]
    log.info("run %s: %s", tool.name, " ".join(argv))
    out, err = files.work / "stdout.txt", files.work / "stderr.txt"
    timeline = _Timeline(srv, before.requests)
    try:
        wall, cpu, rss, code, overran = run_process(
            argv,
            cwd=files.work,
            stdin=files.urls if tool.stdin_urls else None,
            stdout=out,
            stderr=err,
            limit_s=limit_s,
            env=guarded_env() if tool.guarded else None,
        )
    except OSError as e:
        timeline.stop()
        return Row(
            w.spec.name,
            tool.name,
            len(w.pages),
            bound_s,
            None,
            None,
            f"did not start: {e}",
            ok=False,
        )
    marks = timeline.stop()
    used = srv.stats() - before
    peaks = [p for p in srv.host_peaks() if p]
    m = Measure(
        round(wall, 2),
        round(cpu, 2),
        round(rss, 1),
        code,
        overran,
        used.requests,
        used.heads,
        used.not_modified,
        used.connections,
        used.cpu_s,
        used.archive_requests,
        round(load, 2),
        statistics.median(peaks) if peaks else 0.0,
        max(peaks, default=0),
        marks,
    )
    note = f"killed after {limit_s:.0f} s" if overran else ""
    if used.not_modified:
        note = "; ".join(n for n in (note, f"{used.not_modified:,} answered 304") if n)
    if tool.parse is None:
        return Row(w.spec.name, tool.name, len(w.pages), bound_s, m, None, note)
    try:
        calls = tool.parse(files, out.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError, KeyError, TypeError) as e:
        tail = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        note = (note + "; " if note else "") + f"no parsable output ({type(e).__name__}) {tail}"
        return Row(w.spec.name, tool.name, len(w.pages), bound_s, m, None, note, ok=False)
    s = score(w, srv.port, calls)
    if not tool.unlisted_ok and s.reported < len(w.pages):
        note = (note + "; " if note else "") + f"{len(w.pages) - s.reported} URLs not in its output"
    return Row(w.spec.name, tool.name, len(w.pages), bound_s, m, s, note)


def median_row(tries: Sequence[Row]) -> Row:
    """The run with the median wall time, noting the spread."""
    timed = sorted(
        ((r.measure.wall_s, i) for i, r in enumerate(tries) if r.measure is not None),
    )
    if len(timed) < 2:
        return tries[timed[0][1]] if timed else tries[-1]
    mid = tries[timed[len(timed) // 2][1]]
    spread = f"median of {len(timed)} ({timed[0][0]:.2f}–{timed[-1][0]:.2f} s)"
    killed = sum(1 for r in tries if r.measure is not None and r.measure.overran)
    if killed:
        spread += f"; {killed} of {len(tries)} runs killed at the time limit"
    return replace(mid, note=f"{mid.note}; {spread}" if mid.note else spread)


# --- the table ------------------------------------------------------------------

HEADER = (
    "| workload | tool | wall s | URLs/s | CPU s | peak RSS MiB | requests "
    "| wrongly broken | missed broken | soft-404 caught | bound s | polite floor s "
    "| in flight/host "
    "| requests 50/90/100% by s | server CPU s | load | note |"
)


def fmt_row(r: Row) -> str:
    m, s = r.measure, r.score
    cells = [r.workload, r.tool]
    if m is None:
        cells += ["–"] * 5
    else:
        ups = r.urls_per_s
        cells += [
            f"{m.wall_s:.2f}",
            f"{ups:,.0f}" if ups is not None else "–",
            f"{m.cpu_s:.2f}",
            f"{m.peak_rss_mib:.0f}",
            f"{m.requests:,}",
        ]
    if s is None:
        cells += ["–"] * 3
    else:
        cells += [
            str(s.wrongly_broken),
            f"{s.missed_broken}/{s.broken_total}",
            f"{s.soft_caught}/{s.soft_total}",
        ]
    cells += [
        f"{r.bound_s:.2f}",
        f"{r.floor_s:.2f}" if r.floor_s is not None else "–",
        f"{m.host_inflight_median:g}/{m.host_inflight_max}" if m else "–",
        "/".join(f"{t:g}" for t in m.requests_by) if m else "–",
        f"{m.server_cpu_s:.2f}" if m else "–",
        f"{m.load_before:.1f}" if m else "–",
        r.note,
    ]
    return "| " + " | ".join(cells) + " |"


def table(rows: Sequence[Row]) -> str:
    sep = "|" + "---|" * (HEADER.count("|") - 1)
    return "\n".join([HEADER, sep, *(fmt_row(r) for r in rows)])


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = next(
            int(ln.split()[1])
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        )
        ram = f"{mem_kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        ram = "?"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": sys.version.split()[0],
        "os": f"{platform.system()} {platform.release()}",
    }


def save(rows: Sequence[Row], meta: dict[str, object], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = {"meta": meta, "rows": [asdict(r) | {"urls_per_s": r.urls_per_s} for r in rows]}
    (out / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    (out / "results.md").write_text(table(rows) + "\n", encoding="utf-8")


def truth_summary(pages: Sequence[Page]) -> str:
    c = Counter(p.behaviour.value for p in pages)
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items(), key=lambda kv: -kv[1]))
