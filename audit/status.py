"""What the reports and `audit history` show, assembled from the store's ledgers.

A report reads one ledger and one full observation row per resource (the last
check), never the whole history: its cost follows the registry, not the age of
the store. Under a one-off policy (`audit report --confirm-checks 5`) ledgers
are rebuilt from each resource's history, streamed one resource at a time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from audit import history
from audit._gc import gc_paused
from audit.archive import best_replacement
from audit.check import rules_stamp
from audit.drift import drift_of
from audit.fix import stored as suggestions
from audit.history import Ledger, Ledgers, Rules
from audit.judge import Policy, judge
from audit.models import (
    ArchiveLookup,
    Judgement,
    ReportData,
    Resource,
    ResourceStatus,
    RunInfo,
    VantageView,
    Verdict,
    VerdictChange,
)
from audit.overrides import apply_override
from audit.registry import Registry
from audit.store import Store, StoredObservation


def policy_for(resource: Resource, registry: Registry, base: Policy, overridden: bool) -> Policy:
    """Registry defaults, then the resource's own overrides; command-line options win."""
    if overridden:
        return base
    return base.with_overrides(registry.defaults).with_overrides(resource.policy)


def rules_of(registry: Registry, base: Policy, overridden: bool) -> Rules:
    """Each resource's accept list and judging policy, by id."""
    by_id = {r.id: r for r in registry.resources}
    known: dict[str, tuple[frozenset[int], Policy]] = {}

    def rules(resource_id: str) -> tuple[frozenset[int], Policy]:
        if resource_id not in known:
            r = by_id.get(resource_id)
            known[resource_id] = (
                (frozenset(), base)
                if r is None
                else (r.policy.accept, policy_for(r, registry, base, overridden))
            )
        return known[resource_id]

    return rules


@gc_paused  # bulk work on acyclic rows: see audit._gc
def build_report(
    registry: Registry,
    store: Store,
    policy: Policy,
    overridden: bool,
    now: datetime,
    *,
    run: RunInfo | None = None,
    ledgers: Ledgers | None = None,
    judgements: dict[str, Judgement] | None = None,
    lang: str = "en",
) -> ReportData:
    """Everything the renderers need, judged from the store under the current policy.

    `audit run` passes the ledgers and judgements it already holds (overrides applied).
    """
    if ledgers is None:
        ledgers = Ledgers(store, rules_of(registry, policy, overridden), save=False)
    rules = ledgers.rules
    snapshots = store.snapshots()
    runs = store.runs()
    run = run or (runs[-1] if runs else None)
    earlier = [r for r in runs if run is not None and r.id < run.id]
    offered = suggestions.load(store)  # kept by `audit fix`
    rows = []
    # a batch of resources at a time: their ledgers and last rows, never all of them
    everything = registry.resources
    for chunk in (
        everything[i : i + history.BATCH] for i in range(0, len(everything), history.BATCH)
    ):
        ledger_of = dict(ledgers.each(r.id for r in chunk if r.url))
        last_rows = store.latest_rows(x.base for x in ledger_of.values() if x.base is not None)
        for resource in chunk:
            ledger = ledger_of.get(resource.id)
            if ledger is None:
                rows.append(
                    ResourceStatus(resource, resource.cited, Verdict.UNKNOWN, "never checked")
                )
                continue
            judgement = judgements.get(resource.id) if judgements else None
            if judgement is None:
                judgement = apply_override(
                    ledgers.judgement(resource.id, rules(resource.id)[1], ledger),
                    resource.override,
                    now.date(),
                )
            row = _status(
                resource,
                ledger,
                last_rows.get(ledger.base) if ledger.base is not None else None,
                snapshots.get(resource.url or ""),
                judgement,
                vantage_views(store, ledger, resource.id),
            )
            if resource.id in offered:
                row = dataclasses.replace(row, suggestions=offered[resource.id])
            rows.append(row)
    return ReportData(
        generated_at=now,
        lang=lang,
        run=run,
        registry_path=str(registry.path),
        resources=tuple(rows),
        changes=tuple(store.verdict_changes(run_id=run.id)) if run else (),
        previous_run=earlier[-1] if earlier else None,
        timeline=_timeline(registry, store, runs),
    )


