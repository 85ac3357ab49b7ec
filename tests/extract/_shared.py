"""Where the shared corpora and seeds live: beside the repository (also in CI)."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def shared(*parts: str) -> Path:
    """A path under shared/; a missing file fails the test that needs it (never a skip)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise AssertionError(
            f"{path} is missing: the repository must be checked out beside shared/"
        )
    return path
