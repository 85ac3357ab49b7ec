"""The realdocs corpus (34 real documents, third-party, read from ../shared): the
figures audit reaches on it can only go up.

The corpus's own scorer runs the real CLI on every document (about 3-5 minutes on
2 cores), once for both tests.  Floors: the figures of issue 14's branch
(bench/RESULTS.md); raise them when extraction improves.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.extract._shared import SHARED

REALDOCS = SHARED / "corpora" / "realdocs"
AUDIT = Path(sys.executable).with_name("audit")
# (recall, precision) in percent, as the scorer prints them
FULL_FLOOR = (99.8, 99.7)
TEXT_ONLY_FLOOR = (95.8, 97.4)
_SUMMARY = re.compile(
    r"realdocs full (?P<fr>[\d.]+)% recall (?P<fp>[\d.]+)% precision; "
    r"text-only (?P<tr>[\d.]+)% recall (?P<tp>[\d.]+)% precision"
)


@pytest.fixture(scope="module")
def summary() -> dict[str, float]:
    if not (REALDOCS / "score.py").exists():
        pytest.skip(f"{REALDOCS} is absent: the realdocs corpus lives beside the repository")
    run = subprocess.run(
        [sys.executable, str(REALDOCS / "score.py"), "-j", "2"],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "AUDIT": str(AUDIT)},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    last = run.stdout.strip().splitlines()[-1]
    m = _SUMMARY.search(last)
    assert m is not None, last
    assert "failed runs: none" in run.stdout, run.stdout[-3000:]
    return {k: float(v) for k, v in m.groupdict().items()}


def test_full_mode_does_not_fall(summary: dict[str, float]) -> None:
    assert summary["fr"] >= FULL_FLOOR[0] and summary["fp"] >= FULL_FLOOR[1], summary


def test_text_only_mode_does_not_fall(summary: dict[str, float]) -> None:
    assert summary["tr"] >= TEXT_ONLY_FLOOR[0] and summary["tp"] >= TEXT_ONLY_FLOOR[1], summary
