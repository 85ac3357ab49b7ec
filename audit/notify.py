"""Webhook notifications when verdicts change (newly dead, moved, recovered, ...).

Each webhook gets one JSON POST per run with the changes. With `--notify-drift`
(`notify_drift = true` in audit.toml) a live page that changed notably since it
was first recorded (the reports' notion: title changed, or visible text under
80 % similar) is an event `drifted` too, sent once: in the run whose checks made
it notable, i.e. notable after the run and not before it (a page that settles
back and drifts again is news again; an offline run changes nothing). Every POST has a
total deadline (a receiver that drips its answer is cut off), the whole
delivery a bounded wait, and targets pass the address policy (no loopback or
private receivers without `--allow-private`). A failure is recorded, never
raised: a broken receiver must not break a run, nor delay its reports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx

from audit import __version__, channels
from audit.check import CheckTarget
from audit.check.transport import resolving_transport
from audit.drift import drift_of
from audit.history import Ledgers
from audit.judge import State
from audit.models import Drift, Judgement, Network, Resource, Verdict, VerdictChange
from audit.netpolicy import AddressPolicy
from audit.report import drift_notable

log = logging.getLogger(__name__)

Record = Callable[[str, bool, str], None]  # (webhook, delivered, detail)
POST_TIMEOUT = 5.0  # seconds per POST, all included (a shorter --timeout lowers it)


@dataclass(frozen=True, slots=True)
class Drifted:
    """A live page that became notably different from its first recorded version."""

    resource_id: str
    url: str | None
    verdict: Verdict
    drift: Drift
    title_before: str
    title_after: str

    @property
    def reason(self) -> str:
        d = self.drift
        parts = [f"text {d.similarity:.0%} similar to {d.baseline_at:%Y-%m-%d}"]
        if d.title_changed:
            parts.append(f"title {self.title_before!r} → {self.title_after!r}")
        return "; ".join(parts)


def drift_states(
    ledgers: Ledgers, targets: Iterable[CheckTarget], twins: Mapping[str, Sequence[str]]
) -> dict[str, State]:
    """The judge states of the resources a run will check (its targets and their twins),
    before its checks: what "newly" is measured from, as only a checked one can drift."""
    keys = [str(t.key) for t in targets]
    ids = [*keys, *(twin for k in keys for twin in twins.get(k, ()))]
    return {rid: ledger.state for rid, ledger in ledgers.each(ids)}


def newly_drifted(
    resources: Iterable[Resource],
    before: Mapping[str, State],
    ledgers: Ledgers,
    touched: Collection[str],
    judgements: Mapping[str, Judgement],
) -> tuple[Drifted, ...]:
    """The resources this run's checks made notably drifted (pure but for the ledgers)."""
    out = []
    for r in resources:
        if r.id not in touched or r.id not in before or r.id not in judgements:
            continue
        state = ledgers.get(r.id).state
        now = drift_of(state)
        if not drift_notable(now) or drift_notable(drift_of(before[r.id])):
            continue
        assert now is not None and state.baseline is not None and state.latest is not None
        base, last = state.baseline.fingerprint, state.latest.fingerprint
        assert base is not None and last is not None
        verdict = judgements[r.id].verdict
        out.append(Drifted(r.id, r.url, verdict, now, base.title.strip(), last.title.strip()))
    return tuple(out)


