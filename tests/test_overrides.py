"""`override:` in the registry: a person's verdict in every report, until its date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.cli import main
from audit.registry import load_registry
from tests.servers.web import Reply, WebServer


def registry(tmp_path: Path, web: WebServer, override: str) -> Path:
    web.route("/wall", Reply(404, "<title>Not found</title>"))
    reg = tmp_path / "resources.yaml"
    reg.write_text(
        "resources:\n"
        f"  - id: wall\n    name: Wall\n    url: '{web.url('/wall')}'\n"
        f"    override: {override}\n    keep: true\n",
        encoding="utf-8",
    )
    return reg


def report(
    tmp_path: Path,
    reg: Path,
    capsys: pytest.CaptureFixture[str],
    now: str,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, object]:
    monkeypatch.setenv("AUDIT_NOW", now)
    args = ["--registry", str(reg), "--db", str(tmp_path / "a.sqlite")]
    run = ["run", *args, "--no-archive", "--allow-private", "--canary", "localhost", "--all"]
    main([*run, "--reports", str(tmp_path / "r"), "--confirm-checks", "1", "--confirm-span", "1s"])
    capsys.readouterr()
    main(["report", *args, "--format", "json", "--confirm-checks", "1", "--confirm-span", "1s"])
    doc = json.loads(capsys.readouterr().out)
    (row,) = doc["results"]
    return dict(row)


def test_an_override_wins_until_its_date_and_says_so(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reg = registry(
        tmp_path, web, '{verdict: alive, reason: "opens in a browser", until: 2027-01-31}'
    )
    assert load_registry(reg).resources[0].keep is True
    row = report(tmp_path, reg, capsys, "2027-01-10T06:00:00Z", monkeypatch)
    assert row["verdict"] == "alive"
    assert "set by hand until 2027-01-31: opens in a browser" in str(row["reason"])
    assert "the checks say suspect" in str(row["reason"])  # one 404: never dead
    row = report(tmp_path, reg, capsys, "2027-02-10T06:00:00Z", monkeypatch)
    assert row["verdict"] == "dead" and "set by hand" not in str(row["reason"])  # lapsed


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("{verdict: fine, reason: x}", "override verdict must be one of"),
        ("{verdict: alive}", "needs a reason"),
        ("{verdict: alive, reason: x, until: soon}", "until must be a date"),
        ("{verdict: alive, reason: x, by: me}", "unknown field 'by'"),
        ("alive", "must be a mapping"),
    ],
)
def test_a_bad_override_is_one_line_naming_the_line(
    tmp_path: Path, web: WebServer, capsys: pytest.CaptureFixture[str], override: str, words: str
) -> None:
    reg = registry(tmp_path, web, override)
    code = main(["check", "--registry", str(reg), "--no-store"])
    err = capsys.readouterr().err
    assert code == 3 and words in err and f"{reg}:5:" in err
