"""Reading a Retry-After header (RFC 9110 §10.2.3), shared by the checker and the archive step."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delay-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # an HTTP-date is GMT by definition
    # An HTTP-date is wall-clock time by nature: compare with the wall clock.
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
