"""Locate `shared/` (checked out beside the repository) and load conformance data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

# tests/urls/corpora.py → parents[2] is the repository root; shared/ is beside it.
SHARED = (Path(__file__).resolve().parents[2] / ".." / "shared").resolve()
CORPORA = SHARED / "corpora"
SEED = SHARED / "seeds" / "000_f9495035618270d1.txt"


# Conformance figures, printed by the tests and repeated in pytest's summary.
FIGURES: list[str] = []


def report(line: str) -> None:
    print(line)
    FIGURES.append(line.strip())


def shared_file(path: Path) -> Path:
    """The file, or a test failure naming where it was looked for (never a skip)."""
    if not path.is_file():
        pytest.fail(
            f"conformance data missing: {path} (shared/ must be checked out beside the repo)",
            pytrace=False,
        )
    return path


def load_json(name: str) -> Any:
    return json.loads(shared_file(CORPORA / name).read_text(encoding="utf-8"))


def _unescape(text: str) -> str:
    text = re.sub(r"\\x\{([0-9A-Fa-f]+)\}", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"\\u([0-9A-Fa-f]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return "" if text == '""' else text


# UTS 46 status codes that the URL Standard's flags turn off: CheckHyphens
# (V2, V3), VerifyDnsLength (A4_1, A4_2), UseSTD3ASCIIRules (U1).
IGNORED_STATUS = frozenset({"V2", "V3", "A4_1", "A4_2", "U1"})


def idna_test_v2() -> list[tuple[str, str | None]]:
    """(source, expected non-transitional ToASCII or None for an error) per data line."""
    cases: list[tuple[str, str | None]] = []
    path = shared_file(CORPORA / "unicode-idna" / "IdnaTestV2.txt")
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        cols = [c.strip() for c in line.split(";")]
        source = _unescape(cols[0])
        to_unicode = _unescape(cols[1]) or source
        to_ascii = _unescape(cols[3]) or to_unicode
        status = cols[4] or cols[2]
        codes = set(re.findall(r"[A-Z][0-9](?:_[0-9])?", status if status != "[]" else ""))
        cases.append((source, None if codes - IGNORED_STATUS else to_ascii))
    return cases
