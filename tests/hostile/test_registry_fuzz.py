"""Fuzz the registry loader: YAML from the registry's grammar plus hostile constructs.

The promise: a registry either loads or is refused with one line naming the
file (and line), exit 3; never a traceback, never a hang, the file untouched.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit import archiving
from audit.errors import RegistryError
from audit.registry import POLICY_FIELDS, RESOURCE_FIELDS, TOP_FIELDS, load_registry

HOSTILE_SCALARS = [
    ".inf",
    "-.inf",
    ".nan",
    "1e300",
    "-1e300",
    "0",
    "-1",
    "2.5",
    "99999999999999999999999",
    "2020-13-45",
    "2020-02-30",
    "2020-01-02",
    "2020-01-02T25:61:00",
    "0x1F",
    "0o17",
    "1_000",
    "~",
    "null",
    "true",
    "no",
    "''",
    '""',
    "[]",
    "{}",
    "!!binary aGVsbG8=",
    "!!str 12",
    "!!float nan",
    "!!int 12",
    "!!timestamp 2001-12-14",
    "!!python/object:os.system ls",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "'http://127.0.0.1/'",
    "http://[::1]/",
    "'---.ru'",
    "'\\u0455\\u0441\\u043e\\u0440\\u0435.com'",
    '"\\x00"',
    '"\\ud800"',
    "'a: b'",
    "|\n    block",
    "[1, [2, [3]]]",
    "{a: {b: c}}",
    "? [x]\n    : y",
    "*nothing",
    "&anchor value",
    "<<: {a: 1}",
]
_IDENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12)


def _scalar() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE_SCALARS),
        _IDENT,
        st.integers(-(10**30), 10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(max_size=20).map(lambda t: '"' + t.encode("unicode_escape").decode() + '"'),
    )


_KEYS = st.one_of(
    st.sampled_from(sorted(RESOURCE_FIELDS | POLICY_FIELDS | {"document", "line", "page"})),
    _IDENT,
    st.sampled_from(["1", "~", "[a]", "{a: b}", "2020-01-01", ".nan", "<<"]),
)


@st.composite
def _resource(draw: st.DrawFn) -> str:
    fields = {"id": draw(_IDENT), "name": draw(_scalar()), "url": draw(_scalar())}
    for key in draw(st.lists(_KEYS, max_size=5)):
        fields[key] = draw(_scalar())
    if draw(st.booleans()):
        fields["occurrences"] = (
            "["
            + ", ".join(
                f"{{document: {draw(_scalar())}, line: {draw(_scalar())}}}"
                for _ in range(draw(st.integers(0, 2)))
            )
            + "]"
        )
    return "\n".join(
        ("- " if i == 0 else "  ") + f"{k}: {v}".replace("\n", "\n    ")
        for i, (k, v) in enumerate(fields.items())
    )


@st.composite
def registry_text(draw: st.DrawFn) -> bytes:
    parts = []
    if draw(st.booleans()):
        parts.append(
            "defaults:\n"
            + "".join(f"  {k}: {draw(_scalar())}\n" for k in draw(st.lists(_KEYS, max_size=3)))
            if draw(st.booleans())
            else f"defaults: {draw(_scalar())}\n"
        )
    parts.append("resources:\n" + "\n".join(draw(st.lists(_resource(), max_size=4))) + "\n")
    if draw(st.booleans()):
        parts.append(f"webhooks: {draw(_scalar())}\n")
    if draw(st.booleans()):
        parts.append(f"archives: {{{draw(_IDENT)}: {draw(_scalar())}}}\n")
    if draw(st.booleans()):
        parts.append(f"{draw(st.sampled_from(sorted(TOP_FIELDS)) | _IDENT)}: {draw(_scalar())}\n")
    text = "".join(draw(st.permutations(parts)))
    hostile = draw(
        st.sampled_from(
            [
                None,
                "bomb",
                "recursive",
                "deep",
                "nul",
                "latin1",
                "bom",
                "tabs",
                "second-doc",
            ]
        )
    )
    if hostile == "bomb":
        text += "x: &a [l, l, l, l, l, l, l, l]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    elif hostile == "recursive":
        text += "x: &r [*r]\n"
    elif hostile == "deep":
        n = draw(st.sampled_from([70, 5000, 100_000]))
        text += "x: " + "[" * n + "]" * n + "\n"
    elif hostile == "second-doc":
        text += "---\nresources: []\n"
    data = text.encode("utf-8")
    if hostile == "nul":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    elif hostile == "latin1":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\xe9\xff" + data[at:]
    elif hostile == "bom":
        data = b"\xef\xbb\xbf" + data
    elif hostile == "tabs":
        data = data.replace(b"  ", b"\t", 1)
    return data


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=registry_text())
def test_loader_loads_or_refuses_with_a_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "resources.yaml"
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    try:
        registry = load_registry(path)
    except RegistryError as exc:
        message = str(exc)
        assert message.startswith(f"{path}"), message
        assert "\n" not in message, message
        assert exc.line is not None or "YAML error" in message or "registry file" in message, (
            message
        )
    else:
        # What loads must be usable by every step that reads it.
        archiving.archive_requests(registry.resources)
        for r in registry.resources:
            for value in (r.policy.timeout, r.policy.confirm_span_days):
                assert value is None or 0 < value <= 3650
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # untouched
