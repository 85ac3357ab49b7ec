"""One `resources:` entry (or `defaults:`) into a Resource: fields, policy, sources, successor."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from audit import urls
from audit.errors import RegistryError
from audit.models import Replacement, Resource, ResourcePolicy, Source, UrlKind
from audit.overrides import parse_override
from audit.registry._read import _line

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
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# Finite ranges for every number: `timeout: .inf` would never end a check.
_LIMITS = {
    "timeout": 3600.0,
    "confirm_checks": 1000,
    "confirm_span_days": 3650.0,
    "unreachable_checks": 1000,
    "unreachable_span_days": 3650.0,
}


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
