"""The check queue on a PostgreSQL store: jobs, host leases, exactly-once completion.

`audit schedule` enqueues one job per due resource; `audit worker` processes,
on any number of machines, claim *hosts* (not single jobs): a worker takes a
host's token row with `SELECT ... FOR UPDATE SKIP LOCKED` and a lease, checks
that host's queued jobs under its usual per-host limits, and so no two workers
ever load one host at once. A worker extends its leases while it checks and
releases a host when its jobs are done; a worker that dies (kill -9, power
loss) loses nothing but its leases, which expire, and another worker claims the
host and checks the jobs left. A job is completed in the transaction that
records its observation, once: a second completion (a worker whose lease ran
out while it was still checking) records nothing.

All times are the database's (`now()`), the one clock workers share.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from audit import codec, db
from audit.check import CheckTarget
from audit.errors import InputError
from audit.judge import Policy
from audit.store import Store

# pg_advisory_xact_lock key: one `audit schedule` at a time decides what is due
SCHEDULE_LOCK = 0x61756469_74000003


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    resource_id: str
    host: str
    target: CheckTarget
    policy: Policy = Policy()  # the resource's judging policy, as `audit schedule` saw it


def host_of(url: str) -> str:
    """The host a job's politeness is counted for (lower case; '' if there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _target_json(t: CheckTarget, policy: Policy) -> dict[str, Any]:
    return {
        "url": t.url,
        "etag": t.etag,
        "last_modified": t.last_modified,
        "accept": sorted(t.accept),
        "timeout": t.timeout,
        "policy": codec.encode(policy),
    }


def _policy(data: dict[str, Any]) -> Policy:
    text = data.get("policy")
    return Policy() if text is None else codec.decode(Policy, text)


def _target(data: dict[str, Any], key: object) -> CheckTarget:
    return CheckTarget(
        url=data["url"],
        etag=data.get("etag"),
        last_modified=data.get("last_modified"),
        accept=frozenset(data.get("accept", ())),
        timeout=data.get("timeout"),
        key=key,
    )


def _job(job_id: int, resource_id: str, host: str, data: dict[str, Any]) -> Job:
    return Job(job_id, resource_id, host, _target(data, job_id), _policy(data))


def needs_postgres(location: db.Location, command: str) -> None:
    if db.engine_of(location) is not db.Engine.POSTGRESQL:
        raise InputError(
            f"{command} needs a PostgreSQL store (--db postgresql://user@host/dbname);"
            f" {location} is SQLite: use `audit run`"
        )


def require_postgres(store: Store, command: str) -> None:
    needs_postgres(store.path, command)


class Queue:
    """The queue of one PostgreSQL store (its connection: one per process)."""

    def __init__(self, store: Store) -> None:
        require_postgres(store, "the check queue")
        self.store = store
        self._conn: Any = store._conn  # the queue is part of the store's engine

    # -- schedule -----------------------------------------------------------------------
    def enqueue(self, jobs: Sequence[tuple[str, CheckTarget, Policy]]) -> int:
        """Queue (resource_id, target, policy); a resource already queued is left alone.
        How many were new. Two schedulers at once queue each resource once."""

        rows = [(rid, host_of(t.url), json.dumps(_target_json(t, p))) for rid, t, p in jobs]

        def body() -> int:
            self._conn.execute("SELECT pg_advisory_xact_lock(?)", (SCHEDULE_LOCK,))
            # done jobs are bookkeeping (the observations are the record): keep a week
            self._conn.execute("DELETE FROM jobs WHERE done_at < now() - interval '7 days'")
            added = 0
            for i in range(0, len(rows), 5000):  # one statement per batch, not per job
                chunk = rows[i : i + 5000]
                ids, hosts, targets = ([r[k] for r in chunk] for k in range(3))
                added += self._conn.execute(
                    "INSERT INTO jobs(resource_id, host, target)"
                    " SELECT * FROM unnest(?::text[], ?::text[], ?::text[])"
                    " ON CONFLICT (resource_id) WHERE done_at IS NULL DO NOTHING",
                    (ids, hosts, targets),
                ).rowcount
                self._conn.execute(
                    "INSERT INTO hosts(host) SELECT DISTINCT unnest(?::text[])"
                    " ON CONFLICT (host) DO NOTHING",
                    (hosts,),
                )
            return added

        return int(self._conn.transaction(body))

    # -- workers ------------------------------------------------------------------------
    def claim(self, owner: str, hosts: int, lease: timedelta) -> list[Job]:
        """Lease up to `hosts` free hosts with queued jobs; their jobs, oldest first."""

        def body() -> list[Job]:
            claimed = [
                row[0]
                for row in self._conn.execute(
                    "UPDATE hosts SET owner = ?, lease_until = now() + ? WHERE host IN ("
                    " SELECT h.host FROM hosts h"
                    " WHERE (h.lease_until IS NULL OR h.lease_until < now())"
                    " AND EXISTS (SELECT 1 FROM jobs j WHERE j.host = h.host"
                    " AND j.done_at IS NULL)"
                    " ORDER BY h.lease_until NULLS FIRST, h.host LIMIT ?"
                    " FOR UPDATE SKIP LOCKED) RETURNING host",
                    (owner, lease, hosts),
                )
            ]
            if not claimed:
                return []
            rows = self._conn.execute(
                "SELECT id, resource_id, host, target FROM jobs"
                " WHERE host = ANY(?) AND done_at IS NULL ORDER BY id",
                (claimed,),
            ).fetchall()
            return [_job(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

        jobs: list[Job] = self._conn.transaction(body)
        return jobs

    def extend(self, owner: str, hosts: Sequence[str], lease: timedelta) -> int:
        """Push the leases this worker still holds forward; how many it still holds."""
        cur = self._conn.execute(
            "UPDATE hosts SET lease_until = now() + ? WHERE owner = ? AND host = ANY(?)",
            (lease, owner, list(hosts)),
        )
        return int(cur.rowcount)

    def release(self, owner: str, hosts: Sequence[str]) -> None:
        self._conn.execute(
            "UPDATE hosts SET owner = NULL, lease_until = NULL WHERE owner = ? AND host = ANY(?)",
            (owner, list(hosts)),
        )

    def complete(self, job: Job, owner: str, record: Callable[[], int]) -> bool:
        """Mark the job done and `record` its check (the observation row, or the row it
        repeats), together; False (and nothing recorded) when another worker completed it
        first. `record` may run again if the connection is lost before the commit."""

        def body() -> bool:
            done = self._conn.execute(
                "UPDATE jobs SET done_at = now(), worker = ? WHERE id = ? AND done_at IS NULL"
                " RETURNING id",
                (owner, job.id),
            ).fetchone()
            if done is None:
                return False
            row = record()
            self._conn.execute("UPDATE jobs SET observation_id = ? WHERE id = ?", (row, job.id))
            return True

        return bool(self._conn.transaction(body))

    def pending(self) -> int:
        """Jobs not yet done (queued, or leased by a worker that may still finish them)."""
        row = self._conn.execute("SELECT count(*) FROM jobs WHERE done_at IS NULL").fetchone()
        return int(row[0])
