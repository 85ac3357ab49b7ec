"""Retry-After values: delay-seconds and HTTP-dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from audit.retryafter import parse_retry_after


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 1 ", 1.0),
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    now = datetime(2026, 10, 21, 7, 28, tzinfo=UTC)
    assert parse_retry_after(value, now) == seconds


def test_retry_after_forms() -> None:
    assert parse_retry_after("120") == 120
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    value = parse_retry_after(later)
    assert value is not None and 25 < value <= 30
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
