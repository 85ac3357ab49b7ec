"""Per-endpoint politeness: a steady rate plus a shared pause after a 429.

Archive limits are per client IP, not per task, so one `Limiter` per endpoint
family is shared by every concurrent lookup of an `Archiver`.  When the
archive says 429 the whole family stops for `Retry-After` (or a default), as
the Internet Archive asks; ignored 429s earn a firewall block.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiolimiter import AsyncLimiter

log = logging.getLogger(__name__)

ESCALATE_AFTER = 3  # consecutive 429s
ESCALATION = 600.0  # seconds
BLOCK_PAUSE = 3600.0  # refused connections after 429s: a firewall block


class PausedTooLong(Exception):
    """The family is paused for longer than the caller is willing to wait."""

    def __init__(self, name: str, remaining: float) -> None:
        super().__init__(f"{name}: rate-limited, paused for {remaining:.0f} s more")
        self.remaining = remaining


class Limiter:
    """At most `per_minute` requests, evenly spaced, and a pause on demand."""

    def __init__(self, name: str, per_minute: float, *, max_wait: float) -> None:
        self.name = name
        # One token per interval: even spacing, no bursts (the archives average
        # over minutes, but a burst is what trips their alarms).
        self._bucket = AsyncLimiter(1, 60.0 / per_minute) if per_minute > 0 else None
        self._paused_until = 0.0  # time.monotonic() deadline
        self._max_wait = max_wait
        self.strikes = 0  # consecutive 429s

    async def acquire(self) -> None:
        """Wait for our turn; raise `PausedTooLong` rather than wait past `max_wait`."""
        while True:
            remaining = self._paused_until - time.monotonic()
            if remaining > 0:
                if remaining > self._max_wait:
                    raise PausedTooLong(self.name, remaining)
                await asyncio.sleep(remaining)
                continue
            if self._bucket is not None:
                await self._bucket.acquire()
            # A 429 may have arrived while we queued for the bucket: look again.
            if self._paused_until <= time.monotonic():
                return

    def pause(self, seconds: float) -> None:
        """Stop the whole family for `seconds` (after a 429).

        After `ESCALATE_AFTER` consecutive 429s stop for at least `ESCALATION`:
        IA blocks clients that keep going at the firewall, for an hour and
        doubling (docs/archive-protocols.md §5.1, §5.4).
        """
        self.strikes += 1
        if self.strikes >= ESCALATE_AFTER:
            seconds = max(seconds, ESCALATION)
        deadline = time.monotonic() + seconds
        if deadline > self._paused_until:
            self._paused_until = deadline
            log.warning("%s: rate-limited, pausing %.1f s", self.name, seconds)

    def succeeded(self) -> None:
        self.strikes = 0

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - time.monotonic())
