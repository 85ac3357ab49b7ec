"""Suggestions kept between runs, in the store's key-value cache (no schema change)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from audit import codec
from audit.fix.model import Suggestion


class ParseCache(Protocol):
    """audit.store.Store's key-value cache."""

    def cached(self, kind: str, digest: str) -> str | None: ...
    def put_cached(self, kind: str, digest: str, data: str) -> None: ...


KIND = "fix-suggestions"
VERSION = "1"

Suggestions = dict[str, tuple[Suggestion, ...]]


def load(cache: ParseCache) -> Suggestions:
    text = cache.cached(KIND, VERSION)
    if text is None:
        return {}
    try:
        return codec.decode(Suggestions, text)
    except codec.DecodeError:
        return {}  # written by another version: found again on the next lookup


def save(cache: ParseCache, found: Mapping[str, tuple[Suggestion, ...]]) -> Suggestions:
    """Merge `found` (newer, per resource) into the kept suggestions; returns all of them."""
    merged = {**load(cache), **found}
    cache.put_cached(KIND, VERSION, codec.encode(merged))
    return merged
