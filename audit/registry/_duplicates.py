"""Resources listed twice under one URL: reported, and checked once."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from audit.models import Resource
from audit.registry._parse import Registry

log = logging.getLogger(__name__)


def duplicate_urls(resources: Iterable[Resource]) -> list[tuple[Resource, ...]]:
    """Resources that share one URL (each group in registry order): checked once."""
    groups: dict[str, list[Resource]] = {}
    for r in resources:
        if r.url:
            groups.setdefault(r.url, []).append(r)
    return [tuple(g) for g in groups.values() if len(g) > 1]


def _warn_duplicates(registry: Registry) -> None:
    for group in duplicate_urls(registry.resources):
        first, *rest = group
        log.warning(
            "%s:%s: %s is listed under %d ids (%s): it is checked once",
            registry.path,
            rest[0].line,
            first.url,
            len(group),
            ", ".join(r.id for r in group),
        )
