"""Where `audit`'s time goes: run it under py-spy (from bench/.venv) and sum
the samples by function (self time) and by module (inclusive time).

py-spy samples from outside the process, so the run is not slowed by an
in-process profiler's hooks; idle time (waiting in epoll) is not sampled, so
the figures are CPU time.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.run import guarded_env, run_process

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def record(py_spy: Path, argv: Sequence[str], work: Path, limit_s: float, rate: int = 200) -> Path:
    """Run `argv` under `py-spy record`; returns the collapsed-stacks file."""
    work.mkdir(parents=True, exist_ok=True)
    out = work / "profile.collapsed.txt"
    run_process(
        [
            str(py_spy),
            "record",
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(out),
            "--",
            *argv,
        ],
        cwd=work,
        stdin=None,
        stdout=work / "stdout.txt",
        stderr=work / "stderr.txt",
        limit_s=limit_s,
        env=guarded_env(),
    )
    return out


def _where(frame: str) -> tuple[str, str]:
    m = _FRAME.match(frame.strip())
    if m is None:
        return frame.strip(), "?"
    file = m.group("file")
    # site-packages/httpx/_client.py -> httpx/_client.py; audit/check/x.py stays
    for marker in ("site-packages/", "lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return m.group("func"), file


def summarise(collapsed: Path, top: int = 15) -> str:
    """Top functions by self samples and top packages by inclusive samples."""
    self_time: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_where(f) for f in stack.split(";")[1:] if f.strip()]
        if not frames:
            continue
        func, file = frames[-1]
        self_time[f"{func} ({file})"] += n
        seen = set()
        for _, f in frames:
            # audit's own modules one by one (where to look), others by package
            pkg = f if f.startswith("audit/") else f.split("/", 1)[0]
            if pkg not in seen:
                seen.add(pkg)
                by_package[pkg] += n
    if total == 0:
        return "no samples"
    lines = [f"{total} samples; self time by function:"]
    lines += [f"  {100 * n / total:5.1f}%  {k}" for k, n in self_time.most_common(top)]
    lines.append("inclusive time by audit module, or by package:")
    lines += [f"  {100 * n / total:5.1f}%  {k}" for k, n in by_package.most_common(2 * top)]
    return "\n".join(lines)
