from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from audit.report import render_csv
from audit.report._csv import COLUMNS, neutralize
from tests.report.sample import IDN_DISPLAY, IDN_URL, sample


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_golden_online(golden: Callable[[str, str], None]) -> None:
    golden("status.csv", render_csv(sample()))


def test_golden_offline(golden: Callable[[str, str], None]) -> None:
    golden("status-offline.csv", render_csv(sample(offline=True)))


def test_one_row_per_resource_with_every_column() -> None:
    data = sample()
    rows = _rows(render_csv(data))
    assert [r["id"] for r in rows] == [rs.resource.id for rs in data.resources]
    assert all(list(r) == list(COLUMNS) for r in rows)


def test_idn_and_url_less_rows() -> None:
    rows = {r["id"]: r for r in _rows(render_csv(sample()))}
    idn = rows["personal-data-deti"]
    assert (idn["url"], idn["display"]) == (IDN_URL, IDN_DISPLAY)
    assert idn["cited_as"] == "www.персональные данные.дети"
    named = rows["mvd"]
    assert named["url"] == "" and named["verdict"] == "no-address" and named["outcome"] == ""


@pytest.mark.parametrize("cell", ["=1+2", "+7 495", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(cell: str) -> None:
    assert neutralize(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "1", "http://x/", "a=b", " =1", "'quoted"])
def test_other_cells_are_left_alone(cell: str) -> None:
    assert neutralize(cell) == cell


def test_no_cell_of_the_report_starts_a_formula() -> None:
    rows = _rows(render_csv(sample()))
    cells = [c for r in rows for c in r.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    names = {r["id"]: r["name"] for r in rows}
    assert names["formula"] == '\'=HYPERLINK("http://evil.example/","Department K")'
    evidence = {r["id"]: r["evidence"] for r in rows}
    assert evidence["detionline-research"].startswith("503 Service Unavailable | -1 retries")


def test_crlf_line_ends_and_quoting() -> None:
    text = render_csv(sample())
    assert text.endswith("\r\n")
    assert '"GBU VO ""Center for Psychological' in text
