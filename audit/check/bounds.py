"""Caps on what one response can make us keep: URLs, header values, messages.

A server chooses the length of its `Location`s and header values (up to the
100 KB head http11.py accepts); eleven redirects with 90 KB Locations once
cost ~3 MB an observation, in memory, in the store and in every report. What
is kept of a longer value is its start, then an ASCII note of its full length
and a hash of it, so two different long values stay told apart (and a cut
value is the same cut every run: comparisons across runs keep working).
Pure functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache, wraps
from typing import TypeVar

from audit.models import Fingerprint, Hop, Observation

MAX_URL = 2048  # characters of a URL from an answer (final URL, redirect hops)
MAX_HEADER = 1024  # characters of a kept header value
MAX_DETAIL = 2048  # characters of an error message
MAX_SIGNAL = 512  # characters of one content cue

T = TypeVar("T")


def cache_short(
    maxsize: int, limit: int = MAX_URL
) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    """`lru_cache(maxsize)` for arguments up to `limit` characters; longer ones are not kept.

    A cache keyed on URLs holds what answers chose: 8,192 entries of 90 KB
    `Location`s were ~1.4 GB. Bounded in bytes this way, not only in entries.
    """

    def decorate(fn: Callable[[str], T]) -> Callable[[str], T]:
        cached = lru_cache(maxsize=maxsize)(fn)

        @wraps(fn)
        def call(arg: str) -> T:
            return cached(arg) if len(arg) <= limit else fn(arg)

        return call

    return decorate


def cut(text: str, limit: int) -> str:
    """`text`, or its start and a note of its length and sha256: `limit` characters at most
    (so cutting again changes nothing)."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    note = f"...[cut: {len(text)} chars, sha256 {digest}]"
    return text[: max(0, limit - len(note))] + note


def _cut_optional(text: str | None, limit: int) -> str | None:
    return None if text is None else cut(text, limit)


def bounded_hop(hop: Hop) -> Hop:
    if len(hop.url) <= MAX_URL and (hop.location is None or len(hop.location) <= MAX_URL):
        return hop
    return Hop(cut(hop.url, MAX_URL), hop.status, _cut_optional(hop.location, MAX_URL))


def bounded_observation(obs: Observation) -> Observation:
    """`obs` with every answer-chosen string within its cap (the same object if all are)."""
    changes: dict[str, object] = {}
    if obs.final_url is not None and len(obs.final_url) > MAX_URL:
        changes["final_url"] = cut(obs.final_url, MAX_URL)
    if len(obs.detail) > MAX_DETAIL:
        changes["detail"] = cut(obs.detail, MAX_DETAIL)
    hops = tuple(map(bounded_hop, obs.redirects))
    if any(a is not b for a, b in zip(hops, obs.redirects, strict=True)):
        changes["redirects"] = hops
    if any(len(v) > MAX_HEADER for _, v in obs.headers):
        changes["headers"] = tuple((k, cut(v, MAX_HEADER)) for k, v in obs.headers)
    if any(len(s) > MAX_SIGNAL for s in obs.signals):
        changes["signals"] = tuple(cut(s, MAX_SIGNAL) for s in obs.signals)
    fp = obs.fingerprint
    if fp is not None and len(fp.final_url) > MAX_URL:
        changes["fingerprint"] = _bounded_fingerprint(fp)
    return replace(obs, **changes) if changes else obs  # type: ignore[arg-type]


def _bounded_fingerprint(fp: Fingerprint) -> Fingerprint:
    return replace(fp, final_url=cut(fp.final_url, MAX_URL))
