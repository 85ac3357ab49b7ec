"""`audit extract --into`: what a merge leaves alone, and what it never adds (issue 21),
and non-web citations listed, never an abort (issue 14). Real files, the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.cli import main
from audit.registry import load_registry
from tests.extract._shared import shared

SEED = ("seeds", "000_f9495035618270d1.txt")
HAND = """\
# hand-made entries
resources:
  - id: key-fund
    name: '"Key" foundation of Voronezh'  # the organisation the seed names
    url: null
  - id: rudn
    name: Peoples' Friendship University
    cited_as: RUDN university
    url: null
"""


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_untouched_entries_are_not_rewritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = tmp_path / "resources.yaml"
    reg.write_text(HAND, encoding="utf-8")
    code, _, err = _run(capsys, "extract", str(shared(*SEED)), "--into", str(reg), "--names")
    assert code == 0, err
    text = reg.read_text(encoding="utf-8")
    assert text.startswith(HAND)  # `url: null` stays `url: null`, comments and all
    assert "url:\n" not in text


def test_names_do_not_duplicate_hand_made_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = tmp_path / "resources.yaml"
    reg.write_text(HAND, encoding="utf-8")
    code, _, err = _run(capsys, "extract", str(shared(*SEED)), "--into", str(reg), "--names")
    assert code == 0, err
    names = [r.name for r in load_registry(reg).resources if r.candidate]
    assert names, "the seed names organisations without an address"
    assert '"Key" foundation' not in names and "RUDN university" not in names
    assert "Road to Home" in names  # a name no hand-made entry holds is still proposed


@pytest.mark.parametrize("dry_run", [True, False])
def test_email_ftp_and_other_schemes_never_abort_a_merge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dry_run: bool
) -> None:
    doc = tmp_path / "reply.txt"
    doc.write_text(
        "Write to info@example.org or mailto:help@example.org.\n"
        "Files: ftp://ftp.example.org/pub/report.pdf, see also https://example.org/a\n"
        "Call tel:+15551234567\n",
        encoding="utf-8",
    )
    reg = tmp_path / "resources.yaml"
    args = ["extract", str(doc), "--into", str(reg)] + (["--dry-run"] if dry_run else [])
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    assert "not merged: mailto:info@example.org (email" in out
    assert "not merged: ftp://ftp.example.org/pub/report.pdf (other-scheme" in out
    if not dry_run:
        (resource,) = load_registry(reg).resources
        assert resource.url == "https://example.org/a"
    else:
        assert not reg.exists()
