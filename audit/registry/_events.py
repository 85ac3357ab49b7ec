"""The registry's YAML, read into plain lined values in one pass over libyaml's events.

A hand-edited file is untrusted input. Composing it into a node graph first
lets a billion-laughs alias bomb expand on the walk, a self-referencing alias
recurse forever, and 200,000 nested brackets crash libyaml's C composer
(recursive in C: a segmentation fault, not an exception). Reading the event
stream instead keeps the nesting depth in our hands, refuses aliases (a
registry has no use for them, and refusing beats limiting), and names the
line of every refused construct. It is also cheaper than composing.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import ScalarNode

from audit.errors import RegistryError

MAX_DEPTH = 64  # a registry nests 4-5 deep; this leaves room and bounds the stack


class LinedMap(dict[Any, Any]):
    """A mapping that remembers the 1-based line of itself and of each key."""

    line: int
    lines: dict[Any, int]


class LinedList(list[Any]):
    """A sequence that remembers the 1-based line of itself and of each item."""

    line: int
    lines: list[int]


def _line(event: Event) -> int:
    return int(event.start_mark.line) + 1


class _Reader:
    def __init__(self, path: str) -> None:
        self._path = path
        self._yaml = YAML(typ="safe", pure=False)

    def fail(self, message: str, event: Event) -> RegistryError:
        return RegistryError(message, path=self._path, line=_line(event))

    def read(self, text: str) -> Any:
        """The single document of `text` (None if empty)."""
        doc: Any = None
        stack: list[tuple[LinedMap | LinedList, Any]] = []  # (container, pending key)
        documents = 0
        pending_key_event: Event | None = None
        for event in self._yaml.parse(text):
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.fail("the registry must be a single YAML document", event)
                continue
            if isinstance(event, AliasEvent):
                raise self.fail("YAML aliases (*name) are not allowed in the registry", event)
            if isinstance(event, MappingEndEvent | SequenceEndEvent):
                container, _ = stack.pop()
                if not stack:
                    doc = container
                continue
            if isinstance(event, MappingStartEvent | SequenceStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(f"nested more than {MAX_DEPTH} levels deep", event)
                new: LinedMap | LinedList
                if isinstance(event, MappingStartEvent):
                    new = LinedMap()
                    new.lines = {}
                else:
                    new = LinedList()
                    new.lines = []
                new.line = _line(event)
                if stack and isinstance(stack[-1][0], LinedMap) and stack[-1][1] is _NO_KEY:
                    raise self.fail("mapping keys must be plain values, not lists or maps", event)
                self._attach(stack, new, event, pending_key_event)
                stack.append((new, _NO_KEY))
                continue
            if isinstance(event, ScalarEvent):
                value = self._scalar(event)
                if not stack:
                    doc = value
                    continue
                parent, key = stack[-1]
                if isinstance(parent, LinedMap) and key is _NO_KEY:
                    try:
                        hash(value)
                    except TypeError:
                        raise self.fail("mapping keys must be plain values", event) from None
                    if value in parent:
                        raise self.fail(f"duplicate key {value!r}", event)
                    stack[-1] = (parent, value)
                    pending_key_event = event
                    continue
                self._attach(stack, value, event, pending_key_event)
        return doc

    @staticmethod
    def _attach(
        stack: list[tuple[LinedMap | LinedList, Any]],
        value: Any,
        event: Event,
        key_event: Event | None,
    ) -> None:
        """Put a finished value into the container on top of the stack (if any)."""
        if not stack:
            return
        parent, key = stack[-1]
        if isinstance(parent, LinedList):
            parent.append(value)
            parent.lines.append(_line(event))
        else:
            parent[key] = value
            parent.lines[key] = _line(key_event) if key_event is not None else _line(event)
            stack[-1] = (parent, _NO_KEY)

    def _scalar(self, event: ScalarEvent) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self._yaml.resolver.resolve(ScalarNode, event.value, event.implicit)
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self._yaml.constructor.construct_object(node, deep=True)
        except MarkedYAMLError:
            raise
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            raise self.fail(f"cannot read {event.value[:80]!r}: {exc}", event) from None


class _NoKey:
    def __repr__(self) -> str:
        return "<no key>"


_NO_KEY: Any = _NoKey()


def read_lined(text: str, path: str) -> Any:
    """`text` as LinedMap/LinedList/scalars; RegistryError names the line of anything refused.

    Raises MarkedYAMLError for what libyaml cannot parse (the caller may try ruamel).
    """
    return _Reader(path).read(text)


def check_events(text: str, path: str) -> None:
    """Refuse aliases and deep nesting before ruamel's (recursive) round-trip composer runs."""
    depth = 0
    y = YAML(typ="rt")
    try:
        for event in y.parse(text):
            if isinstance(event, AliasEvent):
                raise RegistryError(
                    "YAML aliases (*name) are not allowed in the registry",
                    path=path,
                    line=_line(event),
                )
            if isinstance(event, MappingStartEvent | SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise RegistryError(
                        f"nested more than {MAX_DEPTH} levels deep", path=path, line=_line(event)
                    )
            elif isinstance(event, MappingEndEvent | SequenceEndEvent):
                depth -= 1
    except YAMLError:
        return  # the composer reports syntax errors itself, with their line
