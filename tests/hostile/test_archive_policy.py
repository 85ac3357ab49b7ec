"""URLs taken from an archive's answer obey the address policy; --save submits to SPN2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.archive import ArchiveRequest
from audit.check import classify_page
from tests.archive.conftest import settings_for
from tests.archive.helpers import lookup
from tests.hostile.helpers import audit
from tests.servers.archive import Capture, FakeArchive
from tests.servers.web import Reply, WebServer

URL = "http://inward.example.org/page"
PAGE = "<html><head><title>Internal admin</title></head><body><h1>Admin</h1>" + "x" * 600


def _timemap_pointing_at(fake: FakeArchive, victim: WebServer) -> None:
    """archive "evil" answers a TimeMap whose URI-M is a loopback service of ours."""
    uri_m = victim.url(f"/web/20200102030405/{URL}")
    body = (
        f'<{URL}>; rel="original",\n'
        f'<{uri_m}>; rel="first last memento"; datetime="Thu, 02 Jan 2020 03:04:05 GMT",\n'
    )
    fake.web.route(
        f"/m/evil/timemap/link/{URL}",
        Reply(200, body, content_type="application/link-format"),
    )


@pytest.mark.parametrize("allow_private", [False, True])
def test_a_timemap_uri_m_at_loopback_is_never_fetched(
    fake: FakeArchive, allow_private: bool
) -> None:
    with WebServer() as victim:
        victim.route(
            f"/web/20200102030405id_/{URL}",
            Reply(200, PAGE, headers=[("Memento-Datetime", "Thu, 02 Jan 2020 03:04:05 GMT")]),
        )
        _timemap_pointing_at(fake, victim)
        settings = settings_for(
            fake,
            allow_private=allow_private,
            memento_timemaps=(("evil", fake.timemap_base("evil")),),
            memento_timegates=(),
        )
        got = lookup(settings, ArchiveRequest(URL), page_check=classify_page)
        hits = len(victim.requests)
    if allow_private:  # the same answer, permitted: proves the refusal is the policy's
        assert hits == 1
        assert got.recommended is not None and got.recommended.verified
    else:
        assert hits == 0
        assert got.recommended is None
        assert "loopback address 127.0.0.1" in got.detail and "--allow-private" in got.detail


def _registry(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "resources.yaml"
    path.write_text(
        f"resources:\n  - id: live\n    name: A live page\n    url: {url}\n", encoding="utf-8"
    )
    return path


KEYS = {"IA_ACCESS_KEY": "AK", "IA_SECRET_KEY": "SK", "AUDIT_NOW": "2026-11-28T12:00:00Z"}


def _archive_args(fake: FakeArchive) -> list[str]:
    return [
        "--wayback-url",
        fake.wayback_url,
        "--availability-url",
        fake.availability_url,
        "--memento",
        "none=-",
        "--timeout",
        "5",
    ]


def test_audit_archive_save_submits_a_url_given(fake: FakeArchive) -> None:
    fake.faults.spn_pending_polls = 0
    ran = audit(
        "archive",
        "--no-store",
        "--save",
        "--format",
        "json",
        "--url",
        URL,
        *_archive_args(fake),
        budget=60,
        env=KEYS,
    )
    assert ran.code == 0, ran.err
    assert [f["url"] for f in fake.submissions] == [URL]
    (result,) = json.loads(ran.out)["results"]
    assert result["saved"]["status"] == "success"


@pytest.mark.parametrize("saver", ["run", "archive"])
def test_save_submits_what_was_found_alive(
    tmp_path: Path, fake: FakeArchive, web: WebServer, saver: str
) -> None:
    fake.faults.spn_pending_polls = 0
    web.route("/", Reply(200, PAGE))
    host = "live.example.ru"
    reg = _registry(tmp_path, f"http://{host}:{web.port}/")
    store = ["--registry", str(reg), "--db", str(tmp_path / "a.sqlite")]
    net = ["--resolve", f"{host}:{web.port}:127.0.0.1", "--canary", f"127.0.0.1:{web.port}"]
    run = ["run", *store, *net, "--reports", str(tmp_path / "r"), *_archive_args(fake)]
    ran = audit(*run, *(["--save"] if saver == "run" else []), budget=90, env=KEYS)
    assert ran.code == 0, ran.err
    if saver == "archive":
        assert fake.submissions == []  # not asked to
        # From the registry: the store's last verdict (alive) makes the resource live.
        ran = audit("archive", *store, "--save", *_archive_args(fake), budget=60, env=KEYS)
        assert ran.code == 0, ran.err
        assert "save: success" in ran.out
    assert [f["url"] for f in fake.submissions] == [f"http://{host}:{web.port}/"]


def test_audit_archive_prints_the_verified_recommendation(fake: FakeArchive) -> None:
    # The nearest capture replays as an error page; the verified one is earlier.
    fake.add(
        URL,
        Capture(
            "20190101000000",
            body="<html><head><title>Real page</title></head>"
            "<body><h1>Real page</h1><p>" + "content " * 80 + "</p></body></html>",
        ),
        Capture("20200601000000", status=404, body="<title>404 Not Found</title>"),
    )
    ran = audit(
        "archive",
        "--no-store",
        "--url",
        URL,
        "--date",
        "2020-06-01",
        *_archive_args(fake),
        budget=60,
    )
    assert ran.code == 0, ran.err
    line = ran.out.splitlines()[0]
    assert "20190101000000" in line and "(verified)" in line, ran.out
    assert "verify:" in ran.out  # the detail of what was replayed
