"""Save Page Now 2: submit, poll pending -> success/error, refusals at HTTP 200."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest

from audit.archive import ArchiveRequest, ArchiveSettings, lookup_to_json
from audit.archive.save import format_within
from tests.archive.conftest import settings_for
from tests.archive.helpers import NOW, lookup
from tests.servers.archive import Capture, FakeArchive

URL = "http://portal.example.ru/news?id=7&lang=ru"


def _saving(fake: FakeArchive, **kw: object) -> ArchiveSettings:
    return settings_for(fake, save=True, access_key="AK", secret_key="SK", **kw)


def test_submit_then_poll_pending_until_success(fake: FakeArchive) -> None:
    fake.faults.spn_pending_polls = 2
    got = lookup(_saving(fake), ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None
    assert got.saved.status == "success"
    assert got.saved.job_id is not None and got.saved.job_id.startswith("spn2-")
    assert got.saved.timestamp == "20261128120000" and got.saved.original_url == URL
    assert fake.hits("/save/status/spn2-") == 3
    (form,) = fake.submissions
    assert form["url"] == URL  # decoded from the form body, not substring-matched
    assert form["if_not_archived_within"] == "30d"
    assert form["skip_first_archive"] == "1"
    assert "capture_all" not in form and "capture_outlinks" not in form  # false flags omitted
    submit = next(r for r in fake.web.requests if r.method == "POST")
    assert submit.headers["authorization"] == "LOW AK:SK"
    assert submit.headers["accept"] == "application/json"
    assert lookup_to_json(got)["saved"] == {"job_id": got.saved.job_id, "status": "success"}


def test_refusal_at_http_200_is_read_from_the_body(fake: FakeArchive) -> None:
    fake.faults.spn_refusal = {
        "status": "error",
        "status_ext": "error:too-many-daily-captures",
        "message": "This URL has been already captured 7 times today, which is a daily limit.",
    }
    got = lookup(_saving(fake), ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None and got.saved.status == "refused"
    assert got.saved.job_id is None
    assert got.saved.detail.startswith("error:too-many-daily-captures: This URL")
    assert fake.hits("/save/status/spn2-") == 0


def test_job_ending_in_error(fake: FakeArchive) -> None:
    fake.faults.spn_pending_polls = 1
    fake.faults.spn_error = {
        "status": "error",
        "status_ext": "error:invalid-host-resolution",
        "exception": "[Errno -2] Name or service not known",
        "message": "Couldn't resolve host for http://portal.example.ru/.",
    }
    got = lookup(_saving(fake), ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None and got.saved.status == "error"
    assert got.saved.job_id is not None
    assert "error:invalid-host-resolution" in got.saved.detail


def test_wrong_keys_get_401(fake: FakeArchive) -> None:
    fake.faults.spn_keys = ("right", "keys")
    got = lookup(_saving(fake), ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None and got.saved.status == "refused"
    assert got.saved.detail.startswith("HTTP 401: You need to be logged in")


def test_still_pending_after_the_poll_limit(fake: FakeArchive) -> None:
    fake.faults.spn_pending_polls = 100
    got = lookup(_saving(fake, poll_limit=3), ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None and got.saved.status == "pending"
    assert fake.hits("/save/status/spn2-") == 3


def test_status_retry_after_paces_the_polls(fake: FakeArchive) -> None:
    fake.faults.spn_pending_polls = 1
    fake.faults.spn_status_retry_after = "1"
    started = time.monotonic()
    got = lookup(_saving(fake), ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None and got.saved.status == "success"
    assert time.monotonic() - started >= 0.95


def test_no_keys_no_save(fake: FakeArchive) -> None:
    settings = settings_for(fake, save=True)
    got = lookup(settings, ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None and got.saved.status == "skipped"
    assert fake.hits("/save") == 0


def test_keys_come_from_the_environment() -> None:
    base = ArchiveSettings(access_key=None, secret_key="mine")
    filled = base.with_env_keys({"IA_ACCESS_KEY": "ak", "IA_SECRET_KEY": "sk"})
    assert (filled.access_key, filled.secret_key) == ("ak", "mine")


def test_only_live_resources_are_saved(fake: FakeArchive) -> None:
    got = lookup(_saving(fake), ArchiveRequest(URL, live_ok=False))
    assert got.saved is None and fake.hits("/save") == 0


def test_recent_capture_is_not_saved_again(fake: FakeArchive) -> None:
    recent = (NOW - timedelta(days=3)).strftime("%Y%m%d%H%M%S")
    fake.add(URL, Capture(recent))
    got = lookup(_saving(fake, verify=False), ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None and got.saved.status == "skipped"
    assert fake.hits("/save") == 0


def test_no_save_while_the_archive_rate_limits_us(fake: FakeArchive) -> None:
    fake.faults.cdx_429 = 10
    fake.faults.availability_429 = 10
    got = lookup(_saving(fake, max_wait=0.01), ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None and got.saved.status == "skipped"
    assert fake.hits("/save") == 0


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=30), "30d"),
        (timedelta(days=3, hours=5, minutes=20), "3d 5h 20m"),
        (timedelta(seconds=120), "2m"),
        (timedelta(seconds=90), "90"),
    ],
)
def test_if_not_archived_within_syntax(delta: timedelta, text: str) -> None:
    assert format_within(delta) == text


def test_no_capture_slots_no_submission(fake: FakeArchive) -> None:
    fake.faults.spn_available = 0
    got = lookup(_saving(fake), ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None and got.saved.status == "skipped"
    assert "slots" in got.saved.detail
    assert fake.submissions == []


def test_server_error_at_submission_is_unknown_not_refused(fake: FakeArchive) -> None:
    fake.faults.spn_submit_status = 523  # the capture may still appear later
    got = lookup(_saving(fake), ArchiveRequest(URL, live_ok=True))
    assert got.saved is not None and got.saved.status == "unknown"
    assert got.saved.detail.startswith("HTTP 523")


def test_dedupe_message_still_yields_the_capture(
    fake: FakeArchive, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="audit.archive")
    fake.faults.spn_pending_polls = 0
    first = lookup(_saving(fake), ArchiveRequest(URL, live_ok=True))
    again = lookup(_saving(fake), ArchiveRequest(URL, live_ok=True))
    assert first.saved is not None and again.saved is not None
    assert again.saved.status == "success" and again.saved.job_id == first.saved.job_id
    assert "The same snapshot had been made" in caplog.text
