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
    # a key of an inline table ({X-Token = ...}) is not at the start of its line
    m = m or re.search(rf"[{{,][ \t]*[\"']?{spelled}[\"']?[ \t]*=", text)
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
        if key == "hosts" and parsers[command].get_default("host_headers") is not None:
            chosen["host_headers"] = _hosts(value, path, text)
            continue
        if key == "hosts":
            continue
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
    if "host_headers" in chosen:
        out["host_headers"] = chosen.pop("host_headers")
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


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _hosts(
    table: Any, path: Path, text: str
) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """`[hosts."name"]` tables: headers and cookies, `${VAR}` taken from the environment.

    Secrets stay out of the file (and of reports and the store: only requests carry them).
    """
    if not isinstance(table, dict):
        _fail(path, text, "hosts", 'hosts must be a table of [hosts."name"] tables')
    out = []
    for host, spec in table.items():
        if not isinstance(spec, dict) or set(spec) - {"headers", "cookies"}:
            _fail(path, text, host, f"hosts.{host}: only headers = {{...}} and cookies = {{...}}")
        headers: list[tuple[str, str]] = []
        for kind in ("headers", "cookies"):
            values = spec.get(kind, {})
            if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
                _fail(path, text, kind, f"hosts.{host}.{kind}: a table of strings")
            expanded = {k: _expand(v, path, text, k) for k, v in values.items()}
            if kind == "headers":
                headers += list(expanded.items())
            elif expanded:
                headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in expanded.items())))
        out.append((host.lower(), tuple(headers)))
    return tuple(out)


def _expand(value: str, path: Path, text: str, key: str) -> str:
    def var(m: re.Match[str]) -> str:
        if m.group(1) not in os.environ:
            _fail(path, text, key, f"{key}: the environment has no {m.group(1)}")
        return os.environ[m.group(1)]

    expanded = _VAR.sub(var, value)
    if any(c in expanded for c in "\r\n\0"):
        _fail(path, text, key, f"{key}: a header value cannot hold line breaks")
    return expanded


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
