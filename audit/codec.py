"""A small codec between the frozen dataclasses of the vocabulary and JSON.

Used by the store (observations, snapshots) and the registry's parse cache.
Unknown keys are ignored and missing ones take their defaults, so old rows read
under a newer schema of the dataclasses.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def to_jsonable(value: Any, *, compact: bool = False) -> Any:
    """A JSON-ready copy of `value`; `compact` leaves out fields at their default.

    Compact output decodes to the same value only under the same defaults: use it
    for data keyed by the code's version (a cache), not for the history.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if not (compact and v == f.default):
                out[f.name] = to_jsonable(v, compact=compact)
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return ts(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [to_jsonable(v, compact=compact) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(to_jsonable(v, compact=compact) for v in value)
    return value


def from_jsonable(cls: type[T], data: Any) -> T:
    return typing.cast(T, None if data is None else _decoder(typing.cast(Any, cls))(data))


@functools.cache
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """A function that decodes a (non-null) JSON value into `tp`, built once per type.

    Walking the type hints for every value cost more than the JSON parse itself on a
    large history: the walk is done once, here, and the returned closures only convert.
    """
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _optional(_decoder(options[0])) if len(options) == 1 else _same
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return tuple if item is _same else lambda data: tuple(map(item, data))
        items = tuple(_decoder(a) for a in args)
        if all(f is _same for f in items):
            return tuple
        return lambda data: tuple(f(v) for f, v in zip(items, data, strict=False))
    if origin is frozenset:
        (arg,) = typing.get_args(tp)
        member = _decoder(arg)
        return lambda data: frozenset(map(member, data))
    if origin is dict:
        return dict
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return typing.cast(Callable[[Any], Any], tp)
    if tp is datetime:
        return datetime.fromisoformat
    if tp is Path:
        return Path
    return _same


def _dataclass_decoder(cls: type) -> Callable[[Any], Any]:
    hints = typing.get_type_hints(cls)
    fields: dict[str, Callable[[Any], Any] | None] = {}
    for f in dataclasses.fields(cls):
        if f.init:
            d = _decoder(hints[f.name])
            fields[f.name] = None if d is _same else d  # plain values need no call

    def decode(data: dict[str, Any]) -> Any:
        kwargs = {}
        for k, v in data.items():
            if k in fields:  # unknown keys (a newer schema's) are ignored
                f = fields[k]
                kwargs[k] = v if f is None or v is None else f(v)
        return cls(**kwargs)

    return decode


def _same(data: Any) -> Any:
    return data


def _optional(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda data: None if data is None else f(data)


def ts(value: datetime) -> str:
    """The stored form of a timestamp (milliseconds are plenty for checks)."""
    return value.isoformat(timespec="milliseconds")
