"""data/resources.yaml: load, validate, merge and save (round-trip, atomic).

The only module that reads or writes YAML. People edit the registry by hand,
so every error names the file and line, and every write keeps comments,
order and formatting (ruamel.yaml round-trip) and replaces the file
atomically: an interrupted write leaves the old file intact.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import io
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from audit import __version__, codec, urls
from audit._gc import gc_paused
from audit._registry_yaml import LinedList, LinedMap, check_events, read_lined
from audit.errors import RegistryError
from audit.models import (
    Citation,
    Location,
    Replacement,
    Resource,
    ResourcePolicy,
    Source,
    UrlKind,
)
from audit.overrides import parse_override

POLICY_FIELDS = frozenset(
    {
        "accept",
        "skip",
        "timeout",
        "confirm_checks",
        "confirm_span_days",
        "unreachable_checks",
        "unreachable_span_days",
    }
)
RESOURCE_FIELDS = POLICY_FIELDS | {
    "id",
    "name",
    "url",
    "display",
    "cited_as",
    "kind",
    "region",
    "source",
    "sources",
    "confirmed_by",
    "occurrences",
    "notes",
    "candidate",
    "cited_on",
    "override",
    "keep",
    "replaced_by",
}
TOP_FIELDS = frozenset({"defaults", "resources", "webhooks", "archives", "vantages"})
_PROXY_SCHEMES = ("http://", "https://", "socks5://", "socks5h://", "dns://")
log = logging.getLogger(__name__)
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# Finite ranges for every number: `timeout: .inf` would never end a check.
_LIMITS = {
    "timeout": 3600.0,
    "confirm_checks": 1000,
    "confirm_span_days": 3650.0,
    "unreachable_checks": 1000,
    "unreachable_span_days": 3650.0,
}


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


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap long names or URLs
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _read(path: Path, *, round_trip: bool = False) -> Any:
    """The YAML document: ruamel's round-trip tree to edit it, else a fast lined tree."""
    return _parse_yaml(_read_text(path), path, round_trip=round_trip)


# YAML 1.2 printable characters (tab, LF, CR, and no C0/C1 controls but NEL).
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RegistryError("registry file not found", path=str(path)) from None
    except OSError as exc:
        raise RegistryError(
            f"cannot read registry: {exc.strerror or exc}", path=str(path)
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RegistryError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be read (save the file as UTF-8)",
            path=str(path),
            line=line,
        ) from None
    bad = _UNPRINTABLE.search(text)
    if bad is not None:
        raise RegistryError(
            f"control character U+{ord(bad.group()):04X} is not allowed in YAML",
            path=str(path),
            line=text.count("\n", 0, bad.start()) + 1,
        )
    return text


def _parse_yaml(text: str, path: Path, *, round_trip: bool = False) -> Any:
    """Reading for validation goes through libyaml's event stream (_registry_yaml) and
    keeps only line numbers: the round-trip loader is ten times slower on a large registry.
    """
    try:
        if not round_trip:
            try:
                return read_lined(text, str(path))
            except MarkedYAMLError:
                pass  # libyaml refuses some valid YAML 1.2 (':' in flow scalars): ask ruamel
        check_events(text, str(path))  # ruamel composes recursively: no aliases, bounded depth
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        raise RegistryError(f"YAML syntax error: {what}", path=str(path), line=line) from None
    except YAMLError as exc:
        raise RegistryError(f"YAML error: {exc}", path=str(path)) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        line = _line_of_bad_value(text)
        raise RegistryError(f"cannot read a value: {exc}", path=str(path), line=line) from None


def _line_of_bad_value(text: str) -> int | None:
    """The line of the first scalar ruamel cannot construct (a date such as 2020-01-02T25:61)."""
    y = _yaml()
    try:
        nodes = [y.compose(text)]  # nodes carry their marks; nothing is constructed yet
    except (YAMLError, RecursionError):
        return None
    while nodes:
        node = nodes.pop()
        if isinstance(node.value, list):
            for child in node.value:
                nodes.extend(child if isinstance(child, tuple) else (child,))
            continue
        try:
            y.constructor.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError):
            return int(node.start_mark.line) + 1
        except YAMLError:
            continue
    return None


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


def remember(registry: Registry, cache: ParseCache) -> None:
    """Keep a validated registry in the cache, under the digest of its text."""
    if registry.digest:
        cache.put_cached("registry", registry.digest, codec.encode(registry))


