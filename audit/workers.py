"""Distributed checking on a PostgreSQL store: `audit schedule` and `audit worker`.

schedule: what `audit run` would check now (the same judge, the same due rules)
goes into the queue instead of the checker. worker: claim hosts, check their
jobs with the ordinary checker (its per-host limits are now global, since a
host is leased to one worker at a time), record each observation as the job's
completion, extend the leases while checking, release them after. `audit
report` judges and renders from the shared store as ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from audit import __version__, pipeline, status
from audit.check import CheckSettings, open_checker, rules_stamp
from audit.history import Ledgers, Recorder
from audit.models import Classification, Network, Observation
from audit.queue import Job, Queue, require_postgres
from audit.registry import Registry
from audit.store import Store


@dataclass(frozen=True, slots=True)
class ScheduleSummary:
    run_id: int
    due: int
    queued: int  # new jobs (a resource already waiting in the queue is not queued twice)
    not_due: int


def schedule(
    registry: Registry, store: Store, opts: pipeline.RunOptions, clock: pipeline.Clock
) -> ScheduleSummary:
    """Queue every due resource of the registry (excluded ones are recorded as skipped)."""
    require_postgres(store, "audit schedule")
    queue = Queue(store)
    run_id = store.start_run(
        clock.now(), vantage="", tool_version=__version__, registry=str(registry.path),
        command="schedule",
    )  # fmt: skip
    rules = status.rules_of(registry, opts.policy, opts.policy_overridden)
    ledgers = Ledgers(store, rules)
    with Recorder(store, ledgers, run_id) as recorder:  # records the excluded as skipped
        targets, _, not_due = pipeline.select_due(registry, opts, recorder, clock)
    # each job carries its resource's judging policy: workers need no registry
    queued = queue.enqueue([(str(t.key), t, rules(str(t.key))[1]) for t in targets])
    store.finish_run(run_id, clock.now(), Network.ONLINE)
    return ScheduleSummary(run_id, len(targets), queued, not_due)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    vantage: str
    check: CheckSettings
    hosts: int = 64  # hosts leased at once
    lease: timedelta = timedelta(minutes=5)
    poll: float = 5.0  # seconds between looks at an empty queue
    until_empty: bool = False  # stop when no job is left (not even a leased one)


@dataclass(slots=True)
class WorkerSummary:
    run_id: int
    checked: int = 0
    duplicates: int = 0  # checks another worker had completed first (not recorded)
    batches: int = 0


def owner_name(vantage: str) -> str:
    """Who holds a lease: vantage, machine and process, unique among live workers."""
    return f"{vantage}@{socket.gethostname()}:{os.getpid()}"


async def work(
    store: Store,
    opts: WorkerOptions,
    clock: pipeline.Clock,
    progress: Callable[[WorkerSummary], None] | None = None,
) -> WorkerSummary:
    """Claim, check, record until stopped (or, with `until_empty`, until the queue is)."""
    require_postgres(store, "audit worker")
    queue = Queue(store)
    owner = owner_name(opts.vantage)
    run_id = store.start_run(
        clock.now(), vantage=opts.vantage, tool_version=__version__, command="worker"
    )
    summary = WorkerSummary(run_id)
    status = "interrupted"
    try:
        while True:
            jobs = queue.claim(owner, opts.hosts, opts.lease)
            if not jobs:
                if opts.until_empty and queue.pending() == 0:
                    break
                # others hold the rest (a dead worker's leases expire): look again soon
                await asyncio.sleep(min(opts.poll, opts.lease.total_seconds() / 4))
                continue
            await _check_batch(queue, owner, jobs, opts=opts, clock=clock, summary=summary)
            summary.batches += 1
            if progress:
                progress(summary)
        status = "finished"
    finally:
        store.finish_run(run_id, clock.now(), Network.ONLINE, status)
    return summary


async def _check_batch(
    queue: Queue,
    owner: str,
    jobs: list[Job],
    *,
    opts: WorkerOptions,
    clock: pipeline.Clock,
    summary: WorkerSummary,
) -> None:
    hosts = sorted({j.host for j in jobs})
    by_id = {j.id: j for j in jobs}
    heartbeat = asyncio.create_task(_keep_leases(queue, owner, hosts, opts.lease))
    try:
        targets = [j.target for j in jobs]
        async with open_checker(opts.check, targets) as checker:
            async for result in checker.run(targets):
                job = by_id[int(str(result.target.key))]
                obs = dataclasses.replace(result.observation, checked_at=clock.now())
                record = functools.partial(
                    _record,
                    queue.store,
                    job,
                    summary.run_id,
                    obs=obs,
                    why=result.classification,
                    by=rules_stamp(result.target.accept),
                )
                done = queue.complete(job, owner, record)
                summary.checked += done
                summary.duplicates += not done
    finally:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
    queue.release(owner, hosts)


def _record(
    store: Store, job: Job, run_id: int, *, obs: Observation, why: Classification, by: str
) -> int:
    """The check and its judge state, recorded as `audit run` records them; the ledger is
    read afresh for each job (another worker may have recorded the resource since, and a
    retried transaction must start from what the store holds)."""
    rules = {job.resource_id: (job.target.accept, job.policy)}
    recorder = Recorder(store, Ledgers(store, rules.__getitem__), run_id)
    return recorder.record(job.resource_id, obs, why, by)


async def _keep_leases(queue: Queue, owner: str, hosts: list[str], lease: timedelta) -> None:
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        queue.extend(owner, hosts, lease)
