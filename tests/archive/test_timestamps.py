from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from audit.archive.timestamps import (
    citation_instant,
    format_http_date,
    format_timestamp,
    parse_http_date,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        ("20130919044612", datetime(2013, 9, 19, 4, 46, 12, tzinfo=UTC)),
        ("2006", datetime(2006, 1, 1, tzinfo=UTC)),
        ("200602", datetime(2006, 2, 1, tzinfo=UTC)),
        ("20060203", datetime(2006, 2, 3, tzinfo=UTC)),
        # Year-2000 CDX rows with an inserted "00" month (edgi's repair).
        ("20000008241731", datetime(2000, 8, 24, 17, 31, tzinfo=UTC)),
    ],
)
def test_parse_timestamp(ts: str, expected: datetime) -> None:
    assert parse_timestamp(ts) == expected


@pytest.mark.parametrize("ts", ["", "abc", "20201340000000", "123", "202001010000001"])
def test_parse_timestamp_rejects(ts: str) -> None:
    assert parse_timestamp(ts) is None


def test_http_dates_round_trip_in_gmt() -> None:
    when = datetime(2017, 11, 24, 15, 13, 15, tzinfo=UTC)
    assert format_http_date(when) == "Fri, 24 Nov 2017 15:13:15 GMT"
    assert parse_http_date("Fri, 24 Nov 2017 15:13:15 GMT") == when
    assert parse_http_date("not a date") is None
    assert parse_http_date(None) is None
    assert format_timestamp(when) == "20171124151315"


def test_a_same_day_capture_counts_as_before_the_citation() -> None:
    assert citation_instant(date(2020, 5, 1)) == datetime(2020, 5, 1, 23, 59, 59, tzinfo=UTC)
