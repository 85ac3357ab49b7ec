"""load_registry: the file's text, validated into a Registry, or taken from the parse cache."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from audit import __version__, codec, urls
from audit._gc import gc_paused
from audit.registry._duplicates import _warn_duplicates
from audit.registry._parse import Registry, parse_registry
from audit.registry._read import _parse_yaml, _read_text


class ParseCache(Protocol):
    """Where a validated registry can be kept between runs (the store)."""

    def cached(self, kind: str, digest: str) -> str | None: ...
    def put_cached(self, kind: str, digest: str, data: str) -> None: ...


# Bump when parsing, validation or the repair engine (urls) change what a registry text
# turns into; a release bumps __version__, which is part of the digest too.
_CACHE_FORMAT = "registry-4"  # 4: vantages


@gc_paused
def load_registry(path: Path, cache: ParseCache | None = None) -> Registry:
    """Read and validate the registry; RegistryError names the file and line.

    With a cache, an unchanged registry text is not parsed again: composing a large
    YAML file is most of an unchanged re-run's cost. Only valid registries are kept,
    under a digest of the exact text and of the parser's version.
    """
    text = _read_text(path)
    digest = hashlib.sha256(
        f"{_CACHE_FORMAT}\0{__version__}\0{urls.KEY_VERSION}\0{text}".encode()
    ).hexdigest()
    hit = cache.cached("registry", digest) if cache else None
    if hit is not None:
        with contextlib.suppress(codec.DecodeError):
            cached = replace(codec.decode(Registry, hit), path=path)
            _warn_duplicates(cached)
            return cached
    registry = replace(parse_registry(_parse_yaml(text, path), path), digest=digest)
    if cache:
        remember(registry, cache)
    _warn_duplicates(registry)
    return registry


def remember(registry: Registry, cache: ParseCache) -> None:
    """Keep a validated registry in the cache, under the digest of its text."""
    if registry.digest:
        cache.put_cached("registry", registry.digest, codec.encode(registry))
