"""The one module that knows the order of the steps.

    registry -> due resources -> check -> store -> judge -> archive -> notify -> reports

Steps never call each other; this module passes their outputs along. It does
file I/O for reports, but never prints or exits (the CLI does).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from audit import __version__, notify, report
from audit._gc import gc_paused
from audit.archive import Archiver, ArchiveRequest, ArchiveSettings, best_replacement
from audit.check import (
    CheckResult,
    CheckSettings,
    CheckTarget,
    classify,
    classify_page,
    open_checker,
    rules_stamp,
)
from audit.fix import stored as suggestions
from audit.judge import Check, Policy, drift, is_due, judge
from audit.models import (
    ArchiveLookup,
    ArchiveStatus,
    Classification,
    ErrorKind,
    HistoryMark,
    Judgement,
    Network,
    Observation,
    Outcome,
    ReportData,
    Resource,
    ResourceStatus,
    RunInfo,
    Verdict,
    VerdictChange,
)
from audit.overrides import apply_override
from audit.registry import Registry
from audit.store import Store, StoredObservation

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True, slots=True)
class Clock:
    """The run's clock: AUDIT_NOW (if set) advanced by the real time elapsed since."""

    start: datetime
    _t0: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._t0)


@dataclass(frozen=True, slots=True)
class RunOptions:
    check: CheckSettings
    archive: ArchiveSettings | None  # None: no archive lookups
    policy: Policy = Policy()
    policy_overridden: bool = False  # --confirm-* given: they win over the registry
    all_resources: bool = False  # re-check everything, not only what is due
    reports_dir: Path | None = Path("reports")
    formats: tuple[str, ...] = ("html", "md", "json", "csv")
    lang: str = "en"  # of the HTML and Markdown reports
    notify_wait: float = 30.0  # seconds webhook deliveries may take in all


@dataclass(frozen=True, slots=True, repr=False)
class RunSummary:
    run: RunInfo
    data: ReportData
    checked: int
    skipped_not_due: int
    changes: tuple[VerdictChange, ...]
    written: tuple[Path, ...]

    @property
    def dead(self) -> int:
        return sum(1 for r in self.data.resources if r.verdict is Verdict.DEAD)

    def __repr__(self) -> str:
        # Python 3.11's asyncio.run reprs the finished task (and so this result) when it
        # restores the SIGINT handler: the full dataclass repr of a large run costs seconds.
        return f"RunSummary(run={self.run.id}, checked={self.checked})"


def policy_for(resource: Resource, registry: Registry, opts: RunOptions) -> Policy:
    """Registry defaults, then the resource's own overrides; command-line options win."""
    if opts.policy_overridden:
        return opts.policy
    return opts.policy.with_overrides(registry.defaults).with_overrides(resource.policy)


def _checks(
    history: Sequence[StoredObservation], accept: frozenset[int] = frozenset()
) -> list[Check]:
    """Checks re-classified from the stored facts under today's accept list."""
    stamp = rules_stamp(accept)
    return [Check.of(s.observation, _reclassify(s, accept, stamp)) for s in history]


def _reclassify(s: StoredObservation, accept: frozenset[int], stamp: str) -> Classification:
    if (
        s.classification.outcome is Outcome.SKIPPED
        or s.observation.error is ErrorKind.OFFLINE
        or s.classified_by == stamp  # the same rules would answer the same
    ):
        return s.classification
    return classify(s.observation, accept)


def vantage(settings: CheckSettings) -> str:
    where = socket.gethostname()
    return f"{where} via proxy {settings.proxy}" if settings.proxy else where


# --------------------------------------------------------------------------
# audit run


