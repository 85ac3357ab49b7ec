"""Merging extracted citations (and named, address-less candidates) into the registry file.

Existing resources (same dedup key) gain the occurrences they lack; new ones get
generated ids. The round-trip tree keeps hand edits, comments and order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from audit import urls
from audit.models import Citation, Location
from audit.registry._ids import _new_id
from audit.registry._parse import Registry, parse_registry
from audit.registry._read import _read_round_trip, _yaml
from audit.registry._write import _dump, write_atomic


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
    doc = _read_round_trip(path) if path.exists() else None
    if doc is None:
        doc = CommentedMap()
    registry = parse_registry(doc, path)  # refuse to merge into an invalid file
    if "resources" not in doc or doc["resources"] is None:
        doc["resources"] = CommentedSeq()
    items: CommentedSeq = doc["resources"]
    by_key = _by_key(items, registry)
    ids = {r.id for r in registry.resources}
    names_seen = {r.name.casefold() for r in registry.resources}
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for res in cited:
        item = by_key.get(res.key)
        if item is None:
            rid = _new_id(res.url or res.key, ids)
            entry = _cited_entry(res, rid)
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
    # A hand-made entry is known by its name, and by its cited and display text too
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
        items.append(_candidate_entry(cand, rid))
        added.append(rid)
    text = _dump(doc)
    parse_registry(_yaml().load(text), path)  # never write what we could not read back
    if not dry_run and (added or updated or not path.exists()):
        write_atomic(path, text)
    return MergeReport(tuple(added), tuple(updated), tuple(unchanged), text)


def _by_key(items: CommentedSeq, registry: Registry) -> dict[str, CommentedMap]:
    """The registry's items by the dedup key of their URL (and of their replacement's)."""
    by_key: dict[str, CommentedMap] = {}
    # the entries that check an accepted replacement (`replaced_by`) have no item of their own
    entries = [r for r in registry.resources if r.replaces is None]
    for item, resource in zip(items, entries, strict=True):
        if resource.url:
            by_key[urls.normalize(resource.url).key or resource.url] = item
        if resource.replaced_by:  # a citation of the new address belongs to the old entry
            new = resource.replaced_by.url
            by_key.setdefault(urls.normalize(new).key or new, item)
    return by_key


def _cited_entry(res: CitedResource, rid: str) -> CommentedMap:
    """A new resource for an address the registry does not hold yet."""
    entry = CommentedMap()
    entry["id"] = rid
    entry["name"] = res.context or (res.display or res.url or rid)
    if res.region:
        entry["region"] = res.region
    entry["cited_as"] = res.occurrences[0].raw
    entry["url"] = res.url
    if res.display and res.display != res.url:
        entry["display"] = res.display
    entry["occurrences"] = CommentedSeq([_occurrence(c) for c in res.occurrences])
    return entry


def _candidate_entry(cand: NamedCandidate, rid: str) -> CommentedMap:
    """A URL-less resource for an organisation the document names (`url: null`)."""
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
    return entry


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
