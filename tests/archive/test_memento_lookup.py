"""Memento archives in a lookup: TimeMaps (paged, indexed), TimeGates, and their failures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from audit.archive import ArchiveRequest
from audit.archive._http import Unavailable
from audit.archive.memento import fetch_timemap, negotiate
from audit.models import ArchiveStatus
from tests.archive.conftest import settings_for
from tests.archive.helpers import lookup, with_endpoint
from tests.servers.archive import Capture, FakeArchive
from tests.servers.web import Reply, WebServer

URL = "http://minobr.example.ru/doc"


def test_memento_archives_are_merged_with_wayback(fake: FakeArchive) -> None:
    fake.add(URL, Capture("20190101000000"))
    fake.add_other("arquivo", URL, "20170101000000", "20200301000000", "20240101000000")
    settings = settings_for(
        fake, verify=False, memento_timemaps=(("arquivo", fake.timemap_base("arquivo")),)
    )
    got = lookup(settings, ArchiveRequest(URL, date(2020, 4, 1)))
    assert got.status is ArchiveStatus.ARCHIVED
    assert got.count == 4
    assert got.first is not None and got.first.archive == "arquivo"
    assert got.before is not None and got.before.archive == "arquivo"
    assert got.before.timestamp == "20200301000000"
    assert got.before.url == fake.web.url(f"/m/arquivo/20200301000000/{URL}")
    assert got.last is not None and got.last.timestamp == "20240101000000"


def test_only_another_archive_has_it(fake: FakeArchive) -> None:
    fake.add_other("ukwa", URL, "20150505050505")
    settings = settings_for(
        fake, verify=False, memento_timemaps=(("ukwa", fake.timemap_base("ukwa")),)
    )
    got = lookup(settings, ArchiveRequest(URL))
    assert got.status is ArchiveStatus.ARCHIVED and got.count == 1
    assert got.nearest is not None and got.nearest.archive == "ukwa"


def test_paged_timemap_is_followed_through_rel_next(fake: FakeArchive) -> None:
    stamps = [f"20{y:02d}0101000000" for y in range(10, 17)]
    fake.add_other("loc", URL, *stamps, page_size=3)
    settings = settings_for(
        fake, verify=False, memento_timemaps=(("loc", fake.timemap_base("loc")),)
    )
    got = lookup(settings, ArchiveRequest(URL))
    assert got.count == 7
    assert fake.hits("/m/loc/timemap/link/") == 3


def test_timemap_404_in_every_archive_is_not_archived(fake: FakeArchive) -> None:
    settings = settings_for(
        fake, memento_timemaps=(("a", fake.timemap_base("a")), ("b", fake.timemap_base("b")))
    )
    got = lookup(settings, ArchiveRequest(URL))
    assert got.status is ArchiveStatus.NOT_ARCHIVED and got.count == 0


def test_unreachable_other_archive_makes_none_unknown(fake: FakeArchive) -> None:
    with WebServer() as dead:
        port = dead.port
    settings = settings_for(
        fake, retries=0, memento_timemaps=(("gone", f"http://127.0.0.1:{port}/timemap/"),)
    )
    got = lookup(settings, ArchiveRequest(URL))
    assert got.status is ArchiveStatus.UNKNOWN
    assert "gone:" in got.detail and "ConnectError" in got.detail


def test_failing_timemap_falls_back_to_the_timegate(fake: FakeArchive) -> None:
    fake.add_other("today", URL, "20120101000000", "20180601000000", "20230101000000")
    fake.faults.timemap_5xx = 10
    settings = settings_for(
        fake,
        verify=False,
        retries=1,
        memento_timemaps=(("today", fake.timemap_base("today")),),
        memento_timegates=(("today", fake.timegate_base("today")),),
    )
    got = lookup(settings, ArchiveRequest(URL, date(2018, 5, 1)))
    assert got.status is ArchiveStatus.ARCHIVED
    assert got.count is None
    assert got.nearest is not None and got.nearest.timestamp == "20180601000000"
    tg = [r for r in fake.web.requests if r.target.startswith("/m/today/timegate/")]
    assert tg[0].headers["accept-datetime"] == "Tue, 01 May 2018 23:59:59 GMT"


def test_rate_limited_timemap_is_unknown_without_asking_the_timegate(fake: FakeArchive) -> None:
    fake.add_other("today", URL, "20120101000000")
    fake.faults.timemap_429 = 10
    settings = settings_for(
        fake,
        max_wait=0.01,
        memento_timemaps=(("today", fake.timemap_base("today")),),
        memento_timegates=(("today", fake.timegate_base("today")),),
    )
    got = lookup(settings, ArchiveRequest(URL))
    assert got.status is ArchiveStatus.UNKNOWN
    assert "429" in got.detail
    assert fake.hits("/m/today/timemap/") == 1 and fake.hits("/m/today/timegate/") == 0


def test_timemap_index_is_followed(web: WebServer) -> None:
    base = web.url("/tm/")
    web.route(
        f"/tm/{URL}",
        Reply(
            200,
            (
                f'<{URL}>; rel="original",\n'
                f'<{web.url("/tm/a")}>; rel="timemap"; type="application/link-format"; '
                'from="Tue, 01 Jan 2019 00:00:00 GMT",\n'
                '</tm/b>; rel="timemap"; type="application/link-format",\n'
            ),
            content_type="application/link-format",
        ),
    )
    web.route(
        "/tm/a",
        Reply(
            200,
            '<http://x/w/1>; rel="memento"; datetime="Tue, 01 Jan 2019 00:00:00 GMT"',
            content_type="application/link-format",
        ),
    )
    web.route(
        "/tm/b",
        Reply(
            200,
            '<http://x/w/2>; rel="first last memento"; datetime="Mon, 01 Jan 2018 00:00:00 GMT",',
            content_type="application/link-format",
        ),
    )
    timemap = with_endpoint(lambda ep: fetch_timemap(ep, base, URL))
    assert timemap is not None
    assert [m.uri for m in timemap.mementos] == ["http://x/w/2", "http://x/w/1"]
    assert timemap.original == URL


def test_timemap_5xx_is_unavailable(web: WebServer) -> None:
    web.route(f"/tm/{URL}", Reply(503, "<h1>down</h1>"))
    with pytest.raises(Unavailable, match="HTTP 503"):
        with_endpoint(lambda ep: fetch_timemap(ep, web.url("/tm/"), URL))


def test_wayback_timegate_negotiation(fake: FakeArchive) -> None:
    fake.add(URL, Capture("20160717053407"), Capture("20200101000000"))
    gate = fake.wayback_url + "/web/"
    when = datetime(2016, 8, 1, tzinfo=UTC)
    found = with_endpoint(lambda ep: negotiate(ep, gate, URL, when))
    assert found is not None
    assert found.uri == fake.web.url(f"/web/20160717053407/{URL.replace('ru/', 'ru:80/')}")
    assert found.datetime == datetime(2016, 7, 17, 5, 34, 7, tzinfo=UTC)
    # Clamped to the last memento after the end; none for an unknown URL.
    late = with_endpoint(lambda ep: negotiate(ep, gate, URL, datetime(2030, 1, 1, tzinfo=UTC)))
    assert late is not None and late.datetime.year == 2020
    assert with_endpoint(lambda ep: negotiate(ep, gate, "http://nothing.test/", when)) is None


def test_undated_memento_uri_is_dated_from_the_memento(web: WebServer) -> None:
    web.route(f"/timegate/{URL}", Reply(302, "", headers=[("Location", "/AbCd1")]))
    web.route(
        "/AbCd1",
        Reply(
            200,
            "<html>copy</html>",
            headers=[("Memento-Datetime", "Sun, 17 Jul 2016 05:34:07 GMT")],
        ),
    )
    web.route(f"/timegate/{URL}x", Reply(302, "", headers=[("Location", "/nodate")]))
    web.route("/nodate", Reply(200, "<html>no header</html>"))
    when = datetime(2016, 8, 1, tzinfo=UTC)
    found = with_endpoint(lambda ep: negotiate(ep, web.url("/timegate/"), URL, when))
    assert found is not None and found.uri == web.url("/AbCd1")
    assert found.datetime == datetime(2016, 7, 17, 5, 34, 7, tzinfo=UTC)
    with pytest.raises(Unavailable, match="undated"):
        with_endpoint(lambda ep: negotiate(ep, web.url("/timegate/"), URL + "x", when))
