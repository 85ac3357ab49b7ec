"""Run the CLI in a subprocess under a time budget and an address-space cap, and measure it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A regression must fail the test, not take the machine: the child dies at this size.
ADDRESS_SPACE = 3 << 30
# The child reports its own peak resident size as it exits (threads included).
_MAIN = """
import atexit, os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
if os.environ.get("HOSTILE_FSIZE"):  # a full disk: no file may grow past this size
    size = int(os.environ["HOSTILE_FSIZE"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
atexit.register(lambda: sys.stderr.write(
    "\\nMAXRSS %d\\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
from audit.cli import main
sys.exit(main(sys.argv[1:]))
""".replace("ADDRESS_SPACE", str(ADDRESS_SPACE))


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    seconds: float
    max_rss_mb: float


def audit(
    *args: str,
    budget: float,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdout: int | None = None,
    user: int | None = None,
) -> Ran:
    """`python -m audit ARGS`, killed (and the test failed) past `budget` seconds."""

    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", _MAIN, *args],
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=cwd or ROOT,
        user=user,
        group=user,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(
            f"audit {' '.join(args)[:200]} ran past its {budget} s budget\n{err[-2000:]}"
        ) from None
    seconds = time.monotonic() - started
    err, _, rss = (err or "").rpartition("\nMAXRSS ")
    max_rss = int(rss.split()[0]) / 1024 if rss.strip() else float("inf")
    return Ran(proc.returncode, out or "", err, seconds, max_rss)