def _status(  # noqa: PLR0917 - one row's inputs, all required
    resource: Resource,
    ledger: Ledger,
    last: StoredObservation | None,
    lookup: ArchiveLookup | None,
    judgement: Judgement,
    vantages: tuple[VantageView, ...],
) -> ResourceStatus:
    state = ledger.state
    obs = classification = None
    if last is not None and ledger.last_at is not None:
        obs = last.observation
        if obs.checked_at != ledger.last_at:
            # the full row is one the last check repeated: its own time and duration
            obs = dataclasses.replace(
                obs, checked_at=ledger.last_at, elapsed_ms=ledger.last_elapsed
            )
        accept = resource.policy.accept
        classification = history.reclassify(last, accept, rules_stamp(accept))
    replacement = None
    if lookup is not None and judgement.verdict in (Verdict.DEAD, Verdict.SUSPECT, Verdict.MOVED):
        replacement = best_replacement(lookup)
    return ResourceStatus(
        resource=resource,
        normalized=resource.cited,
        verdict=judgement.verdict,
        reason=judgement.reason,
        observation=obs,
        classification=classification,
        last_checked=ledger.last_at,
        last_ok=judgement.last_ok,
        failing_since=judgement.failing_since,
        history=state.marks,
        checks=state.seen,
        drift=drift_of(state),
        archive=lookup,
        replacement=replacement,
        moved_to=judgement.moved_to,
        vantages=vantages,
    )


def _timeline(
    registry: Registry, store: Store, runs: Sequence[RunInfo], limit: int = 60
) -> tuple[tuple[datetime, dict[str, int]], ...]:
    """Verdict counts as recorded after each of the last `limit` runs (replaying changes)."""
    ids = {r.id for r in registry.resources if r.url}
    current: dict[str, str] = {}
    by_run: dict[int, list[VerdictChange]] = {}
    for run_id, change in store.verdict_changes_by_run():
        by_run.setdefault(run_id, []).append(change)
    # Counts kept up to date change by change: O(changes + runs), not O(runs x resources).
    counts: dict[str, int] = {Verdict.UNKNOWN.value: len(ids)}
    out = []
    for run in runs:
        for c in by_run.get(run.id, []):
            if c.resource_id in ids:
                was = current.get(c.resource_id, Verdict.UNKNOWN.value)
                current[c.resource_id] = c.after.value
                counts[was] -= 1
                counts[c.after.value] = counts.get(c.after.value, 0) + 1
        out.append((run.started, {k: n for k, n in counts.items() if n}))
    return tuple(out[-limit:])


def vantage_views(store: Store, ledger: Ledger, resource_id: str) -> tuple[VantageView, ...]:
    """The latest check from each vantage, primary first; () for one vantage."""
    if len(ledger.vantages) < 2:
        return ()
    latest: dict[str, StoredObservation] = {}
    for s in store.iter_observations(resource_id):  # one resource's rows, streamed
        if s.observation.vantage:
            latest[s.observation.vantage] = s
    if len(latest) < 2:
        return ()
    return tuple(
        VantageView(
            name,
            s.classification.outcome,
            s.observation.checked_at,
            s.observation.status,
            s.observation.address,
            s.observation.resolved,
        )
        for name, s in latest.items()
    )


@dataclass(frozen=True, slots=True)
class Timeline:
    """`audit history`: one resource's checks, verdict changes and verdict."""

    resource: Resource
    observations: tuple[StoredObservation, ...]
    changes: tuple[VerdictChange, ...]
    judgement: Judgement
    archive: ArchiveLookup | None


def timeline(store: Store, resource: Resource, policy: Policy) -> Timeline:
    stored = store.observations(resource.id)
    hit = store.get_snapshot(resource.url) if resource.url else None
    return Timeline(
        resource,
        tuple(stored),
        tuple(store.verdict_changes(resource.id)),
        judge(history.checks(stored, resource.policy.accept), policy),
        hit[1] if hit else None,
    )
