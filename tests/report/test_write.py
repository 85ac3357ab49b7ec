from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.errors import OutputError
from audit.report import render_markdown
from audit.report.write import write_reports
from tests.report.sample import sample


def test_writes_every_format_atomically(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    paths = write_reports(sample(), out)
    assert {p.name for p in paths.values()} == {
        "status.html",
        "status.md",
        "status.csv",
        "status.json",
    }
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths.values())
    assert paths["md"].read_text(encoding="utf-8") == render_markdown(sample())
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["run"]["id"] == 14
    raw = paths["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,name,")  # BOM, so Excel reads UTF-8
    assert b"\r\n" in raw and b"\r\r\n" not in raw
    # Rewriting replaces the files in place.
    write_reports(sample(offline=True), out, formats=["md"])
    assert "Offline run" in paths["md"].read_text(encoding="utf-8")


def test_unwritable_target_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("not a directory")
    with pytest.raises(OutputError, match="reports"):
        write_reports(sample(), blocker)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "status.md").mkdir()  # a directory where the file should go
    with pytest.raises(OutputError, match=r"status\.md"):
        write_reports(sample(), tmp_path / "d", formats=["md"])
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["status.md"]  # no temp left


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="pdf"):
        write_reports(sample(), tmp_path, formats=["pdf"])


def test_render_by_format_name() -> None:
    from audit.errors import InputError
    from audit.report import render

    assert render(sample(), "md") == render_markdown(sample())
    with pytest.raises(InputError, match="pdf"):
        render(sample(), "pdf")
