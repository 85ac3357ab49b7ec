"""Reading the registry's text and YAML safely: UTF-8, printable, no aliases, bounded depth.

Validation reads libyaml's event stream (_events.py) into lined values; editing
needs ruamel's round-trip tree, composed only after the event stream was checked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from audit.errors import RegistryError
from audit.registry._events import LinedList, LinedMap, check_events, read_lined


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap long names or URLs
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _read_round_trip(path: Path) -> Any:
    """The YAML document as ruamel's round-trip tree, to edit it (comments and order kept)."""
    return _parse_yaml(_read_text(path), path, round_trip=True)


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
