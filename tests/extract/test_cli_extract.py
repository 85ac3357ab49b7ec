"""`audit extract` at the command line: folders, globs, page and section in the text output."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from audit.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _tree(root: Path) -> None:
    (root / "a" / "b").mkdir(parents=True)
    (root / "top.txt").write_text("See https://example.org/top\n", encoding="utf-8")
    (root / "a" / "b" / "deep.md").write_text("[x](https://example.org/deep)\n", encoding="utf-8")
    (root / "a" / "skip.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    pdf = canvas.Canvas(str(root / "a" / "report.pdf"), pagesize=A4)
    pdf.drawString(72, 800, "Question 1  Awareness-raising")
    pdf.drawString(72, 780, "Reply to par.1.3.")
    pdf.showPage()
    pdf.drawString(72, 800, "See https://example.org/on-page-two for the plan.")
    pdf.save()


def test_folder_is_searched_recursively(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tree(tmp_path)
    code, out, err = _run(capsys, "extract", str(tmp_path))
    assert code == 0, err  # the .png is not a document we read, so it is not tried
    assert "https://example.org/top" in out and "https://example.org/deep" in out
    line = next(x for x in out.splitlines() if "on-page-two" in x)
    assert "report.pdf p.2 line 1" in line
    assert "[Question 1 / Reply to par.1.3]" in line


def test_globs_and_a_glob_matching_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tree(tmp_path)
    code, out, err = _run(capsys, "extract", f"{tmp_path}/**/*.md", f"{tmp_path}/none/*.pdf")
    assert "https://example.org/deep" in out and "example.org/top" not in out
    assert code == 3
    assert err.strip() == f"audit: {tmp_path}/none/*.pdf: no such file, and no file matches it"


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    for i in range(3):
        (tmp_path / f"d{i}.txt").write_text(f"https://example.org/{i}\n", encoding="utf-8")
    leader, follower = pty.openpty()
    try:
        run = subprocess.run(
            [sys.executable, "-m", "audit", "extract", str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=60,
            check=False,
            env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
        )
        os.close(follower)
        follower = -1
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert run.returncode == 0
    assert b"extracting" in seen  # the bar, on the terminal
    assert b"extracting" not in run.stdout and run.stdout.count(b"\n") == 3
