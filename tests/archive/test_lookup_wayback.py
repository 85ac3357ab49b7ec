"""Lookups against the fake archive: CDX first, availability as fallback, never a false "none"."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

from audit.archive import ArchiveRequest, MemoryCache, lookup_to_json
from audit.models import ArchiveStatus
from tests.archive.conftest import settings_for
from tests.archive.helpers import NOW, lookup, lookup_all
from tests.servers.archive import Capture, FakeArchive

URL = "https://www.example.org/report.pdf"


def _history(fake: FakeArchive) -> None:
    fake.add(
        URL,
        Capture("20150310101010"),
        Capture("20180102030405"),
        Capture("20190601000000", revisit=True),
        Capture("20200115000000", status=404),  # an archived error: not a copy
        Capture("20210707070707", status=301, location="https://www.example.org/"),
        Capture("20230909090909"),
    )


def test_cdx_gives_count_first_last_and_snapshots_around_the_citation(fake: FakeArchive) -> None:
    _history(fake)
    got = lookup(settings_for(fake, verify=False), ArchiveRequest(URL, date(2020, 3, 1)))
    assert got.status is ArchiveStatus.ARCHIVED
    assert got.count == 4  # 2xx + revisit; the 404 and the 301 are filtered out
    assert got.first is not None and got.first.timestamp == "20150310101010"
    assert got.last is not None and got.last.timestamp == "20230909090909"
    assert got.before is not None and got.before.timestamp == "20190601000000"
    assert got.before.status is None  # a revisit row
    assert got.after is not None and got.after.timestamp == "20230909090909"
    assert got.nearest == got.before
    assert (
        got.nearest.url
        == f"{fake.wayback_url}/web/20190601000000/http://www.example.org/report.pdf"
    )
    assert got.checked_at == NOW
    # One CDX request asked for JSON, the header fields, the 2xx+revisit filter.
    (request,) = [r for r in fake.web.requests if r.target.startswith("/cdx/")]
    assert "output=json" in request.target and "showResumeKey=true" in request.target
    assert "filter=statuscode%3A%28%3F%3A2..%7C-%29" in request.target
    assert fake.availability_hits() == 0


def test_without_citation_date_nearest_is_the_latest(fake: FakeArchive) -> None:
    _history(fake)
    got = lookup(settings_for(fake, verify=False), ArchiveRequest(URL))
    assert got.nearest is not None and got.nearest.timestamp == "20230909090909"
    assert got.before is None and got.after is None


def test_resume_keys_page_through_every_capture(fake: FakeArchive) -> None:
    fake.add(URL, *(Capture(f"2010{m:02d}01000000") for m in range(1, 13)))
    settings = settings_for(fake, verify=False, cdx_page_size=5)
    got = lookup(settings, ArchiveRequest(URL, date(2010, 6, 15)))
    assert got.count == 12
    assert got.before is not None and got.before.timestamp == "20100601000000"
    assert fake.hits("/cdx/") == 3
    assert "resumeKey=" in fake.web.requests[-1].target


def test_truncated_listing_still_knows_the_latest(fake: FakeArchive) -> None:
    fake.add(URL, *(Capture(f"2010{m:02d}01000000") for m in range(1, 13)))
    settings = settings_for(fake, verify=False, cdx_page_size=2, cdx_max_pages=2)
    got = lookup(settings, ArchiveRequest(URL))
    assert got.count == 4
    assert "lower bound" in got.detail
    assert got.last is not None and got.last.timestamp == "20101201000000"


def test_cdx_duplicate_rows_are_counted_once(fake: FakeArchive) -> None:
    _history(fake)
    fake.faults.cdx_duplicates = True
    got = lookup(settings_for(fake, verify=False), ArchiveRequest(URL))
    assert got.count == 4


def test_never_archived_is_not_archived(fake: FakeArchive) -> None:
    got = lookup(settings_for(fake), ArchiveRequest("http://never.example.net/"))
    assert got.status is ArchiveStatus.NOT_ARCHIVED
    assert got.count == 0 and got.nearest is None
    assert lookup_to_json(got) == {
        "url": "http://never.example.net/",
        "status": "not_archived",
        "count": 0,
        "first": None,
        "last": None,
        "nearest": None,
        "saved": None,
    }


def test_cdx_5xx_falls_back_to_availability(fake: FakeArchive) -> None:
    _history(fake)
    fake.faults.cdx_5xx = 10
    got = lookup(settings_for(fake, verify=False, retries=1), ArchiveRequest(URL, date(2018, 2, 1)))
    assert got.status is ArchiveStatus.ARCHIVED
    assert got.count is None  # the availability API does not count
    assert got.nearest is not None and got.nearest.timestamp == "20180102030405"
    assert got.nearest.url.startswith(fake.wayback_url + "/web/")  # not http://web.archive.org
    assert fake.hits("/cdx/") == 2  # first try + one retry
    assert fake.availability_hits() == 1
    assert "HTTP 503" in got.detail


def test_spurious_empty_availability_answers_are_asked_again(fake: FakeArchive) -> None:
    _history(fake)
    fake.faults.cdx_5xx = 10
    fake.faults.availability_empty = 2
    got = lookup(settings_for(fake, verify=False, retries=0), ArchiveRequest(URL))
    assert got.status is ArchiveStatus.ARCHIVED
    assert fake.availability_hits() == 3


def test_availability_https_miss_is_retried_without_scheme(fake: FakeArchive) -> None:
    _history(fake)
    fake.faults.cdx_5xx = 10
    fake.faults.availability_https_miss = True
    got = lookup(settings_for(fake, verify=False, retries=0), ArchiveRequest(URL))
    assert got.status is ArchiveStatus.ARCHIVED
    asked = [r.target for r in fake.avail.requests]
    assert "url=https%3A%2F%2F" in asked[0] and "url=www.example.org" in asked[1]


def test_empty_availability_after_cdx_failure_is_unknown_not_not_archived(
    fake: FakeArchive,
) -> None:
    fake.faults.cdx_5xx = 10
    got = lookup(
        settings_for(fake, retries=0, availability_tries=2),
        ArchiveRequest("http://never.example.net/"),
    )
    assert got.status is ArchiveStatus.UNKNOWN
    assert got.count is None
    assert "not conclusive" in got.detail
    assert lookup_to_json(got)["status"] == "unknown"


def test_429_with_html_everywhere_is_unknown(fake: FakeArchive) -> None:
    _history(fake)
    fake.faults.cdx_429 = 100
    fake.faults.availability_429 = 100
    got = lookup(settings_for(fake), ArchiveRequest(URL))
    assert got.status is ArchiveStatus.UNKNOWN
    assert "429" in got.detail
    # Bounded: the family is paused and retried a couple of times, not hammered.
    assert fake.hits("/cdx/") <= 3 and fake.availability_hits() <= 3


def test_retry_after_is_honoured_then_the_answer_is_used(fake: FakeArchive) -> None:
    _history(fake)
    fake.faults.cdx_429 = 1
    fake.faults.retry_after = "1"
    started = time.monotonic()
    got = lookup(settings_for(fake, verify=False), ArchiveRequest(URL))
    elapsed = time.monotonic() - started
    assert got.status is ArchiveStatus.ARCHIVED and got.count == 4
    assert elapsed >= 0.95  # waited for Retry-After: 1 before asking again
    assert fake.hits("/cdx/") == 2


def test_retry_after_longer_than_max_wait_gives_unknown_at_once(fake: FakeArchive) -> None:
    _history(fake)
    fake.faults.cdx_429 = 5
    fake.faults.availability_429 = 5
    fake.faults.retry_after = "3600"
    started = time.monotonic()
    settings = settings_for(fake, concurrency=1)
    got = lookup_all(settings, [ArchiveRequest(URL), ArchiveRequest(URL + "?b")])
    assert time.monotonic() - started < 5
    assert [g.status for g in got] == [ArchiveStatus.UNKNOWN] * 2
    # The second lookup did not even ask: the families were paused for an hour.
    assert fake.hits("/cdx/") == 1 and fake.availability_hits() == 1


def test_cache_answers_a_rerun_within_the_freshness_window(fake: FakeArchive) -> None:
    _history(fake)
    settings = settings_for(fake, verify=False)
    cache = MemoryCache(settings.freshness)
    first = lookup(settings, ArchiveRequest(URL), cache=cache)
    asked = len(fake.web.requests)
    again = lookup(settings, ArchiveRequest(URL), cache=cache, now=NOW + settings.freshness / 2)
    assert again == first and len(fake.web.requests) == asked
    later = lookup(settings, ArchiveRequest(URL), cache=cache, now=NOW + settings.freshness * 2)
    assert later.checked_at == NOW + settings.freshness * 2
    assert len(fake.web.requests) > asked


def test_unknown_answers_are_not_cached(fake: FakeArchive) -> None:
    _history(fake)
    fake.faults.cdx_5xx = 2
    fake.faults.availability_429 = 1
    settings = settings_for(fake, verify=False, retries=0, rate_limit_pause=0.01)
    settings = replace(settings, max_wait=0.001)
    cache = MemoryCache(settings.freshness)
    assert lookup(settings, ArchiveRequest(URL), cache=cache).status is ArchiveStatus.UNKNOWN
    fake.faults.cdx_5xx = 0
    assert lookup(settings, ArchiveRequest(URL), cache=cache).status is ArchiveStatus.ARCHIVED


def test_lookup_to_json_follows_the_contract(fake: FakeArchive) -> None:
    _history(fake)
    got = lookup(settings_for(fake, verify=False), ArchiveRequest(URL, date(2018, 3, 1)))
    data = lookup_to_json(got)
    assert list(data) == ["url", "status", "count", "first", "last", "nearest", "saved"]
    assert data["status"] == "archived" and data["count"] == 4
    assert data["nearest"] == {
        "archive": "wayback",
        "url": f"{fake.wayback_url}/web/20180102030405/http://www.example.org/report.pdf",
        "timestamp": "20180102030405",
        "status": 200,
        "verified": None,
    }


def test_results_come_in_request_order(fake: FakeArchive) -> None:
    urls = [f"http://site{i}.example.org/" for i in range(6)]
    for i, u in enumerate(urls):
        if i % 2:
            fake.add(u, Capture("20200101000000"))
    got = lookup_all(
        settings_for(fake, verify=False, concurrency=3),
        [ArchiveRequest(u, key=str(i)) for i, u in enumerate(urls)],
    )
    assert [g.url for g in got] == urls
    assert [g.status for g in got] == [ArchiveStatus.NOT_ARCHIVED, ArchiveStatus.ARCHIVED] * 3


def test_plain_text_cdx_is_read_too(fake: FakeArchive) -> None:
    fake.add(URL, *(Capture(f"2011{m:02d}01000000") for m in range(1, 8)))
    fake.faults.cdx_plain = True
    got = lookup(settings_for(fake, verify=False, cdx_page_size=3), ArchiveRequest(URL))
    assert got.status is ArchiveStatus.ARCHIVED and got.count == 7
    assert fake.hits("/cdx/") == 3  # resume keys from the text form


def test_blocked_site_is_unknown_not_not_archived(fake: FakeArchive) -> None:
    fake.add(URL, Capture("20190101000000"))
    fake.faults.cdx_blocked = True
    fake.faults.availability_empty = 10  # excluded sites answer {} there
    got = lookup(settings_for(fake, availability_tries=2), ArchiveRequest(URL))
    assert got.status is ArchiveStatus.UNKNOWN
    assert "Blocked Site Error" in got.detail
    assert fake.hits("/cdx/") == 1  # a 403 is not retried


def test_three_429s_stop_the_family_for_long(fake: FakeArchive) -> None:
    fake.add(URL, Capture("20190101000000"))
    fake.faults.cdx_429 = 3
    fake.faults.retry_after = "0"
    fake.faults.availability_429 = 100
    got = lookup_all(
        settings_for(fake, concurrency=1), [ArchiveRequest(URL), ArchiveRequest(URL + "?2")]
    )
    assert [g.status for g in got] == [ArchiveStatus.UNKNOWN] * 2
    # After the third 429 the CDX family stops (10 min): the 2nd lookup never asks it.
    assert fake.hits("/cdx/") == 3


def test_the_same_url_cited_twice_is_asked_once(fake: FakeArchive) -> None:
    _history(fake)
    requests = [
        ArchiveRequest(URL, key="r1"),
        ArchiveRequest(URL, key="r2"),
        ArchiveRequest(URL, date(2016, 1, 1), key="r3"),
    ]
    got = lookup_all(settings_for(fake, verify=False), requests)
    assert got[0] == got[1] and len(got) == 3
    assert fake.hits("/cdx/") == 2  # the dated request is a different question
