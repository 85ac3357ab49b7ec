"""Notification channels beyond a bare webhook: e-mail, Slack, Teams, Matrix, ...

Any `webhooks:` entry that is not an http(s) URL is an Apprise URL
(`mailto://`, `slack://`, `msteams://`, `matrix://`, `tgram://`, `json://`, ...):
Apprise speaks them all. Each gets the same facts as the JSON webhook, as a title
and a text message. Delivery is bounded in time and recorded, never raised; what
is recorded names the channel with its secrets masked (Apprise's privacy form).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

Record = Callable[[str, bool, str], None]  # (channel, delivered, detail)


def is_channel(target: str) -> bool:
    """An Apprise URL: anything but http(s), which are our own JSON webhooks."""
    scheme = target.partition("://")[0].lower()
    return bool(scheme) and "://" in target and scheme not in ("http", "https")


def message(body: dict[str, Any]) -> tuple[str, str]:
    """(title, text) from the webhook payload: the same facts, for people."""
    changes = body.get("changes") or []
    run = body.get("run") or {}
    n = sum(1 for c in changes if c.get("event") != "drifted")
    drifted = len(changes) - n
    parts = [f"{n} verdict change{'s' if n != 1 else ''}"] if n or not drifted else []
    if drifted:
        parts.append(f"{drifted} page{'s' if drifted != 1 else ''} changed since cited")
    title = "audit: " + ", ".join(parts)
    lines = [f"Run {run.get('id')} at {run.get('at')} (network {run.get('network')})."]
    for c in changes:
        if c.get("event") == "drifted":
            lines.append(f"- {c['resource']}: {c['after']}, page changed (drifted): {c['url']}")
        else:
            before = c.get("before") or "new"
            lines.append(f"- {c['resource']}: {before} -> {c['after']} ({c['event']}): {c['url']}")
        if c.get("reason"):
            lines.append(f"  {c['reason']}")
    return title, "\n".join(lines)


def valid(target: str) -> bool:
    """Whether Apprise knows this URL's scheme and can parse it (registry validation)."""
    import apprise  # noqa: PLC0415 - only when a channel is configured

    return apprise.Apprise().add(target)


async def send_channels(
    targets: Sequence[str],
    body: dict[str, Any],
    *,
    record: Record | None = None,
    timeout: float = 15.0,
) -> None:
    """Notify every channel concurrently, each within `timeout` seconds."""
    if not targets:
        return
    import apprise  # noqa: PLC0415 - heavy, and only needed when a channel is configured

    title, text = message(body)

    async def one(target: str) -> None:
        sender = apprise.Apprise()
        if not sender.add(target):
            if record:
                record(_masked(target), False, "not a notification URL Apprise knows")
            return
        shown = str(sender[0].url(privacy=True))  # type: ignore[no-untyped-call]
        try:
            async with asyncio.timeout(timeout):
                ok = bool(await sender.async_notify(body=text, title=title))
        except TimeoutError:
            ok, detail = False, f"no answer in {timeout:g} s"
        else:
            detail = "delivered" if ok else "refused (see the log)"
        if record:
            record(shown, bool(ok), detail)

    await asyncio.gather(*(one(t) for t in targets))


def _masked(target: str) -> str:
    scheme, _, rest = target.partition("://")
    return f"{scheme}://…" if rest else target
