"""The suggestions `audit fix` stores are shown in every report (issue 19), never applied.

The store is the fix world's (four real `audit run`s against loopback servers); the
suggestions are found and stored by a real `audit fix` (loopback web and archive, names
pinned with resolve rules), then `audit report` renders them from the store.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from audit.cli import main
from audit.report import _sentences
from tests.fix.conftest import LATER, World, with_fast_archive
from tests.fix.test_suggestions import write_doc


@pytest.fixture(scope="module", name="fixed")
def _fixed(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world after one `audit fix` that looked for suggestions and stored them."""
    tmp = tmp_path_factory.mktemp("fixed")
    with pytest.MonkeyPatch.context() as mp:
        with_fast_archive(mp, world.archive)
        doc = write_doc(world, tmp)
        code = main(["fix", str(doc), "--out", str(tmp / "out"), *world.args(suggest=True), "-q"])
        assert code == 0
    yield world


def report(w: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], *more: str) -> Path:
    out = tmp_path / "reports"
    args = ["report", "--registry", str(w.registry), "--db", str(w.db), "--reports", str(out)]
    assert main([*args, *more]) in (0, 2)
    capsys.readouterr()
    return out


def test_every_report_shows_the_stored_suggestions_best_first(
    fixed: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = report(fixed, tmp_path, capsys)
    results = {r["id"]: r for r in json.loads((out / "status.json").read_text("utf-8"))["results"]}
    # JSON: structured, best first, marked as not applied
    penza = results["penza"]["suggestions"]
    assert penza[0]["url"] == fixed.url(LATER[0]) and penza[0]["kind"] == "did_you_mean"
    assert penza[0]["confidence"] == "high" and penza[0]["applied"] is False
    assert any("resembles" in e for e in penza[0]["evidence"])
    centre = results["oldcentre"]["suggestions"]
    assert fixed.url(LATER[1]) in [s["url"] for s in centre]
    for r in results.values():
        scores = [s["score"] for s in r["suggestions"]]
        assert scores == sorted(scores, reverse=True)
    assert results["closed"]["suggestions"] == [] and results["viro"]["suggestions"] == []
    # the registry and the document are untouched: nothing was applied
    assert results["penza"]["url"].startswith("http://www.ppms.edu-penzaa.ru:")
    every = [e for r in results.values() for s in r["suggestions"] for e in s["evidence"]]
    assert len(every) >= 4
    assert [e for e in every if _sentences.match(e) is None] == []  # all can be translated

    # HTML: the best one in the row, all of them with their evidence in the details
    page = BeautifulSoup((out / "status.html").read_text("utf-8"), "html.parser")
    body = page.find("tbody", id="r-penza")
    assert isinstance(body, Tag)
    hint = body.find("div", class_="suggest")
    assert isinstance(hint, Tag)
    link = hint.find("a")
    assert isinstance(link, Tag) and link["href"] == fixed.url(LATER[0])
    assert "did you mean, high confidence; not applied" in hint.get_text(" ", strip=True)
    listed = body.find("ol", class_="suggestions")
    assert isinstance(listed, Tag)
    assert [a["href"] for a in listed.find_all("a")] == [s["url"] for s in penza]
    text = listed.get_text(" ", strip=True)
    assert "answers with a real page (HTTP 200)" in text and "resembles" in text
    assert page.find("tbody", id="r-closed").find("div", class_="suggest") is None  # type: ignore[union-attr]

    # Markdown: in the row's "What to do", and a section with the evidence
    md = (out / "status.md").read_text("utf-8")
    best = f"Suggested: [{fixed.url(LATER[0])}]({fixed.url(LATER[0])}) (did you mean, high"
    assert best in md and ", not applied" in md
    section = md.split("### Suggested addresses, not applied (")[1]
    section = section.split("\n### ")[0].split("<details>")[0]
    assert "**Penza PPMS centre**" in section and "**Family support centre**" in section
    assert "answers with a real page (HTTP 200)" in section
    assert "Closed club" not in section

    # CSV: one column, best first
    rows = {
        r["id"]: r for r in csv.DictReader(io.StringIO((out / "status.csv").read_text("utf-8-sig")))
    }
    assert rows["penza"]["suggested"].startswith(f"{fixed.url(LATER[0])} (did_you_mean, high)")
    assert rows["closed"]["suggested"] == ""


@pytest.mark.parametrize(
    ("lang", "kind", "evidence"),
    [
        ("fr", "vouliez-vous dire", "répond par une vraie page (HTTP 200)"),
        ("ru", "возможно, имелось в виду", "отвечает настоящей страницей (HTTP 200)"),
    ],
)
def test_suggestions_are_translated(  # noqa: PLR0917 - parameters and fixtures
    fixed: World,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    kind: str,
    evidence: str,
) -> None:
    out = report(fixed, tmp_path, capsys, "--lang", lang)
    html = (out / "status.html").read_text("utf-8")
    md = (out / "status.md").read_text("utf-8")
    for text in (html, md):
        assert kind in text and evidence in text
        assert "did you mean" not in text and "answers with a real page" not in text
