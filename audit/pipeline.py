"""The one module that knows the order of the steps.

    registry -> judge states -> due resources -> check -> store + fold -> verdicts
             -> archive -> notify -> reports

Steps never call each other; this module passes their outputs along. Each
resource's judge state lives in audit.history (loaded once, folded check by
check); what reports show is assembled in audit.status. It does file I/O for
reports, but never prints or exits (the CLI does).
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

from audit import __version__, confirm, notify, report, status
from audit._gc import gc_paused
from audit.archive import Archiver, ArchiveRequest, ArchiveSettings
from audit.check import (
    CheckResult,
    CheckSettings,
    CheckTarget,
    classify_page,
    rules_stamp,
)
from audit.check.vantage import Vantage, parse_vantage, vantages_for
from audit.history import Ledger, Ledgers, Recorder
from audit.judge import Policy, State, is_due_state, verdict
from audit.models import (
    ArchiveLookup,
    ArchiveStatus,
    Classification,
    ErrorKind,
    Judgement,
    Network,
    Observation,
    Outcome,
    ReportData,
    Resource,
    RunInfo,
    Verdict,
    VerdictChange,
)
from audit.overrides import apply_override
from audit.registry import Registry
from audit.status import Timeline
from audit.store import Store

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
    vantages: tuple[Vantage, ...] = ()  # --vantage (else the registry's); primary first
    lang: str = "en"  # of the HTML and Markdown reports
    notify_wait: float = 30.0  # seconds webhook deliveries may take in all
    notify_drift: bool = False  # --notify-drift: a page newly changed since cited notifies


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
    return status.policy_for(resource, registry, opts.policy, opts.policy_overridden)


def vantage(settings: CheckSettings, vantages: Sequence[Vantage] = ()) -> str:
    """Where a run checks from: this machine (and proxy), or its named vantages."""
    if len(vantages) > 1:
        return "; ".join(f"{v.name} ({v.where})" for v in vantages)
    where = socket.gethostname()
    return f"{where} via proxy {settings.proxy}" if settings.proxy else where


def _where(tally: _Tally) -> str | None:
    """The run's vantages and whether each was reachable (None: one vantage, as started)."""
    return confirm.describe(tally.vantages) if len(tally.vantages) > 1 else None


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
    store.mark_interrupted()  # we hold the lock: a `running` run is one that was killed
    ledgers = Ledgers.load(store, status.rules_of(registry, opts.policy, opts.policy_overridden))
    before = store.latest_verdicts()
    vantages = vantages_for(
        opts.check,
        opts.vantages or tuple(parse_vantage(f"{n}={u}") for n, u in registry.vantage_specs),
    )
    run_id = store.start_run(
        clock.now(),
        vantage=vantage(opts.check, vantages),
        tool_version=__version__,
        registry=str(registry.path),
    )
    recorder = Recorder(store, ledgers, run_id)
    with recorder:
        targets, judgements, not_due = _due(registry, opts, recorder, clock)
    targets, twins = once_per_url(targets)
    drift_before = notify.drift_states(ledgers, registry.resources) if opts.notify_drift else {}

    network = Network.ONLINE
    ended = "interrupted"
    tally = _Tally()
    try:
        with recorder:  # committed also when the run is cancelled
            network = await _check_into_store(
                targets, opts.check, vantages, recorder, clock, progress, tally, twins=twins
            )
        ended = "finished"
    finally:
        # Also on cancellation (SIGINT in `watch`): the run row says how it ended.
        store.finish_run(run_id, clock.now(), network, ended, vantage=_where(tally))

    # Only what this run recorded can have changed a verdict: judge those again.
    for r in registry.resources:
        if r.id in recorder.touched or r.id not in judgements:
            judgements[r.id] = (
                ledgers.judgement(r.id, policy_for(r, registry, opts))
                if r.url
                else verdict(State(), policy_for(r, registry, opts))
            )
    now = clock.now()
    # a person's override is the verdict every change, notification and report carries
    for r in registry.resources:
        if r.override is not None and r.id in judgements:
            judgements[r.id] = apply_override(judgements[r.id], r.override, now.date())
    changes = tuple(
        VerdictChange(
            r.id, r.url, before.get(r.id), judgements[r.id].verdict, now, judgements[r.id].reason
        )
        for r in registry.resources
        if r.url is not None and before.get(r.id) != judgements[r.id].verdict
    )
    store.add_verdict_changes(run_id, changes)
    drifted = notify.newly_drifted(
        registry.resources, drift_before, ledgers, recorder.touched, judgements
    )

    # Deliveries run beside the archive step; the reports are written first, then a
    # bounded wait for what has not arrived (recorded as not delivered).
    delivery = None
    if (changes or drifted) and registry.webhooks:
        delivery = asyncio.create_task(
            notify.send_all(
                registry.webhooks,
                notify.payload(run_id, now, network, changes, drifted),
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
        data = status.build_report(
            registry,
            store,
            opts.policy,
            opts.policy_overridden,
            now,
            run=run,
            ledgers=ledgers,
            judgements=judgements,
            lang=opts.lang,
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
    registry: Registry, opts: RunOptions, recorder: Recorder, clock: Clock
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
                checked_at=clock.now(),
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
        policy = policy_for(resource, registry, opts)
        judgements[resource.id] = judgement = ledgers.judgement(resource.id, policy)
        if not opts.all_resources and not is_due_state(
            judgement, ledger.state, policy, clock.now()
        ):
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


@dataclass(slots=True)
class _Tally:
    network: Network = Network.ONLINE
    vantages: list[confirm.VantageState] = field(default_factory=list)  # primary first

    @property
    def checked(self) -> int:  # by the primary: the others only confirm its failures
        return self.vantages[0].checked if self.vantages else 0


async def _results(
    targets: Sequence[CheckTarget],
    settings: CheckSettings,
    vantages: Sequence[Vantage],
    clock: Clock,
    tally: _Tally,
) -> AsyncIterator[CheckResult]:
    """The checkers' results (the primary's, then confirmations), stamped with the
    run's clock, counted into `tally`. The run's network is the primary's."""
    async for result in confirm.results(targets, settings, vantages, tally.vantages):
        yield dataclasses.replace(
            result,
            observation=dataclasses.replace(result.observation, checked_at=clock.now()),
        )
    primary = tally.vantages[0]
    tally.network = run_network(primary.network, primary.checked, primary.offline)


async def _check_into_store(  # noqa: PLR0917 - the run's parts, passed along once
    targets: Sequence[CheckTarget],
    settings: CheckSettings,
    vantages: Sequence[Vantage],
    recorder: Recorder,
    clock: Clock,
    progress: Progress | None,
    tally: _Tally,
    *,
    twins: Mapping[str, Sequence[str]] | None = None,
) -> Network:
    loop = asyncio.get_running_loop()
    timer: asyncio.TimerHandle | None = None

    def flush() -> None:
        nonlocal timer
        timer = None
        recorder.flush()

    try:
        async for result in _results(targets, settings, vantages, clock, tally):
            key = _key(result)
            # one URL under two ids (warned about on loading) is checked once, for both
            for resource_id in (key, *((twins or {}).get(key or "", ()))):
                recorder.add(
                    resource_id,
                    result.observation,
                    result.classification,
                    rules_stamp(result.target.accept),
                )
            # what is recorded is committed within `commit_every`, even if no more
            # results come for a while (a host that hangs)
            if recorder.pending and timer is None:
                timer = loop.call_later(recorder.commit_every, flush)
            if progress:
                progress(min(tally.checked, len(targets)), len(targets))
    finally:
        if timer is not None:
            timer.cancel()
    return tally.network


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
    vantages: Sequence[Vantage] = (),
) -> AsyncIterator[CheckResult]:
    """`audit check`: results as they come, recorded in the store when given."""
    run_id = None
    chosen = vantages_for(settings, tuple(vantages))
    if store:
        run_id = store.start_run(
            clock.now(),
            vantage=vantage(settings, chosen),
            tool_version=__version__,
            command="check",
        )
    tally = _Tally()
    accept = {str(t.key): t.accept for t in targets if t.key is not None}
    recorder = None
    if store and run_id is not None:
        ledgers = Ledgers(store, lambda rid: (accept.get(rid, frozenset()), Policy()))
        # one by one: the caller sees each result once it is recorded
        recorder = Recorder(store, ledgers, run_id, commit_every=0.0)
    try:
        async for result in _results(targets, settings, chosen, clock, tally):
            if recorder is not None:
                recorder.add(
                    _key(result),
                    result.observation,
                    result.classification,
                    rules_stamp(result.target.accept),
                )
            yield result
    finally:
        if recorder is not None:
            recorder.flush()
        if store and run_id is not None:
            store.finish_run(run_id, clock.now(), tally.network, vantage=_where(tally))


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
# Reports and one resource's history (assembled in audit.status)


def build_report(registry: Registry, store: Store, opts: RunOptions, now: datetime) -> ReportData:
    """The reports' data from the store under the options' policy (no checks)."""
    return status.build_report(
        registry, store, opts.policy, opts.policy_overridden, now, lang=opts.lang
    )


def timeline(registry: Registry, store: Store, resource: Resource, opts: RunOptions) -> Timeline:
    return status.timeline(store, resource, policy_for(resource, registry, opts))
