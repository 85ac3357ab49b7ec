"""JSON for the frozen dataclasses of the vocabulary: the store's rows, the registry cache.

msgspec decodes straight into the typed dataclasses, about five times faster than
`json` plus a walk over the type hints on a 20,000-observation history. Unknown
keys are ignored and missing ones take their defaults, so rows written under an
older or newer schema of the dataclasses still read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

DecodeError = msgspec.DecodeError  # bad JSON, or JSON that does not fit the type


def _enc_hook(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


def _dec_hook(tp: type, value: Any) -> Any:
    if tp is Path and isinstance(value, str):
        return Path(value)
    if tp is object:  # an opaque field (CheckTarget.key): the JSON value as it is
        return value
    raise NotImplementedError(f"cannot decode {tp!r}")


_ENCODER = msgspec.json.Encoder(enc_hook=_enc_hook)


def encode(value: object) -> str:
    """`value` (dataclasses, enums, datetimes, paths, containers) as JSON text."""
    return _ENCODER.encode(value).decode("utf-8")


def encode_bytes(value: object) -> bytes:
    """`encode` as UTF-8 bytes, for pipes and files."""
    return _ENCODER.encode(value)


def decode(cls: type[T], text: str | bytes) -> T:
    """JSON text as a `cls`; DecodeError when it is not one."""
    return msgspec.json.decode(text, type=cls, dec_hook=_dec_hook)


def decoder(spec: Any) -> Callable[[str | bytes], Any]:
    """A reusable decoder for `spec`, which may be a union such as `tuple[...] | Summary`
    (one array-like and one object-like type): faster than `decode` in a loop."""
    return msgspec.json.Decoder(spec, dec_hook=_dec_hook).decode