def payload(
    run_id: int,
    at: datetime,
    network: Network,
    changes: Iterable[VerdictChange],
    drifted: Iterable[Drifted] = (),
) -> dict[str, object]:
    """The JSON body: the run and each change, with a one-word event name.

    The body's event is `verdicts_changed` when a verdict changed, else `drifted`."""
    items: list[dict[str, object]] = [
        {
            "resource": c.resource_id,
            "url": c.url,
            "before": c.before.value if c.before else None,
            "after": c.after.value,
            "event": change_event(c),
            "reason": c.reason,
        }
        for c in changes
    ]
    verdicts_changed = bool(items)
    items += [
        {
            "resource": d.resource_id,
            "url": d.url,
            "before": d.verdict.value,  # a drift is no verdict change
            "after": d.verdict.value,
            "event": "drifted",
            "reason": d.reason,
            "similarity": round(d.drift.similarity, 4),
            "title_changed": d.drift.title_changed,
            "title_before": d.title_before,
            "title_after": d.title_after,
            "baseline_at": d.drift.baseline_at.isoformat(),
        }
        for d in drifted
    ]
    return {
        "event": "verdicts_changed" if verdicts_changed else "drifted",
        "tool": f"audit/{__version__}",
        "run": {"id": run_id, "at": at.isoformat(), "network": network.value},
        "changes": items,
    }


def change_event(c: VerdictChange) -> str:
    if c.after is Verdict.DEAD:
        return "dead"
    if c.after is Verdict.MOVED:
        return "moved"
    if c.after is Verdict.ALIVE and c.before not in (None, Verdict.UNKNOWN, Verdict.ALIVE):
        return "recovered"
    return "changed"


async def send_all(
    targets: Sequence[str],
    body: dict[str, object],
    *,
    user_agent: str,
    record: Record | None = None,
    timeout: float = POST_TIMEOUT,
    retries: int = 2,
    dns_server: tuple[str, int] | None = None,
    wait: float = 30.0,
    allow_private: bool = False,
) -> None:
    """POST `body` to every webhook, notify every Apprise channel, all concurrently.

    `timeout` bounds each POST (connect + headers + body), `wait` the whole
    delivery: what has not arrived by then is recorded as not delivered.
    """
    policy = AddressPolicy((), allow_private=allow_private, timeout=timeout, dns_server=dns_server)
    async with httpx.AsyncClient(
        timeout=timeout,
        headers={"User-Agent": user_agent},
        follow_redirects=False,
        transport=resolving_transport(dns_server=dns_server),  # names: our resolver's
    ) as client:
        jobs = {
            asyncio.create_task(
                channels.send_channels([t], body, record=record, timeout=wait)
                if channels.is_channel(t)
                else _send(client, policy, t, body, timeout=timeout, retries=retries, record=record)
            ): t
            for t in targets
        }
        _, pending = await asyncio.wait(jobs, timeout=wait)
        for job in pending:
            job.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for job in pending:
            log.warning("webhook %s: not delivered within %g s", jobs[job], wait)
            if record:
                record(jobs[job], False, f"not delivered within {wait:g} s")


async def _send(
    client: httpx.AsyncClient,
    policy: AddressPolicy,
    target: str,
    body: dict[str, object],
    *,
    timeout: float,
    retries: int,
    record: Record | None,
) -> None:
    refused = await policy.refuse(target)
    if refused is not None:
        log.warning("webhook %s refused: %s", target, refused)
        if record:
            record(target, False, f"refused: {refused}")
        return
    detail = ""
    for attempt in range(retries + 1):
        if attempt:
            await asyncio.sleep(0.5 * 2 ** (attempt - 1))
        try:
            async with asyncio.timeout(timeout):
                # Streamed and closed unread: a receiver's body is never ours to hold.
                answer = await client.send(
                    client.build_request("POST", target, json=body), stream=True
                )
                await answer.aclose()
        except TimeoutError:
            # Not retried: the receiver may have acted on it, and would drip again.
            detail = f"no complete answer within {timeout:g} s"
            break
        except httpx.HTTPError as exc:
            detail = f"{type(exc).__name__}: {exc}"
            continue
        detail = f"HTTP {answer.status_code}"
        if answer.is_success:
            if record:
                record(target, True, detail)
            return
        if answer.status_code < 500 and answer.status_code not in (408, 429):
            break  # the receiver refuses this payload: retrying will not help
    log.warning("webhook %s failed: %s", target, detail)
    if record:
        record(target, False, detail)
