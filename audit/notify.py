"""Webhook notifications when verdicts change (newly dead, moved, recovered, ...).

Each webhook gets one JSON POST per run with the changes. Every POST has a
total deadline (a receiver that drips its answer is cut off), the whole
delivery a bounded wait, and targets pass the address policy (no loopback or
private receivers without `--allow-private`). A failure is recorded, never
raised: a broken receiver must not break a run, nor delay its reports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

import httpx

from audit import __version__, channels
from audit.check.transport import resolving_transport
from audit.models import Network, Verdict, VerdictChange
from audit.netpolicy import AddressPolicy

log = logging.getLogger(__name__)

Record = Callable[[str, bool, str], None]  # (webhook, delivered, detail)
POST_TIMEOUT = 5.0  # seconds per POST, all included (a shorter --timeout lowers it)


def payload(
    run_id: int, at: datetime, network: Network, changes: Iterable[VerdictChange]
) -> dict[str, object]:
    """The JSON body: the run and each change, with a one-word event name."""
    return {
        "event": "verdicts_changed",
        "tool": f"audit/{__version__}",
        "run": {"id": run_id, "at": at.isoformat(), "network": network.value},
        "changes": [
            {
                "resource": c.resource_id,
                "url": c.url,
                "before": c.before.value if c.before else None,
                "after": c.after.value,
                "event": change_event(c),
                "reason": c.reason,
            }
            for c in changes
        ],
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