async def run_audit(
    registry: Registry,
    store: Store,
    opts: RunOptions,
    clock: Clock,
    progress: Progress | None = None,
) -> RunSummary:
    """Check what is due, record it, judge, look up archives, notify, write reports."""
    history = History(store.history_by_resource())
    before = store.latest_verdicts()
    run_id = store.start_run(
        clock.now(),
        vantage=vantage(opts.check),
        tool_version=__version__,
        registry=str(registry.path),
    )
    recorder = _Recorder(store, history, run_id)
    targets, judgements, not_due = _due(registry, opts, recorder, clock)
    targets, twins = once_per_url(targets)

    network = Network.ONLINE
    status = "interrupted"
    try:
        network = await _check_into_store(
            targets, opts.check, recorder, clock, progress, twins=twins
        )
        status = "finished"
    finally:
        # Also on cancellation (SIGINT in `watch`): the run row says how it ended.
        store.finish_run(run_id, clock.now(), network, status)

    # Only what this run recorded can have changed a verdict: judge those again.
    for r in registry.resources:
        if r.id in recorder.touched or r.id not in judgements:
            judgements[r.id] = judge(history.checks(r), policy_for(r, registry, opts))
    now = clock.now()
    changes = tuple(
        VerdictChange(
            r.id, r.url, before.get(r.id), judgements[r.id].verdict, now, judgements[r.id].reason
        )
        for r in registry.resources
        if r.url is not None and before.get(r.id) != judgements[r.id].verdict
    )
    store.add_verdict_changes(run_id, changes)

    # Notifications go out while the archives are asked, and never delay the reports:
    # those are written first, then the delivery gets a bounded wait (send_all's own).
    delivery = None
    if changes and registry.webhooks:
        delivery = asyncio.create_task(
            notify.send_all(
                registry.webhooks,
                notify.payload(run_id, now, network, changes),
                user_agent=opts.check.user_agent,
                dns_server=opts.check.dns_server,
                record=lambda target, ok, detail: store.add_notification(
                    run_id, target, now, ok, detail
                ),
                timeout=min(notify.POST_TIMEOUT, opts.check.timeout),
                wait=opts.notify_wait,
                allow_private=opts.check.allow_private,
            )
        )
    notes: tuple[str, ...] = ()
    try:
        if opts.archive is not None and network is Network.ONLINE:
            note = await _archive_into_store(
                archive_requests(registry.resources, judgements), opts.archive, store, now
            )
            notes = (note,) if note else ()
        run = store.run(run_id)
        assert run is not None
        data = build_report(
            registry, store, opts, now, run=run, history=history, judgements=judgements
        )
        data = dataclasses.replace(data, notes=notes)
        written = (
            tuple(report.write_reports(data, opts.reports_dir, opts.formats).values())
            if opts.reports_dir
            else ()
        )
    finally:
        if delivery is not None:
            await delivery
    return RunSummary(run, data, len(targets), not_due, changes, written)


@gc_paused
def _due(
    registry: Registry, opts: RunOptions, recorder: _Recorder, clock: Clock
) -> tuple[list[CheckTarget], dict[str, Judgement], int]:
    """What to check now (last timeouts first), the judgements so far, how many wait.

    Resources excluded in the registry are recorded as skipped here.
    """
    history = recorder.history
    judgements: dict[str, Judgement] = {}
    targets: list[CheckTarget] = []
    not_due = 0
    for resource in registry.resources:
        if resource.url is None:
            continue
        if resource.policy.skip:
            obs = Observation(
                url=resource.url,
                checked_at=clock.now(),
                error=ErrorKind.POLICY,
                detail=resource.policy.skip,
            )
            why = Classification(
                Outcome.SKIPPED, (f"excluded in the registry: {resource.policy.skip}",)
            )
            recorder.add(resource.id, obs, why)
            continue
        checks = history.checks(resource)
        policy = policy_for(resource, registry, opts)
        judgements[resource.id] = judgement = judge(checks, policy)
        if not opts.all_resources and not is_due(judgement, checks, policy, clock.now()):
            not_due += 1
            continue
        targets.append(_target(resource, history.of(resource.id)))
    # What timed out last time starts first: a hang then overlaps the rest of the run
    # instead of adding a whole timeout at its end.
    targets.sort(key=lambda t: _last_outcome(history.of(str(t.key))) is not Outcome.TIMEOUT)
    return targets, judgements, not_due


