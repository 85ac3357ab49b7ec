"""The recommended snapshot replays raw with Memento-Datetime and is a real page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from audit.archive import ArchiveRequest, best_replacement
from audit.archive._http import decode
from audit.archive.verify import raw_replay_url
from audit.models import ArchiveLookup, ArchiveStatus, Classification, Outcome, Snapshot
from tests.archive.conftest import settings_for
from tests.archive.helpers import lookup, with_endpoint
from tests.servers.archive import Capture, FakeArchive, _page

URL = "http://www.edu.example.ru/programs/"
GOOD = _page("Программы", "Региональные программы образования")
SOFT = _page("Страница не найдена", "Ошибка 404: запрошенная страница не найдена")


@dataclass
class PageCheck:
    """A small stand-in for the checker's classify_page, recording its calls."""

    calls: list[tuple[str, int, str, str]] = field(default_factory=list)

    def __call__(self, url: str, status: int, html: str, final_url: str) -> Classification:
        self.calls.append((url, status, html, final_url))
        if "не найдена" in html:
            return Classification(Outcome.SOFT_404, ("soft404-title:ru",))
        return Classification(Outcome.OK)


def test_raw_replay_url() -> None:
    assert (
        raw_replay_url("https://w/web/20200101000000/http://x/")
        == "https://w/web/20200101000000id_/http://x/"
    )
    assert (
        raw_replay_url("https://w/web/20200101000000mp_/http://x/20200101000000/")
        == "https://w/web/20200101000000id_/http://x/20200101000000/"
    )
    assert raw_replay_url("https://archive.ph/AbCd1") == "https://archive.ph/AbCd1"


def test_nearest_before_verified_in_raw_mode(fake: FakeArchive) -> None:
    fake.add(URL, Capture("20190101000000", body=GOOD), Capture("20220101000000", body=GOOD))
    check = PageCheck()
    got = lookup(settings_for(fake), ArchiveRequest(URL, date(2020, 1, 1)), page_check=check)
    assert got.recommended is not None and got.recommended.timestamp == "20190101000000"
    assert got.recommended.verified is True
    assert got.before is not None and got.before.verified is True
    assert got.after is not None and got.after.verified is None  # not replayed
    (call,) = check.calls
    assert call[0] == URL and call[1] == 200
    assert "wm-ipp" not in call[2]  # raw bytes: no Wayback toolbar
    assert call[3] == "http://www.edu.example.ru:80/programs/"  # the captured original
    assert any("/web/20190101000000id_/" in r.target for r in fake.web.requests)
    assert best_replacement(got) == got.recommended


def test_archived_404_capture_is_not_recommended(fake: FakeArchive) -> None:
    # A revisit row (statuscode "-") slips through the 2xx filter, then replays 404.
    fake.add(
        URL,
        Capture("20170101000000", body=GOOD),
        Capture("20191201000000", status=404, revisit=True, body="<h1>Not Found</h1>"),
    )
    check = PageCheck()
    got = lookup(settings_for(fake), ArchiveRequest(URL, date(2020, 1, 1)), page_check=check)
    assert got.status is ArchiveStatus.ARCHIVED
    assert got.before is not None and got.before.timestamp == "20191201000000"
    assert got.before.verified is False
    assert got.recommended is not None and got.recommended.timestamp == "20170101000000"
    assert "archived HTTP 404" in got.detail
    assert len(check.calls) == 1  # the 404 memento never reached the page check
    best = best_replacement(got)
    assert best is not None and best.timestamp == "20170101000000"


def test_archived_soft_404_is_not_recommended(fake: FakeArchive) -> None:
    fake.add(URL, Capture("20180101000000", body=GOOD), Capture("20190601000000", body=SOFT))
    got = lookup(settings_for(fake), ArchiveRequest(URL, date(2019, 7, 1)), page_check=PageCheck())
    assert got.before is not None and got.before.verified is False
    assert got.recommended is not None and got.recommended.timestamp == "20180101000000"
    assert "soft_404" in got.detail and "soft404-title:ru" in got.detail


def test_historical_redirect_is_followed_to_the_page(fake: FakeArchive) -> None:
    target = "http://www.edu.example.ru/new/"
    fake.add(URL, Capture("20200101000000", status=301, location=target, revisit=True))
    fake.add(target, Capture("20200101000100", body=GOOD))
    check = PageCheck()
    got = lookup(settings_for(fake), ArchiveRequest(URL), page_check=check)
    assert got.recommended is not None and got.recommended.verified is True
    # Followed: the memento 301, then Wayback's closest-capture 302, then the page.
    assert check.calls[0][3] == "http://www.edu.example.ru:80/new/"


def test_verification_is_bounded(fake: FakeArchive) -> None:
    fake.add(URL, *(Capture(f"20{y}0101000000", body=SOFT) for y in range(10, 20)))
    got = lookup(settings_for(fake, max_verify=3), ArchiveRequest(URL), page_check=PageCheck())
    assert got.recommended is None
    assert fake.hits("/web/") == 3
    best = best_replacement(got)
    assert best is not None and best.verified is None  # nothing verified: not known bad


