"""Golden-file comparison for the report tests.

Run with AUDIT_UPDATE_GOLDEN=1 to rewrite the files after an intended change,
then review the diff like any other code change.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(name="golden")
def _golden() -> Callable[[str, str], None]:
    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if os.environ.get("AUDIT_UPDATE_GOLDEN") == "1":
            path.write_bytes(actual.encode("utf-8"))
        expected = path.read_bytes().decode("utf-8")
        assert actual == expected, (
            f"{name} differs from the golden file (AUDIT_UPDATE_GOLDEN=1 rewrites it)"
        )

    return check