def _last_outcome(history: Sequence[StoredObservation]) -> Outcome | None:
    return history[-1].classification.outcome if history else None


def _target(resource: Resource, history: Sequence[StoredObservation]) -> CheckTarget:
    """A check target; validators of the last full ok answer make it conditional."""
    etag = last_modified = None
    for s in reversed(history):
        if s.classification.outcome in (Outcome.OK, Outcome.REDIRECTED):
            if s.observation.not_modified:
                continue  # a 304 carries the validators of the answer before it
            headers = dict(s.observation.headers)
            etag, last_modified = headers.get("etag"), headers.get("last-modified")
        break
    return CheckTarget(
        url=resource.url or "",
        etag=etag,
        last_modified=last_modified,
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


@dataclass(slots=True)
class _Tally:
    checked: int = 0
    offline: int = 0
    network: Network = Network.ONLINE


async def _results(
    targets: Sequence[CheckTarget], settings: CheckSettings, clock: Clock, tally: _Tally
) -> AsyncIterator[CheckResult]:
    """The checker's results, stamped with the run's clock, counted into `tally`."""
    async with open_checker(settings, targets) as checker:
        async for result in checker.run(targets):
            tally.checked += 1
            tally.offline += result.classification.outcome is Outcome.OFFLINE
            yield dataclasses.replace(
                result,
                observation=dataclasses.replace(result.observation, checked_at=clock.now()),
            )
        tally.network = run_network(checker.network, tally.checked, tally.offline)


async def _check_into_store(
    targets: Sequence[CheckTarget],
    settings: CheckSettings,
    recorder: _Recorder,
    clock: Clock,
    progress: Progress | None,
    *,
    twins: Mapping[str, Sequence[str]] | None = None,
) -> Network:
    tally = _Tally()
    async for result in _results(targets, settings, clock, tally):
        key = _key(result)
        for resource_id in (key, *((twins or {}).get(key or "", ()))):
            recorder.add(
                resource_id,
                result.observation,
                result.classification,
                rules_stamp(result.target.accept),
            )
        if progress:
            progress(tally.checked, len(targets))
    return tally.network


@dataclass(frozen=True, slots=True)
class History:
    """Every resource's stored observations, and its checks re-classified once per process."""

    stored: dict[str, list[StoredObservation]]
    _cache: dict[str, list[Check]] = field(default_factory=dict)

    def of(self, resource_id: str) -> list[StoredObservation]:
        return self.stored.get(resource_id, [])

    def checks(self, resource: Resource) -> list[Check]:
        if resource.id not in self._cache:
            self._cache[resource.id] = _checks(self.of(resource.id), resource.policy.accept)
        return self._cache[resource.id]

    def append(self, stored: StoredObservation) -> None:
        assert stored.resource_id is not None
        self.stored.setdefault(stored.resource_id, []).append(stored)
        self._cache.pop(stored.resource_id, None)  # re-derived when next asked


@dataclass(frozen=True, slots=True)
class _Recorder:
    """Commits observations one by one, keeping the in-memory history in step."""

    store: Store
    history: History
    run_id: int
    touched: set[str] = field(default_factory=set)  # resources with a new observation

    def add(
        self, resource_id: str | None, obs: Observation, why: Classification, by: str = ""
    ) -> None:
        row = self.store.add_observation(self.run_id, resource_id, obs, why, by)
        if resource_id is not None:
            self.history.append(StoredObservation(row, self.run_id, resource_id, obs, why, by))
            self.touched.add(resource_id)


def _key(result: CheckResult) -> str | None:
    return None if result.target.key is None else str(result.target.key)


def run_network(checker_says: Network, checked: int, offline: int) -> Network:
    """Offline when our network was down and it cost us results (or we checked nothing).

    With `--resolve` mappings a run can reach its targets although no name resolves:
    those results are real, and the run is not labelled offline for them.
    """
    if checker_says is Network.OFFLINE and (offline or not checked):
        return Network.OFFLINE
    return Network.ONLINE


async def check_urls(
    targets: Sequence[CheckTarget],
    settings: CheckSettings,
    clock: Clock,
    store: Store | None = None,
) -> AsyncIterator[CheckResult]:
    """`audit check`: results as they come, recorded in the store when given."""
    run_id = None
    if store:
        run_id = store.start_run(
            clock.now(), vantage=vantage(settings), tool_version=__version__, command="check"
        )
    tally = _Tally()
    try:
        async for result in _results(targets, settings, clock, tally):
            if store and run_id is not None:
                store.add_observation(
                    run_id,
                    _key(result),
                    result.observation,
                    result.classification,
                    rules_stamp(result.target.accept),
                )
            yield result
    finally:
        if store and run_id is not None:
            store.finish_run(run_id, clock.now(), tally.network)


# --------------------------------------------------------------------------
# Archives


class _StoreCache:
    """The archive step's cache, kept in the store (fresh entries only).

    A cached lookup made without replay verification is not good enough for a
    resource that now needs a replacement (`verify`): it is asked again.
    """

    def __init__(self, store: Store, freshness: timedelta, verify: frozenset[str]) -> None:
        self._store, self._freshness, self._verify = store, freshness, verify

    def get(self, url: str, now: datetime) -> ArchiveLookup | None:
        hit = self._store.get_snapshot(url)
        if hit is None:
            return None
        at, lookup = hit
        if lookup.status is ArchiveStatus.UNKNOWN or now - at > self._freshness:
            return None
        if (
            url in self._verify
            and lookup.status is ArchiveStatus.ARCHIVED
            and not (lookup.recommended and lookup.recommended.verified is not None)
        ):
            return None
        return lookup

    def put(self, lookup: ArchiveLookup) -> None:
        self._store.put_snapshot(lookup, lookup.checked_at or datetime.now(UTC))


def archive_requests(
    resources: Iterable[Resource],
    judgements: dict[str, Judgement] | None = None,
    verdicts: Mapping[str, Verdict] | None = None,
) -> list[ArchiveRequest]:
    """One lookup per resource with an address; the verdict decides verify and save.

    `verdicts` (the store's latest, for `audit archive`) stand in for judgements.
    """
    out = []
    for r in resources:
        if not r.url:
            continue
        verdict = judgements[r.id].verdict if judgements and r.id in judgements else None
        if verdict is None and verdicts:
            verdict = verdicts.get(r.id)
        out.append(
            ArchiveRequest(
                url=r.url,
                cited_on=date.fromisoformat(r.cited_on) if r.cited_on else None,
                key=r.id,
                live_ok=verdict is Verdict.ALIVE,
                # the snapshot a report will recommend is replayed and checked
                verify=verdict in (None, Verdict.DEAD, Verdict.SUSPECT, Verdict.MOVED),
            )
        )
    return out


async def lookup_archives(
    requests: Iterable[ArchiveRequest],
    settings: ArchiveSettings,
    now: datetime,
    store: Store | None,
    unreachable: dict[str, str] | None = None,
) -> AsyncIterator[ArchiveLookup]:
    """Lookups in request order; `unreachable` receives the endpoints found unreachable."""
    wanted = list(requests)
    verify = frozenset(r.url for r in wanted if r.verify)
    cache = _StoreCache(store, settings.freshness, verify) if store else None
    async with Archiver(settings, cache=cache, page_check=classify_page) as archiver:
        try:
            async for lookup in archiver.lookup_all(wanted, now):
                yield lookup
        finally:
            if unreachable is not None:
                unreachable.update(archiver.unreachable)


def unreachable_note(unreachable: Mapping[str, str]) -> str | None:
    """The one line output and reports carry when archive endpoints could not be reached."""
    if not unreachable:
        return None
    return "archives unreachable: " + "; ".join(
        f"{name} ({why})" for name, why in sorted(unreachable.items())
    )


async def _archive_into_store(
    requests: Iterable[ArchiveRequest], settings: ArchiveSettings, store: Store, now: datetime
) -> str | None:
    unreachable: dict[str, str] = {}
    async for lookup in lookup_archives(requests, settings, now, store, unreachable):
        log.debug("archive %s: %s", lookup.url, lookup.status)
    return unreachable_note(unreachable)


# --------------------------------------------------------------------------
# Reports


@gc_paused
def build_report(
    registry: Registry,
    store: Store,
    opts: RunOptions,
    now: datetime,
    *,
    run: RunInfo | None = None,
    history: History | None = None,
    judgements: dict[str, Judgement] | None = None,
) -> ReportData:
    """Everything the renderers need, judged from the store under the current policy.

    `audit run` passes the history and judgements it already holds, so nothing is
    re-read or judged twice.
    """
    if history is None:
        history = History(store.history_by_resource())
    snapshots = store.snapshots()
    runs = store.runs()
    run = run or (runs[-1] if runs else None)
    earlier = [r for r in runs if run is not None and r.id < run.id]
    offered = suggestions.load(store)  # kept by `audit fix`
    rows = []
    for resource in registry.resources:
        policy = policy_for(resource, registry, opts)
        lookup = snapshots.get(resource.url or "")
        judgement = judgements.get(resource.id) if judgements else None
        status = _status(resource, history, lookup, policy, judgement, today=now.date())
        if resource.id in offered:
            status = dataclasses.replace(status, suggestions=offered[resource.id])
        rows.append(status)
    return ReportData(
        generated_at=now,
        lang=opts.lang,
        run=run,
        registry_path=str(registry.path),
        resources=tuple(rows),
        changes=tuple(store.verdict_changes(run_id=run.id)) if run else (),
        previous_run=earlier[-1] if earlier else None,
        timeline=_timeline(registry, store, runs),
    )


def _marks(
    checks: Sequence[Check],
    stored: Sequence[StoredObservation],
    policy: Policy,
    now: Judgement,
    limit: int = 90,
) -> tuple[HistoryMark, ...]:
    """One mark per check (the last `limit`), with the verdict as judged after it."""
    start = max(0, len(checks) - limit)
    return tuple(
        HistoryMark(
            checks[i].at,
            checks[i].outcome,
            stored[i].run_id,
            (now if i == len(checks) - 1 else judge(checks[: i + 1], policy)).verdict,
        )
        for i in range(start, len(checks))
    )


def _status(
    resource: Resource,
    history: History,
    lookup: ArchiveLookup | None,
    policy: Policy,
    judgement: Judgement | None,
    *,
    today: date,
) -> ResourceStatus:
    stored, checks = history.of(resource.id), history.checks(resource)
    judgement = apply_override(judgement or judge(checks, policy), resource.override, today)
    last = stored[-1] if stored else None
    replacement = None
    if lookup is not None and judgement.verdict in (Verdict.DEAD, Verdict.SUSPECT, Verdict.MOVED):
        replacement = best_replacement(lookup)
    return ResourceStatus(
        resource=resource,
        normalized=resource.cited,
        verdict=judgement.verdict,
        reason=judgement.reason,
        observation=last.observation if last else None,
        classification=last.classification if last else None,
        last_checked=last.observation.checked_at if last else None,
        last_ok=judgement.last_ok,
        failing_since=judgement.failing_since,
        history=_marks(checks, stored, policy, judgement),
        drift=drift(checks),
        archive=lookup,
        replacement=replacement,
        moved_to=judgement.moved_to,
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


# --------------------------------------------------------------------------
# History


@dataclass(frozen=True, slots=True)
class Timeline:
    resource: Resource
    observations: tuple[StoredObservation, ...]
    changes: tuple[VerdictChange, ...]
    judgement: Judgement
    archive: ArchiveLookup | None


def timeline(registry: Registry, store: Store, resource: Resource, opts: RunOptions) -> Timeline:
    stored = store.observations(resource.id)
    checks = _checks(stored, resource.policy.accept)
    hit = store.get_snapshot(resource.url) if resource.url else None
    return Timeline(
        resource,
        tuple(stored),
        tuple(store.verdict_changes(resource.id)),
        judge(checks, policy_for(resource, registry, opts)),
        hit[1] if hit else None,
    )
