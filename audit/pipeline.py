"""The one module that knows the order of the steps.

    registry -> judge states -> due (audit.due) -> check, record and fold
    (audit.recording) -> verdicts -> archive (audit.archiving) -> notify -> reports

Steps never call each other; this module passes their outputs along. Each
resource's judge state lives in audit.history (read in batches, folded check by
check); what reports show is assembled in audit.status. It does file I/O for
reports, but never prints or exits (the CLI does).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from audit import __version__, archiving, due, notify, recording, report, status
from audit.archive import ArchiveSettings
from audit.check import CheckSettings, CheckTarget
from audit.check.vantage import Vantage, parse_vantage, vantages_for
from audit.history import Ledgers, Recorder
from audit.judge import Policy, State, verdict
from audit.models import (
    Judgement,
    Network,
    ReportData,
    Resource,
    RunInfo,
    Verdict,
    VerdictChange,
)
from audit.overrides import apply_override
from audit.recording import Progress
from audit.registry import Registry
from audit.status import Timeline
from audit.store import Store


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


def select_due(
    registry: Registry, opts: RunOptions, recorder: Recorder, clock: Clock
) -> tuple[list[CheckTarget], dict[str, Judgement], int]:
    """What `audit run` (or `audit schedule`) checks now, under the options' policy."""
    return due.due(
        registry,
        lambda r: policy_for(r, registry, opts),
        recorder,
        clock.now,
        everything=opts.all_resources,
    )


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
    ledgers = Ledgers(store, status.rules_of(registry, opts.policy, opts.policy_overridden))
    before = store.latest_verdicts()
    vantages = vantages_for(
        opts.check,
        opts.vantages or tuple(parse_vantage(f"{n}={u}") for n, u in registry.vantage_specs),
    )
    run_id = store.start_run(
        clock.now(),
        vantage=recording.vantage(opts.check, vantages),
        tool_version=__version__,
        registry=str(registry.path),
    )
    recorder = Recorder(store, ledgers, run_id)
    with recorder:
        targets, judgements, not_due = select_due(registry, opts, recorder, clock)
    targets, twins = due.once_per_url(targets)
    drift_before = notify.drift_states(ledgers, targets, twins) if opts.notify_drift else {}

    network = Network.ONLINE
    ended = "interrupted"
    tally = recording.Tally()
    try:
        with recorder:  # committed also when the run is cancelled
            network = await recording.check_into_store(
                targets, opts.check, vantages, recorder, clock.now, progress, tally, twins=twins
            )
        ended = "finished"
    finally:
        # Also on cancellation (SIGINT in `watch`): the run row says how it ended.
        store.finish_run(run_id, clock.now(), network, ended, vantage=recording.where(tally))

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
            note = await archiving.archive_into_store(
                archiving.archive_requests(registry.resources, judgements), opts.archive, store, now
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


# --------------------------------------------------------------------------
# Reports and one resource's history (assembled in audit.status)


def build_report(registry: Registry, store: Store, opts: RunOptions, now: datetime) -> ReportData:
    """The reports' data from the store under the options' policy (no checks)."""
    return status.build_report(
        registry, store, opts.policy, opts.policy_overridden, now, lang=opts.lang
    )


def timeline(registry: Registry, store: Store, resource: Resource, opts: RunOptions) -> Timeline:
    return status.timeline(store, resource, policy_for(resource, registry, opts))
