"""Repair and normalise cited URLs, explaining every repair (`audit normalize`).

Public API:
- `normalize(text) -> Normalized`: never raises; errors are data.
- `normalized_to_json(n) -> dict`: the DESIGN.md `audit normalize --format json` object.
- `KEY_VERSION`: prefix of every `key` (bump when the key derivation changes).
- `is_domain_like(host)`, `registrable_domain(host)`, `public_suffix(host)`:
  Public Suffix List helpers for extraction (offline, bundled snapshot).
- `host_to_ascii(host)`: IDNA per label (None when invalid).
"""

from __future__ import annotations

from .host import convert_host, is_domain_like, public_suffix, registrable_domain
from .keys import KEY_VERSION
from .normalize import normalize, normalized_to_json


def host_to_ascii(host: str) -> str | None:
    """The A-label form of a host (repairs such as a trailing dot applied), or None."""
    return convert_host(host).ascii


__all__ = [
    "KEY_VERSION",
    "host_to_ascii",
    "is_domain_like",
    "normalize",
    "normalized_to_json",
    "public_suffix",
    "registrable_domain",
]