def _line(node: Any, key: str | int | None = None) -> int | None:
    """1-based line of `node` (or of `key` inside it) as the loader recorded it."""
    try:
        if isinstance(node, LinedMap | LinedList):
            return node.line if key is None else node.lines[key]  # type: ignore[index]
        if key is None:
            return int(node.lc.line) + 1
        if isinstance(node, CommentedMap):
            return int(node.lc.key(key)[0]) + 1
        return int(node.lc.item(key)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


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


def _resource(item: Mapping[str, Any], p: str, line: int | None) -> Resource:
    for key in item:
        if key not in RESOURCE_FIELDS:
            raise RegistryError(f"unknown field {key!r} in resource", path=p, line=_line(item, key))
    for required in ("id", "name"):
        if not item.get(required):
            raise RegistryError(f"resource has no {required!r}", path=p, line=line)
    rid = str(item["id"])
    if not _ID.match(rid):
        raise RegistryError(
            f"id {rid!r} must be lower-case letters, digits, '.', '_' or '-'",
            path=p,
            line=_line(item, "id"),
        )
    if "url" not in item:
        raise RegistryError(
            f"resource {rid!r} has no 'url' (write 'url: null' for a resource "
            "named without an address)",
            path=p,
            line=line,
        )
    url = item["url"]
    display = item.get("display")
    cited_as = _opt_str(item.get("cited_as"))
    if url is not None:
        n = urls.normalize_cached(str(url))
        if n.kind is not UrlKind.WEB or n.url is None:
            raise RegistryError(
                f"url of {rid!r} is not a web address: {n.error or n.kind}",
                path=p,
                line=_line(item, "url"),
            )
        url, display = n.url, display or n.display
    policy = _policy(item, p, allow_skip=True)
    replaced = _replaced_by(item, p)
    if replaced is not None:
        # no longer checked: the old address's history stays as it was
        when = f" on {replaced.date}" if replaced.date else ""
        policy = replace(policy, skip=f"replaced by {replaced.url}{when}")
    return Resource(
        id=rid,
        name=str(item["name"]),
        url=url,
        cited_as=cited_as,
        display=_opt_str(display),
        kind=_opt_str(item.get("kind")),
        region=_opt_str(item.get("region")),
        sources=_sources(item, p),
        notes=_opt_str(item.get("notes")),
        policy=policy,
        candidate=bool(item.get("candidate", False)),
        cited_on=_cited_on(item, p),
        line=line,
        cited=urls.normalize_cached(cited_as) if cited_as else None,
        override=parse_override(item.get("override"), p, lambda key: _line(item, key)),
        keep=_flag(item, "keep", p),
        replaced_by=replaced,
    )


def _replaced_by(item: Mapping[str, Any], p: str) -> Replacement | None:
    """`replaced_by: URL` or `{url: URL, date: YYYY-MM-DD, source: TEXT}`."""
    value = item.get("replaced_by")
    if value is None:
        return None
    line = _line(item, "replaced_by")
    spec = value if isinstance(value, Mapping) else {"url": value}
    unknown = set(spec) - {"url", "date", "source"}
    if unknown or not isinstance(spec.get("url"), str):
        raise RegistryError(
            "replaced_by must be a URL or {url: URL, date: YYYY-MM-DD, source: TEXT}",
            path=p,
            line=line,
        )
    n = urls.normalize_cached(spec["url"])
    if n.kind is not UrlKind.WEB or n.url is None:
        raise RegistryError(
            f"replaced_by is not a web address: {n.error or n.kind}", path=p, line=line
        )
    when = spec.get("date")
    if when is not None:
        try:
            when = date.fromisoformat(str(when)).isoformat()
        except ValueError:
            raise RegistryError("replaced_by date must be YYYY-MM-DD", path=p, line=line) from None
    return Replacement(n.url, when, _opt_str(spec.get("source")))


def _successor(old: Resource) -> Resource:
    """The entry that checks an accepted replacement; the old one keeps its history."""
    assert old.replaced_by is not None
    return replace(
        old,
        id=f"{old.id}.new",
        url=old.replaced_by.url,
        display=None,
        policy=replace(old.policy, skip=None),
        replaced_by=None,
        replaces=old.id,
    )


def _flag(item: Mapping[str, Any], key: str, p: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise RegistryError(f"{key} must be true or false", path=p, line=_line(item, key))
    return value


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _sources(item: Mapping[str, Any], p: str) -> tuple[Source, ...]:
    raw: list[Any] = []
    for key in ("source", "sources", "occurrences"):
        value = item.get(key)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            if not isinstance(v, Mapping) or "document" not in v:
                raise RegistryError(
                    f"'{key}' entries need a 'document'", path=p, line=_line(item, key)
                )
            raw.append(v)
    return tuple(
        Source(
            document=str(v["document"]),
            line=_opt_int(v.get("line")),
            page=_opt_int(v.get("page")),
            section=_opt_str(v.get("section")),
        )
        for v in raw
    )


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _cited_on(item: Mapping[str, Any], p: str) -> str | None:
    value = item.get("cited_on")
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise RegistryError(
            "cited_on must be a date (YYYY-MM-DD)", path=p, line=_line(item, "cited_on")
        ) from None


def _policy(item: Mapping[str, Any], p: str, *, allow_skip: bool) -> ResourcePolicy:
    if not allow_skip:
        for key in item:
            if key not in POLICY_FIELDS - {"skip"}:
                raise RegistryError(
                    f"unknown field {key!r} in defaults",
                    path=p,
                    line=_line(item, key),
                )

    def number(key: str, kind: type) -> Any:
        value = item.get(key)
        if value is None:
            return None
        top = _LIMITS[key]
        whole = kind is int
        # `not (0 < value <= top)` also refuses nan; inf and 1e300 exceed `top`.
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (0 < value <= top)
            or (whole and value != int(value))
        ):
            what = "a whole number" if whole else "a number"
            raise RegistryError(
                f"{key} must be {what} above 0 and at most {top:g}, not {value!r}",
                path=p,
                line=_line(item, key),
            )
        return kind(value)

    accept = item.get("accept") or []
    if not isinstance(accept, list) or not all(
        isinstance(a, int) and 100 <= a <= 999 for a in accept
    ):
        raise RegistryError(
            "accept must be a list of HTTP status codes",
            path=p,
            line=_line(item, "accept"),
        )
    skip = item.get("skip")
    return ResourcePolicy(
        accept=frozenset(accept),
        skip=None
        if skip in (None, False)
        else ("excluded in the registry" if skip is True else str(skip)),
        timeout=number("timeout", float),
        confirm_checks=number("confirm_checks", int),
        confirm_span_days=number("confirm_span_days", float),
        unreachable_checks=number("unreachable_checks", int),
        unreachable_span_days=number("unreachable_span_days", float),
    )


# --------------------------------------------------------------------------
# Merging extracted citations


class CitedResource(Protocol):
    """What the extraction step hands over: one resource per dedup key."""

    @property
    def key(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def display(self) -> str | None: ...
    @property
    def context(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def occurrences(self) -> Sequence[Citation]: ...


class NamedCandidate(Protocol):
    """An organisation the document names without an address (`extract --names`)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def source(self) -> str: ...
    @property
    def location(self) -> Location: ...
    @property
    def section(self) -> str | None: ...
    @property
    def snippet(self) -> str: ...
    @property
    def nearby_url(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class MergeReport:
    added: tuple[str, ...] = ()  # ids of new resources
    updated: tuple[str, ...] = ()  # ids that gained occurrences
    unchanged: tuple[str, ...] = ()
    text: str = field(default="", repr=False)  # the new file content


def merge_into(
    path: Path,
    cited: Iterable[CitedResource],
    names: Iterable[NamedCandidate] = (),
    *,
    dry_run: bool = False,
) -> MergeReport:
    """Merge extracted resources into the registry at `path` (created if missing).

    Existing resources (same dedup key) gain the occurrences they lack; new
    ones get generated ids. Hand edits, comments and order are kept.
    """
    doc = _read(path, round_trip=True) if path.exists() else None
    if doc is None:
        doc = CommentedMap()
    registry = parse_registry(doc, path)  # refuse to merge into an invalid file
    if "resources" not in doc or doc["resources"] is None:
        doc["resources"] = CommentedSeq()
    items: CommentedSeq = doc["resources"]
    by_key: dict[str, CommentedMap] = {}
    # the entries that check an accepted replacement (`replaced_by`) have no item of their own
    entries = [r for r in registry.resources if r.replaces is None]
    for item, resource in zip(items, entries, strict=True):
        if resource.url:
            by_key[urls.normalize(resource.url).key or resource.url] = item
        if resource.replaced_by:  # a citation of the new address belongs to the old entry
            new = resource.replaced_by.url
            by_key.setdefault(urls.normalize(new).key or new, item)
    ids = {r.id for r in registry.resources}
    names_seen = {r.name.casefold() for r in registry.resources}
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for res in cited:
        item = by_key.get(res.key)
        if item is None:
            rid = _new_id(res.url or res.key, ids)
            first = res.occurrences[0]
            entry = CommentedMap()
            entry["id"] = rid
            entry["name"] = res.context or (res.display or res.url or rid)
            if res.region:
                entry["region"] = res.region
            entry["cited_as"] = first.raw
            entry["url"] = res.url
            if res.display and res.display != res.url:
                entry["display"] = res.display
            entry["occurrences"] = CommentedSeq([_occurrence(c) for c in res.occurrences])
            items.append(entry)
            by_key[res.key] = entry
            added.append(rid)
            continue
        known = {(o.get("document"), o.get("line")) for o in _occurrence_maps(item)}
        fresh = [c for c in res.occurrences if (c.source, c.location.line) not in known]
        if not fresh:
            unchanged.append(str(item["id"]))
            continue
        if "occurrences" not in item:
            item["occurrences"] = CommentedSeq()
        for c in fresh:
            item["occurrences"].append(_occurrence(c))
        updated.append(str(item["id"]))
    # A hand-made entry is known by its name, and by its cited text and notes too
    # (`cited_as: "Ministry of Education"` under `name: Minobr`).
    for r in registry.resources:
        for text in (r.cited_as, r.display):
            if text:
                names_seen.add(text.casefold())
    for cand in names:
        if cand.name.casefold() in names_seen or _named_in(cand.name, registry):
            continue
        if cand.nearby_url and urls.normalize(cand.nearby_url).key in by_key:
            continue  # named next to an address we already hold: not a URL-less resource
        names_seen.add(cand.name.casefold())
        rid = _new_id(cand.name, ids)
        entry = CommentedMap()
        entry["id"] = rid
        entry["name"] = cand.name
        if cand.kind:
            entry["kind"] = cand.kind
        if cand.region:
            entry["region"] = cand.region
        if cand.snippet:
            entry["cited_as"] = cand.snippet
        entry["url"] = None
        entry["candidate"] = True  # proposed by the tool: a human confirms or deletes it
        entry["source"] = CommentedMap(
            [
                (k, v)
                for k, v in (
                    ("document", cand.source),
                    ("page", cand.location.page),
                    ("line", cand.location.line),
                    ("section", cand.section),
                )
                if v is not None
            ]
        )
        items.append(entry)
        added.append(rid)
    text = _dump(doc)
    parse_registry(_yaml().load(text), path)  # never write what we could not read back
    if not dry_run and (added or updated or not path.exists()):
        write_atomic(path, text)
    return MergeReport(tuple(added), tuple(updated), tuple(unchanged), text)


def _named_in(name: str, registry: Registry) -> bool:
    """`name` is already a hand-made entry: one whose name or cited text holds it, or
    whose name it holds (`Ministry of Education` / `the Ministry of Education of X`)."""
    folded = " ".join(name.casefold().split())
    for r in registry.resources:
        for text in (r.name, r.cited_as or ""):
            known = " ".join(text.casefold().split())
            if len(folded) >= 8 and (
                folded in known or (len(known.split()) >= 3 and known in folded)
            ):
                return True
    return False


def _occurrence_maps(item: CommentedMap) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for key in ("source", "sources", "occurrences"):
        value = item.get(key)
        if isinstance(value, Mapping):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, Mapping))
    return out


def _occurrence(c: Citation) -> CommentedMap:
    """One occurrence, written on one line: `{document: ..., line: 99, cited_as: "..."}`."""
    m = CommentedMap()
    for k, v in (
        ("document", c.source),
        ("page", c.location.page),
        ("line", c.location.line),
        ("section", c.section),
        ("cited_as", c.raw),
    ):
        # Strings are quoted: YAML 1.1 readers (libyaml) refuse a ':' in a plain flow scalar.
        if isinstance(v, str):
            m[k] = DoubleQuotedScalarString(v)
        elif v is not None:
            m[k] = v
    m.fa.set_flow_style()
    return m


def _new_id(seed: str, taken: set[str]) -> str:
    """A readable, unique id: the host and path of a URL, or a name, transliterated."""
    n = urls.normalize(seed)
    text = n.display if n.display and " " not in seed else seed
    text = re.sub(r"^[a-z]+://(www\.)?", "", text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", text.translate(_TRANSLIT)).strip("-")[:48].strip("-")
    slug = slug or "resource"
    rid, number = slug, 2
    while rid in taken:
        rid, number = f"{slug}-{number}", number + 1
    taken.add(rid)
    return rid


_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)


def _dump(doc: Any) -> str:
    buf = io.StringIO()
    y = _yaml()
    # `url: null` is how the registry spells "no address": a merge writes it back so,
    # not as an empty `url:` (which ruamel would emit for every untouched entry).
    y.representer.add_representer(type(None), _represent_null)
    y.dump(doc, buf)
    return buf.getvalue()


def _represent_null(representer: Any, _data: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename over the target.

    The temporary file is locked while it is written: one left by a killed
    writer (its lock died with it) is removed by the next write.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o777)
            os.replace(tmp, path)  # still locked: a concurrent cleaner never takes it
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _remove_stale_temporaries(path: Path) -> None:
    """Delete `.<name>.*.tmp` files beside `path` whose writer is gone (lock free)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            fd = os.open(stale, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a live writer holds it
        else:
            with contextlib.suppress(OSError):
                os.unlink(stale)
                log.info("removed %s, left by an interrupted write", stale)
        finally:
            os.close(fd)
