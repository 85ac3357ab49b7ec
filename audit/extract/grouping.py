"""One cited resource per dedup key, with every occurrence kept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from audit.models import Citation


@dataclass(frozen=True, slots=True)
class CitedResource:
    """Every citation of one resource (same `Normalized.key`), in document order."""

    key: str
    url: str
    display: str | None
    occurrences: tuple[Citation, ...]
    context: str | None = None  # the first description any occurrence has
    section: str | None = None  # of the first occurrence
    region: str | None = None  # the first region heading any occurrence is listed under


def group_citations(citations: Iterable[Citation]) -> list[CitedResource]:
    """Group by key, first appearance first.  Citations without an address are left out."""
    groups: dict[str, list[Citation]] = {}
    for c in citations:
        n = c.normalized
        if n is None or n.key is None or n.url is None:
            continue
        groups.setdefault(n.key, []).append(c)
    out: list[CitedResource] = []
    for key, occ in groups.items():
        first = occ[0]
        assert first.normalized is not None and first.normalized.url is not None
        out.append(
            CitedResource(
                key=key,
                url=first.normalized.url,
                display=first.normalized.display,
                occurrences=tuple(occ),
                context=next((c.context for c in occ if c.context), None),
                section=first.section,
                region=next((c.region for c in occ if c.region), None),
            )
        )
    return out
