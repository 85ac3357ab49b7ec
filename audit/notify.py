"""Webhook notifications when verdicts change (newly dead, moved, recovered, ...).

Each webhook gets one JSON POST per run with the changes. Delivery has a short
timeout and a few retries, runs concurrently with the rest of the run, and a
failure is recorded, never raised: a broken receiver must not break a run.
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

log = logging.getLogger(__name__)

Record = Callable[[str, bool, str], None]  # (webhook, delivered, detail)


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
    timeout: float = 5.0,
    retries: int = 2,
    dns_server: tuple[str, int] | None = None,
) -> None:
    """POST `body` to every webhook, notify every Apprise channel, all concurrently."""
    hooks = [t for t in targets if not channels.is_channel(t)]
    async with httpx.AsyncClient(
        timeout=timeout,
        headers={"User-Agent": user_agent},
        follow_redirects=False,
        transport=resolving_transport(dns_server=dns_server),  # names: our resolver's
    ) as client:
        await asyncio.gather(
            channels.send_channels(
                [t for t in targets if channels.is_channel(t)], body, record=record
            ),
            *(_send(client, t, body, retries, record) for t in hooks),
        )


async def _send(
    client: httpx.AsyncClient,
    target: str,
    body: dict[str, object],
    retries: int,
    record: Record | None,
) -> None:
    detail = ""
    for attempt in range(retries + 1):
        if attempt:
            await asyncio.sleep(0.5 * 2 ** (attempt - 1))
        try:
            answer = await client.post(target, json=body)
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
