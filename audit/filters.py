"""Which URLs a run checks and which statuses count as ok: `--include`/`--exclude`/`--accept`.

Pure: the CLI parses the options, these functions apply them to targets or to the
registry (excluded resources become `skip`ped ones, so reports still list them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from audit.errors import InputError
from audit.models import Resource

MAX_STATUS_RANGE = 1000  # `100..=999` is the widest range that means anything


def parse_accept(text: str) -> frozenset[int]:
    """`200..=299,403` (lychee's syntax; `a..b` excludes b) -> the set of statuses."""
    statuses: set[int] = set()
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        try:
            if "..=" in part:
                lo, hi = (int(x) for x in part.split("..=", 1))
            elif ".." in part:
                lo, hi = (int(x) for x in part.split("..", 1))
                hi -= 1
            else:
                lo = hi = int(part)
        except ValueError:
            raise InputError(
                f"--accept {text!r}: {part!r} is not a status or a range (e.g. 200..=299,403)"
            ) from None
        if not 100 <= lo <= hi <= 999 or hi - lo > MAX_STATUS_RANGE:
            raise InputError(f"--accept {text!r}: {part!r} is not within 100..=999")
        statuses.update(range(lo, hi + 1))
    return frozenset(statuses)


def _compile(patterns: tuple[str, ...], option: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for p in patterns:
        try:
            compiled.append(re.compile(p))
        except re.error as exc:
            raise InputError(f"{option} {p!r}: not a regular expression ({exc})") from None
    return tuple(compiled)


@dataclass(frozen=True, slots=True)
class UrlFilter:
    """lychee's semantics: an include match wins over an exclude; no include: all included."""

    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def of(cls, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> UrlFilter:
        return cls(_compile(include, "--include"), _compile(exclude, "--exclude"))

    def excluded(self, url: str) -> str | None:
        """Why `url` is not checked, or None if it is."""
        if any(p.search(url) for p in self.include):
            return None
        for p in self.exclude:
            if p.search(url):
                return f"excluded by --exclude {p.pattern}"
        if self.include:
            return "matches no --include"
        return None


def select(
    resources: tuple[Resource, ...], rules: UrlFilter, accept: frozenset[int] = frozenset()
) -> tuple[Resource, ...]:
    """The registry's resources with the filter's exclusions as `skip` and `accept` added."""
    if not (rules.include or rules.exclude or accept):
        return resources
    chosen = []
    for r in resources:
        policy = r.policy
        why = rules.excluded(r.url) if r.url else None
        if why and not policy.skip:
            policy = replace(policy, skip=why)
        if accept:
            policy = replace(policy, accept=policy.accept | accept)
        chosen.append(r if policy is r.policy else replace(r, policy=policy))
    return tuple(chosen)
