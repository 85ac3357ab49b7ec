"""What a run checks now: each resource's judge state says when it is due (pure).

Resources excluded in the registry are recorded as skipped here; one URL cited
under two ids is checked once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from audit._gc import gc_paused
from audit.check import CheckTarget
from audit.history import Ledger, Recorder
from audit.judge import Check, Policy, State, fold
from audit.models import (
    Classification,
    ErrorKind,
    Judgement,
    Observation,
    Outcome,
    Resource,
    Verdict,
)
from audit.registry import Registry


@gc_paused
def due(
    registry: Registry,
    policy_of: Callable[[Resource], Policy],
    recorder: Recorder,
    now: Callable[[], datetime],
    *,
    everything: bool = False,
) -> tuple[list[CheckTarget], dict[str, Judgement], int]:
    """What to check now (last timeouts first), the judgements so far, how many wait.

    Resources excluded in the registry are recorded as skipped here.
    """
    assert recorder.ledgers is not None
    ledgers = recorder.ledgers
    judgements: dict[str, Judgement] = {}
    targets: list[tuple[bool, CheckTarget]] = []
    not_due = 0
    checked = []
    for resource in registry.resources:
        if resource.url is None:
            continue
        if resource.policy.skip:
            obs = Observation(
                url=resource.url,
                checked_at=now(),
                error=ErrorKind.POLICY,
                detail=resource.policy.skip,
            )
            why = Classification(
                Outcome.SKIPPED, (f"excluded in the registry: {resource.policy.skip}",)
            )
            recorder.add(resource.id, obs, why)
        else:
            checked.append(resource)
    for resource, (_, ledger) in zip(checked, ledgers.each(r.id for r in checked), strict=True):
        policy = policy_of(resource)
        judgements[resource.id] = judgement = ledgers.judgement(resource.id, policy)
        if not everything and not is_due_state(judgement, ledger.state, policy, now()):
            not_due += 1
            continue
        targets.append(
            (ledger.state.last_outcome is not Outcome.TIMEOUT, _target(resource, ledger))
        )
    # What timed out last time starts first: a hang then overlaps the rest of the run
    # instead of adding a whole timeout at its end.
    targets.sort(key=lambda t: t[0])
    return [t for _, t in targets], judgements, not_due


def _target(resource: Resource, ledger: Ledger) -> CheckTarget:
    """A check target; validators of the last full ok answer make it conditional."""
    return CheckTarget(
        url=resource.url or "",
        etag=ledger.etag,
        last_modified=ledger.last_modified,
        accept=resource.policy.accept,
        timeout=resource.policy.timeout,
        key=resource.id,
    )


def once_per_url(
    targets: Sequence[CheckTarget],
) -> tuple[list[CheckTarget], dict[str, list[str]]]:
    """One target per (URL, accept, timeout); the keys of the others, by the kept key.

    A registry listing one URL under two ids (warned about on loading) gets one check,
    recorded for both.
    """
    kept: dict[tuple[str, frozenset[int], float | None], CheckTarget] = {}
    twins: dict[str, list[str]] = {}
    for t in targets:
        first = kept.setdefault((t.url, t.accept, t.timeout), t)
        if first is not t:
            twins.setdefault(str(first.key), []).append(str(t.key))
    return list(kept.values()), twins


# When each resource is due (pure)


def due_at(judgement: Judgement, state: State, policy: Policy) -> datetime | None:
    """When the resource should be checked next; None means now."""
    last = state.last_at
    if last is None:
        return None
    match judgement.verdict:
        case Verdict.ALIVE | Verdict.MOVED:
            return last + policy.recheck_alive
        case Verdict.DEAD:
            return last + policy.recheck_dead
        case Verdict.BLOCKED:
            return last + policy.recheck_blocked
        case Verdict.FLAKY:
            return last + policy.recheck_flaky
        case Verdict.SUSPECT:
            # back-off ladder: +1 d after the first failure, +3 d after the second, ...
            n = state.streak
            ladder = policy.recheck_suspect
            return last + ladder[min(n, len(ladder)) - 1] if n else last + ladder[0]
    return None


def next_due(judgement: Judgement, history: Sequence[Check], policy: Policy) -> datetime | None:
    """`due_at` for a history of checks."""
    return due_at(judgement, fold(history), policy)


def is_due_state(judgement: Judgement, state: State, policy: Policy, now: datetime) -> bool:
    due = due_at(judgement, state, policy)
    # a small slack so a daily schedule that runs a few minutes early still re-checks
    return due is None or due <= now + timedelta(minutes=30)


def is_due(judgement: Judgement, history: Sequence[Check], policy: Policy, now: datetime) -> bool:
    due = next_due(judgement, history, policy)
    return due is None or due <= now + timedelta(minutes=30)
