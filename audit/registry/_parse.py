"""A loaded YAML document into a Registry: top-level fields, resources, vantages (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit import urls
from audit.errors import RegistryError
from audit.models import Resource, ResourcePolicy
from audit.registry._read import _line
from audit.registry._resource import _policy, _resource, _successor

TOP_FIELDS = frozenset({"defaults", "resources", "webhooks", "archives", "vantages"})
_PROXY_SCHEMES = ("http://", "https://", "socks5://", "socks5h://", "dns://")


@dataclass(frozen=True, slots=True)
class Registry:
    path: Path
    resources: tuple[Resource, ...]
    defaults: ResourcePolicy = ResourcePolicy()
    webhooks: tuple[str, ...] = ()
    memento_archives: tuple[tuple[str, str], ...] = ()  # (name, TimeMap base URL)
    # `vantages:` as (name, proxy URL or "direct"), primary first; --vantage replaces them
    vantage_specs: tuple[tuple[str, str], ...] = ()
    digest: str = ""  # of the text it was read from (and the parser's version)

    def find(self, ref: str) -> Resource | None:
        """A resource by id, or by its URL in any spelling the repair engine accepts."""
        for r in self.resources:
            if r.id == ref:
                return r
        key = urls.normalize(ref).key
        return next(
            (r for r in self.resources if r.url and urls.normalize_cached(r.url).key == key), None
        )


def parse_registry(doc: Any, path: Path) -> Registry:
    """Validate a loaded YAML document into a Registry (pure apart from messages)."""
    p = str(path)
    if doc is None:
        return Registry(path, ())
    if not isinstance(doc, Mapping):
        raise RegistryError(
            "the registry must be a mapping with a 'resources' list", path=p, line=_line(doc)
        )
    for key in doc:
        if key not in TOP_FIELDS:
            raise RegistryError(
                f"unknown top-level field {key!r} (known: {', '.join(sorted(TOP_FIELDS))})",
                path=p,
                line=_line(doc, key),
            )
    raw_defaults = doc.get("defaults") or {}
    if not isinstance(raw_defaults, Mapping):
        raise RegistryError("'defaults' must be a mapping", path=p, line=_line(doc, "defaults"))
    defaults = _policy(raw_defaults, p, allow_skip=False)
    items = doc.get("resources") or []
    if not isinstance(items, list):
        raise RegistryError("'resources' must be a list", path=p, line=_line(doc, "resources"))
    seen: dict[str, int | None] = {}
    resources = []
    for index, item in enumerate(items):
        line = _line(items, index)
        if not isinstance(item, Mapping):
            raise RegistryError("each resource must be a mapping", path=p, line=line)
        resource = _resource(item, p, line)
        if resource.id in seen:
            raise RegistryError(
                f"duplicate id {resource.id!r} (first at line {seen[resource.id]})",
                path=p,
                line=_line(item, "id"),
            )
        seen[resource.id] = _line(item, "id")
        resources.append(resource)
        if resource.replaced_by is not None:
            successor = _successor(resource)
            if successor.id in seen:
                raise RegistryError(
                    f"id {successor.id!r} is taken: it names the entry replacing {resource.id!r}",
                    path=p,
                    line=seen[successor.id],
                )
            seen[successor.id] = _line(item, "replaced_by")
            resources.append(successor)
    hooks = doc.get("webhooks") or []
    if not isinstance(hooks, list) or not all(isinstance(h, str) for h in hooks):
        raise RegistryError(
            "'webhooks' must be a list of URLs", path=p, line=_line(doc, "webhooks")
        )
    archives = doc.get("archives") or {}
    if not isinstance(archives, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in archives.items()
    ):
        raise RegistryError(
            "'archives' must map archive names to TimeMap URLs", path=p, line=_line(doc, "archives")
        )
    return Registry(
        path,
        tuple(resources),
        defaults,
        tuple(hooks),
        tuple((str(k), str(v)) for k, v in archives.items()),
        _vantages(doc, p),
    )


def _vantages(doc: Mapping[str, Any], p: str) -> tuple[tuple[str, str], ...]:
    """`vantages:` entries, `{name: eu, url: socks5h://host:1080}` or `eu=URL` / `ru=direct`."""
    items = doc.get("vantages") or []
    if not isinstance(items, list):
        raise RegistryError(
            "'vantages' must be a list of {name, url}", path=p, line=_line(doc, "vantages")
        )
    out: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        line = _line(items, index)
        if isinstance(item, str):
            name, _, url = item.partition("=")
        elif isinstance(item, Mapping) and set(item) <= {"name", "url"}:
            name, url = str(item.get("name") or ""), str(item.get("url") or "")
        else:
            raise RegistryError("a vantage is {name, url} or NAME=URL", path=p, line=line)
        name, url = name.strip(), url.strip()
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", name):
            raise RegistryError(
                f"vantage name {name!r}: letters, digits, '-', '_', '.'", path=p, line=line
            )
        if url != "direct" and not url.startswith(_PROXY_SCHEMES):
            raise RegistryError(
                f"vantage {name!r}: url {url!r} must be 'direct', dns://HOST:PORT or an "
                "http://, https://, socks5:// or socks5h:// proxy",
                path=p,
                line=line,
            )
        if any(n == name for n, _ in out):
            raise RegistryError(f"vantage {name!r} is named twice", path=p, line=line)
        out.append((name, url))
    return tuple(out)
