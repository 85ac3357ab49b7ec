"""Pure: registry + verdicts + snapshots + suggestions -> what to do with each citation.

knowledge(statuses, suggestions)        -> Knowledge   (indexed by dedup key)
decide(normalized, knowledge, accept)   -> Decision    (one per citation)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from audit import urls
from audit.fix.model import Action, Decision, Level, Suggestion
from audit.models import Confidence, Normalized, ResourceStatus, Snapshot, Verdict

# Repairs that only complete what people write by convention (`www.x.ru` has no
# scheme): the citation is not malformed, and its text stays as written.
CONVENTIONAL = frozenset({"scheme-added"})
# Verdicts whose citations may take an accepted suggestion: failing, not refusing us.
SUGGESTIBLE = frozenset({Verdict.DEAD, Verdict.SUSPECT})


@dataclass(frozen=True, slots=True)
class Knowledge:
    by_key: Mapping[str, ResourceStatus]
    suggestions: Mapping[str, tuple[Suggestion, ...]]  # by resource id, best first


def knowledge(
    statuses: Iterable[ResourceStatus],
    suggestions: Mapping[str, tuple[Suggestion, ...]] | None = None,
) -> Knowledge:
    """Index the resources by the dedup key of their address and of their citation."""
    by_key: dict[str, ResourceStatus] = {}
    later: list[tuple[str, ResourceStatus]] = []
    for s in statuses:
        keys = [urls.normalize_cached(s.resource.url).key if s.resource.url else None]
        if s.resource.cited is not None:
            keys.append(s.resource.cited.key)
        for key in keys:
            if key is None:
                continue
            # an entry's own address wins over a successor that checks a replacement
            if s.resource.replaces is None:
                by_key.setdefault(key, s)
            else:
                later.append((key, s))
    for key, s in later:
        by_key.setdefault(key, s)
    return Knowledge(by_key, dict(suggestions or {}))


def malformed(n: Normalized) -> bool:
    """Written wrongly (a repair beyond the conventional ones was needed)."""
    return any(
        r.confidence is not Confidence.EXACT and r.rule not in CONVENTIONAL for r in n.repairs
    )


def snapshot_date(s: Snapshot) -> str:
    t = s.timestamp
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}" if len(t) >= 8 else t


def decide(n: Normalized | None, k: Knowledge, accept_suggestions: bool = False) -> Decision:
    if n is None or n.url is None or n.key is None:
        return Decision(Action.NONE, None, "not a web address", Level.LOW)
    status = k.by_key.get(n.key)
    if status is None:
        return Decision(Action.NONE, None, "not in the registry: left alone", Level.LOW)
    r = status.resource
    v = status.verdict
    # kept suggestions of a resource that works again (or refuses us) are not shown
    offered = k.suggestions.get(r.id, ()) if v in SUGGESTIBLE else ()

    def made(
        action: Action, url: str | None, why: str, sure: Level = Level.HIGH, day: str | None = None
    ) -> Decision:
        return Decision(action, url, why, sure, r.id, v, day, r.url, offered)

    reason = f"{v.value}: {status.reason}" if status.reason else v.value
    if r.keep:  # a person decided this citation stays as written
        return made(Action.NONE, None, f"{reason}; kept as written (keep: true)")
    if r.replaced_by is not None:
        when = f" on {r.replaced_by.date}" if r.replaced_by.date else ""
        src = f" ({r.replaced_by.source})" if r.replaced_by.source else ""
        return made(Action.REPLACED, r.replaced_by.url, f"replacement accepted{when}{src}")
    if v is Verdict.DEAD:
        snap = status.replacement
        if snap is not None and snap.verified:
            day = snapshot_date(snap)
            why = f"{reason}; verified {snap.archive} copy of {day}"
            return made(Action.ARCHIVE, snap.url, why, day=day)
    if v is Verdict.MOVED and status.moved_to:
        return made(Action.MOVED, status.moved_to, reason)
    if accept_suggestions and v in SUGGESTIBLE and offered:
        s = offered[0]
        why = f"{reason}; suggestion accepted ({s.kind.value}: {'; '.join(s.evidence)})"
        return made(Action.SUGGESTED, s.url, why, s.confidence)
    if v in (Verdict.ALIVE, Verdict.FLAKY) and malformed(n) and r.url:
        rules = ", ".join(x.rule for x in n.repairs if x.rule not in CONVENTIONAL)
        sure = Level.MEDIUM if n.confidence is Confidence.GUESS else Level.HIGH
        return made(Action.REPAIR, r.url, f"malformed as written ({rules}); {reason}", sure)
    return made(Action.NONE, None, _left(v, reason, status))


def _left(v: Verdict, reason: str, status: ResourceStatus) -> str:
    if v is Verdict.DEAD:
        snap = status.replacement
        if snap is not None:
            return f"{reason}; archive copy of {snapshot_date(snap)} not verified: left alone"
        return f"{reason}; no verified archive copy: left alone"
    if v in (Verdict.ALIVE, Verdict.FLAKY):
        return reason
    return f"{reason}; left alone"
