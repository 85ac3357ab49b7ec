"""Repair and normalise cited URLs, explaining every repair (`audit normalize`).

Public API:
- `normalize(text) -> Normalized`: never raises; errors are data.
- `normalized_to_json(n) -> dict`: the DESIGN.md `audit normalize --format json` object.
- `KEY_VERSION`: prefix of every `key` (bump when the key derivation changes).
- `is_domain_like(host)`, `registrable_domain(host)`, `public_suffix(host)`:
  Public Suffix List helpers for extraction (offline, bundled snapshot).
- `host_to_ascii(host)`: IDNA per label (None when invalid).

Every change is a `Repair(rule, detail, confidence)` with a stable rule id;
`Normalized.confidence` is the weakest of them (exact < repaired < guess).
Rule ids: label-removed, wrapper-removed, markup-removed, trailing-punctuation,
truncated, leading-text-removed, trailing-text-removed, display-name-removed,
soft-hyphen-removed, invisible-removed, unicode-space, control-removed,
ligature-expanded, fullwidth-mapped, lookalike-mapped, html-entity-unescaped,
hyphen-at-line-break, line-break-joined, path-space-joined, host-space-joined,
space-after-scheme, scheme-colon-missing, scheme-slashes-fixed,
scheme-separator-fixed, scheme-typo, refanged, scheme-doubled,
scheme-lowercased, scheme-added, doi-resolver, mailto-added,
userinfo-is-email, host-percent-decoded, host-lowercased, dash-normalised,
trailing-dot-removed, dots-collapsed, idna-encoded, default-port-removed,
backslash-as-slash.
"""

from __future__ import annotations

import functools

from .host import convert_host, is_domain_like, public_suffix, registrable_domain
from .keys import KEY_VERSION
from .normalize import normalize, normalize_target, normalized_to_json


def host_to_ascii(host: str) -> str | None:
    """The A-label form of a host (repairs such as a trailing dot applied), or None."""
    return convert_host(host).ascii


# The registry normalises each URL as it loads and the report each citation: in one
# `audit run` these are mostly the same texts (a citation that needed no repair).
normalize_cached = functools.lru_cache(maxsize=1 << 15)(normalize)

__all__ = [
    "KEY_VERSION",
    "host_to_ascii",
    "is_domain_like",
    "normalize",
    "normalize_cached",
    "normalize_target",
    "normalized_to_json",
    "public_suffix",
    "registrable_domain",
]
