"""A person's word over the judge's: `override:` in the registry (pure).

    override: {verdict: alive, reason: "works in a browser; bot wall", until: 2027-06-30}

The judge's own verdict stays in the reason, so a report shows both; past
`until` the override lapses and the judge speaks again (and the report says so
by no longer marking it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from audit.errors import RegistryError
from audit.models import Judgement, Override, Verdict

OVERRIDE_PREFIX = "set by hand"


def parse_override(
    value: object, path: str, line_of: Callable[[str], int | None]
) -> Override | None:
    """The `override:` mapping of a resource, validated; RegistryError naming the line."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise RegistryError(
            "override must be a mapping: {verdict: ..., reason: ..., until: YYYY-MM-DD}",
            path=path,
            line=line_of("override"),
        )
    item: Mapping[str, Any] = value
    unknown = set(item) - {"verdict", "reason", "until"}
    if unknown:
        raise RegistryError(
            f"unknown field {sorted(unknown)[0]!r} in override", path=path, line=line_of("override")
        )
    verdicts = {v.value: v for v in Verdict}
    verdict = verdicts.get(str(item.get("verdict")))
    if verdict is None:
        raise RegistryError(
            f"override verdict must be one of {', '.join(verdicts)}",
            path=path,
            line=line_of("override"),
        )
    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise RegistryError(
            "override needs a reason (who decided, and why)", path=path, line=line_of("override")
        )
    until = item.get("until")
    if until is not None:
        try:
            until = date.fromisoformat(str(until))
        except ValueError:
            raise RegistryError(
                "override until must be a date (YYYY-MM-DD)", path=path, line=line_of("override")
            ) from None
    return Override(verdict=verdict, reason=reason.strip(), until=until)


def in_force(override: Override | None, today: date) -> bool:
    return override is not None and (override.until is None or today <= override.until)


def apply_override(judgement: Judgement, override: Override | None, today: date) -> Judgement:
    """The verdict a person set, with the judge's own in the reason; as judged if lapsed."""
    if override is None or not in_force(override, today):
        return judgement
    until = f" until {override.until.isoformat()}" if override.until else ""
    reason = (
        f"{OVERRIDE_PREFIX}{until}: {override.reason} "
        f"(the checks say {judgement.verdict.value}: {judgement.reason})"
    )
    return replace(judgement, verdict=override.verdict, reason=reason)
