"""`audit.toml`: every command-line option as a setting, the command line winning.

Found with `--config PATH`, or as `audit.toml` in the registry's folder. Top-level
keys apply to every command that has that option; a `[check]`, `[run]`, ... table
to that command only. Keys are the long option names (`per-host` or `per_host`).
Relative paths are relative to the file's folder, so a project moves as one.
"""

from __future__ import annotations

import argparse
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from audit.errors import InputError

CONFIG_NAME = "audit.toml"


def find_config(args: argparse.Namespace) -> Path | None:
    if getattr(args, "config", None):
        path = Path(args.config)
        if not path.is_file():
            raise InputError("no such settings file", path=str(path))
        return path
    registry = getattr(args, "registry", None) or Path("data/resources.yaml")
    candidate = Path(registry).parent / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", path=str(path)) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        # tomllib names the place only in its message: "(at line N, column M)"
        m = re.search(r"\(at line (\d+)", str(exc))
        line = int(m.group(1)) if m else max(1, text.count("\n"))
        message = re.sub(r"\s*\(at [^)]*\)", "", str(exc))
        raise InputError(f"not valid TOML: {message}", path=str(path), line=line) from None


def _line_of(text: str, key: str) -> int | None:
    spelled = re.escape(key).replace("_", "[-_]")
    m = re.search(
        rf"^[ \t]*(\[[ \t]*{spelled}[ \t]*\]|[\"']?{spelled}[\"']?[ \t]*=)", text, re.MULTILINE
    )
    return text.count("\n", 0, m.start()) + 1 if m else None


def defaults_for(
    command: str,
    *,
    parsers: dict[str, argparse.ArgumentParser],
    config: dict[str, Any],
    text: str,
    path: Path,
    given: argparse.Namespace,
) -> dict[str, Any]:
    """The settings for `command` as argparse defaults; InputError for an unknown one."""
    known_anywhere = {a.dest for p in parsers.values() for a in p._actions}
    actions = {a.dest: a for a in parsers[command]._actions}
    chosen: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            if key not in parsers:
                _fail(path, text, key, f"[{key}]: no such command")
            if key == command:
                for k, v in value.items():
                    dest = k.replace("-", "_")
                    if dest not in actions:
                        _fail(path, text, k, f"audit {command} has no option --{k}")
                    chosen[dest] = v
            continue
        dest = key.replace("-", "_")
        if dest not in known_anywhere:
            _fail(path, text, key, f"no command has an option --{key}")
        if dest in actions:
            chosen.setdefault(dest, value)
    out: dict[str, Any] = {}
    for dest, value in chosen.items():
        action = actions[dest]
        if dest in ("func", "help", "config") or action.default is argparse.SUPPRESS:
            _fail(path, text, dest, f"--{dest} cannot be set in a settings file")
        if isinstance(action, argparse._AppendAction) and getattr(given, dest, None):
            continue  # given on the command line: the command line's list wins
        try:
            out[dest] = _convert(action, value, path.parent)
        except (argparse.ArgumentTypeError, TypeError, ValueError, InputError) as exc:
            _fail(path, text, dest, f"{dest} = {value!r}: {exc}")
    return out


def _convert(action: argparse.Action, value: Any, base: Path) -> Any:
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
        if not isinstance(value, bool):
            raise TypeError("expected true or false")
        return value
    many = isinstance(action, argparse._AppendAction)
    values = value if many and isinstance(value, list) else [value]
    if many and not isinstance(value, list):
        raise TypeError("expected a list")
    converted = []
    for v in values:
        if isinstance(v, dict | list | bool) and not many:
            raise TypeError("expected a string or a number")
        item: Any = action.type(str(v)) if callable(action.type) else str(v)
        if isinstance(item, Path) and not item.is_absolute():
            item = Path(os.path.normpath(base / item))
        if action.choices is not None and item not in action.choices:
            raise ValueError(f"choose from {', '.join(map(str, action.choices))}")
        converted.append(item)
    return converted if many else converted[0]


def _fail(path: Path, text: str, key: str, message: str) -> None:
    raise InputError(message, path=str(path), line=_line_of(text, key))
