"""Content drift: how far a live page has moved from the first one recorded (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from audit.judge import Check, State, fold
from audit.models import Drift

DRIFT_THRESHOLD = 0.75  # visible-text similarity under this is "drifted"


def drift_of(state: State, threshold: float = DRIFT_THRESHOLD) -> Drift | None:
    """How far the latest ok page has moved from the first one recorded."""
    base, last = state.baseline, state.latest
    if base is None or last is None or state.prints < 2:
        return None
    assert base.fingerprint is not None and last.fingerprint is not None
    a, b = base.fingerprint, last.fingerprint
    similarity = 1.0 if a.text_hash == b.text_hash else simhash_similarity(a.simhash, b.simhash)
    title_changed = a.title.strip() != b.title.strip()
    parts = []
    if title_changed:
        parts.append(f"title {a.title!r} → {b.title!r}")
    if similarity < threshold:
        parts.append(f"text {similarity:.0%} similar to {base.at:%Y-%m-%d}")
    return Drift(similarity, title_changed, base.at, "; ".join(parts))


def drift(history: Sequence[Check], threshold: float = DRIFT_THRESHOLD) -> Drift | None:
    """`drift_of` for a history of checks."""
    return drift_of(fold(history), threshold)


def is_drifted(d: Drift | None, threshold: float = DRIFT_THRESHOLD) -> bool:
    return d is not None and (d.similarity < threshold or d.title_changed)


def simhash_similarity(a: int, b: int, bits: int = 64) -> float:
    return 1.0 - ((a ^ b) & ((1 << bits) - 1)).bit_count() / bits
