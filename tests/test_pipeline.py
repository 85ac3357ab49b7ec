"""The whole main job against a real local site and a real local fake archive.

The reports are rendered from a store filled by these real runs (issue: the report
is tested on real data, not only on hand-built fixtures).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from audit.cli import main
from tests.servers.archive import Capture, FakeArchive
from tests.servers.web import Reply, WebServer

PAGE = "<html><head><title>{0}</title></head><body><h1>{0}</h1><p>{1}</p></body></html>"
HOSTILE = "<script>window.__xss=1</script>Portal"


@pytest.fixture(name="fake")
def _fake() -> FakeArchive:
    with FakeArchive() as server:
        yield server  # type: ignore[misc]


def test_dead_resource_gets_a_verified_replacement_in_every_report(
    tmp_path: Path,
    web: WebServer,
    fake: FakeArchive,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = web.port
    web.route("/", Reply(200, PAGE.format(HOSTILE, "Regional materials for parents. " * 30)))
    web.route("/about", Reply(404, "<title>Not Found</title><h1>Not Found</h1>"))
    gone = f"http://sisters-help.example.invalid:{port}/about"
    live = f"http://www.viro.example.invalid:{port}/"
    fake.add(gone, Capture("20170315120000", body=PAGE.format("Sisters", "About us. " * 40)))
    reg = tmp_path / "resources.yaml"
    reg.write_text(
        "resources:\n"
        f"  - id: sisters\n    name: Sisters\n    cited_on: 2018-01-10\n    url: {gone}\n"
        f"  - id: viro\n    name: Viro\n    kind: portal\n    region: Vologda Region\n"
        f"    url: {live}\n"
        "  - id: rudn\n    name: RUDN university\n    url: null\n",
        encoding="utf-8",
    )
    reports, db = tmp_path / "reports", tmp_path / "audit.sqlite"
    args = [
        "run",
        "--registry",
        str(reg),
        "--db",
        str(db),
        "--reports",
        str(reports),
        "-q",
        "--resolve",
        f"sisters-help.example.invalid:{port}:127.0.0.1",
        "--resolve",
        f"www.viro.example.invalid:{port}:127.0.0.1",
        "--wayback-url",
        fake.wayback_url,
        "--availability-url",
        fake.availability_url,
        "--memento",
        "none=-",
        "--canary",
        "localhost",
    ]
    codes = []
    for day in ("2026-04-01", "2026-04-03", "2026-04-06"):
        monkeypatch.setenv("AUDIT_NOW", f"{day}T06:00:00Z")
        codes.append(main(args))
    capsys.readouterr()
    assert codes == [0, 0, 2]  # dead only after 3 failures over >= 3 days

    status = json.loads((reports / "status.json").read_text(encoding="utf-8"))
    dead = next(r for r in status["results"] if r["url"] == gone)
    assert dead["verdict"] == "dead"
    assert dead["outcome"] == "not_found"
    replay = "20170315120000"
    assert dead["replacement"]["timestamp"] == replay
    assert dead["replacement"]["verified"] is True  # replayed and not an error page
    html = (reports / "status.html").read_text(encoding="utf-8")
    md = (reports / "status.md").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO((reports / "status.csv").read_text("utf-8-sig"))))
    for text in (html, md, json.dumps(rows)):
        assert replay in text, "the replacement snapshot is in every report"
    assert "<script>window.__xss" not in html  # the hostile title is escaped
    assert "RUDN university" in html and "RUDN university" in md
    assert len(rows) == 3
    conn = sqlite3.connect(db)
    archived = conn.execute("SELECT status FROM snapshots WHERE url = ?", (gone,)).fetchone()
    conn.close()
    assert archived == ("archived",)


def test_archive_lookups_are_cached_within_the_freshness_window(
    tmp_path: Path,
    fake: FakeArchive,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "http://www.stoppav.example.invalid/"
    fake.add(url, Capture("20180101000000"))
    monkeypatch.setenv("AUDIT_NOW", "2026-04-01T06:00:00Z")
    args = [
        "archive",
        "--url",
        url,
        "--db",
        str(tmp_path / "a.sqlite"),
        "--format",
        "json",
        "--wayback-url",
        fake.wayback_url,
        "--availability-url",
        fake.availability_url,
        "--memento",
        "none=-",
        "--date",
        "2018-02-01",
    ]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)["results"][0]
    asked = len(fake.web.requests) + len(fake.avail.requests)
    assert first["status"] == "archived" and first["nearest"]["timestamp"] == "20180101000000"
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)["results"][0]
    assert again["status"] == "archived"
    assert len(fake.web.requests) + len(fake.avail.requests) == asked  # nothing asked again


def test_csv_and_json_written_as_streams_match_the_rendered_documents(tmp_path: Path) -> None:
    """The files are written row by row (bounded memory) and are byte for byte what the
    renderers return: the CSV with its BOM and CRLF line ends."""
    from audit.report import render_csv, render_json, write_reports
    from tests.report.sample import sample

    data = sample()
    written = write_reports(data, tmp_path, ("csv", "json"))
    assert written["csv"].read_bytes() == "\ufeff".encode() + render_csv(data).encode("utf-8")
    assert written["json"].read_bytes() == render_json(data).encode("utf-8")
    doc = json.loads(written["json"].read_text(encoding="utf-8"))
    assert len(doc["results"]) == len(data.resources) and doc["summary"]["total"]
    rows = list(csv.DictReader(io.StringIO(written["csv"].read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in rows] == [r.resource.id for r in data.resources]