def test_live_rate_limit_on_replay_is_not_a_verdict(fake: FakeArchive) -> None:
    fake.add(URL, Capture("20190101000000", body=GOOD), Capture("20180101000000", body=GOOD))
    fake.faults.replay_429 = 10
    got = lookup(settings_for(fake, max_wait=0.01), ArchiveRequest(URL), page_check=PageCheck())
    assert got.recommended is None
    assert got.nearest is not None and got.nearest.verified is None
    assert fake.hits("/web/") == 1  # stopped at once, did not try the next one


def test_archived_429_is_a_memento_not_a_rate_limit(fake: FakeArchive) -> None:
    fake.add(
        URL,
        Capture("20180101000000", body=GOOD),
        Capture("20190101000000", status=429, revisit=True, body="slow down"),
    )
    got = lookup(settings_for(fake), ArchiveRequest(URL), page_check=PageCheck())
    assert got.last is not None and got.last.verified is False
    assert got.recommended is not None and got.recommended.timestamp == "20180101000000"


def test_without_page_check_memento_datetime_is_enough(fake: FakeArchive) -> None:
    fake.add(URL, Capture("20190101000000", body=SOFT))
    got = lookup(settings_for(fake), ArchiveRequest(URL))
    assert got.recommended is not None and got.recommended.verified is True


def test_verify_can_be_turned_off_per_request(fake: FakeArchive) -> None:
    fake.add(URL, Capture("20190101000000"))
    got = lookup(settings_for(fake), ArchiveRequest(URL, verify=False))
    assert got.recommended is None and fake.hits("/web/") == 0


def test_best_replacement_prefers_verified_before_then_nearest() -> None:
    def snap(ts: str, verified: bool | None = None, status: int | None = 200) -> Snapshot:
        return Snapshot("wayback", f"https://w/web/{ts}/x", ts, status, verified)

    before, after = snap("20190101000000", False), snap("20210101000000")
    lk = ArchiveLookup(
        "x",
        ArchiveStatus.ARCHIVED,
        2,
        first=before,
        last=after,
        nearest=before,
        before=before,
        after=after,
    )
    assert best_replacement(lk) == after  # the bad "before" is skipped
    redirect = snap("20200101000000", None, 302)
    lk2 = ArchiveLookup("x", ArchiveStatus.ARCHIVED, 1, nearest=redirect, before=redirect)
    assert best_replacement(lk2) is None  # an archived redirect is not a copy
    ok = snap("20180101000000", True)
    lk3 = ArchiveLookup("x", ArchiveStatus.ARCHIVED, 3, nearest=after, before=before, first=ok)
    assert best_replacement(lk3) == ok


def test_non_html_memento_is_not_page_checked(fake: FakeArchive) -> None:
    pdf = "%PDF-1.4 ... Страница не найдена ... %%EOF"
    fake.add(URL, Capture("20190101000000", body=pdf, mimetype="application/pdf"))
    check = PageCheck()
    got = lookup(settings_for(fake), ArchiveRequest(URL), page_check=check)
    assert got.recommended is not None and got.recommended.verified is True
    assert check.calls == []


def test_windows_1251_page_named_in_meta_is_decoded(fake: FakeArchive) -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        "<title>Страница не найдена</title></head><body></body></html>"
    )
    fake.add(URL, Capture("20190101000000", body=html.encode("cp1251")))
    check = PageCheck()

    assert "не найдена" in decode(html.encode("cp1251"), "text/html")
    assert "не найдена" in decode(html.encode("cp1251"), "text/html; charset=windows-1251")
    assert decode(b"ok", "text/plain; charset=bogus") == "ok"
    got = lookup(settings_for(fake), ArchiveRequest(URL), page_check=check)
    assert got.recommended is None and check.calls


def test_huge_replays_are_read_only_in_part(fake: FakeArchive) -> None:
    from audit.archive.verify import MAX_REPLAY_BYTES

    big = "<html><head><title>Big</title></head><body>" + "x" * (3 * MAX_REPLAY_BYTES) + "</body>"
    fake.add(URL, Capture("20190101000000", body=big))
    check = PageCheck()
    got = lookup(settings_for(fake), ArchiveRequest(URL), page_check=check)
    assert got.recommended is not None
    assert len(check.calls[0][2]) <= MAX_REPLAY_BYTES


def test_inexact_snapshot_recommends_the_capture_that_replays(fake: FakeArchive) -> None:
    from audit.archive.verify import verify_snapshot

    fake.add(URL, Capture("20190101000000", body=GOOD))
    # What the availability API handed out, although nothing replays at that instant (Q4).
    stale = Snapshot("wayback", f"{fake.wayback_url}/web/20190315000000/{URL}", "20190315000000")
    check = PageCheck()
    got = with_endpoint(lambda ep: verify_snapshot(ep, stale, URL, check))
    assert got.verified is True and got.replayed is not None
    assert got.replayed.timestamp == "20190101000000"
    assert (
        got.replayed.url
        == f"{fake.wayback_url}/web/20190101000000/http://www.edu.example.ru:80/programs/"
    )
    assert "replays the capture of 20190101000000" in got.detail
