"""data/resources.yaml: load, validate, merge and save (round-trip, atomic).

The only package that reads or writes YAML. People edit the registry by hand,
so every error names the file and line, and every write keeps comments,
order and formatting (ruamel.yaml round-trip) and replaces the file
atomically: an interrupted write leaves the old file intact.

In pipeline order: _read (text and YAML, safely; _events reads libyaml's
event stream), _resource and _parse (a document into a Registry), _duplicates,
_load (with the parse cache), _merge and _ids (extracted citations in), _write.
"""

from audit.registry._duplicates import duplicate_urls
from audit.registry._load import ParseCache, load_registry, remember
from audit.registry._merge import CitedResource, MergeReport, NamedCandidate, merge_into
from audit.registry._parse import TOP_FIELDS, Registry, parse_registry
from audit.registry._resource import POLICY_FIELDS, RESOURCE_FIELDS
from audit.registry._write import write_atomic

__all__ = [
    "POLICY_FIELDS",
    "RESOURCE_FIELDS",
    "TOP_FIELDS",
    "CitedResource",
    "MergeReport",
    "NamedCandidate",
    "ParseCache",
    "Registry",
    "duplicate_urls",
    "load_registry",
    "merge_into",
    "parse_registry",
    "remember",
    "write_atomic",
]
