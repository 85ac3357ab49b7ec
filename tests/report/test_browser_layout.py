"""The HTML report's layout in a real headless Chromium: widths from a phone to a
wide desktop, paper (printed to PDF), the three languages, the per-document view
and the paged rows of a large registry."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from pypdf import PdfReader

from audit.report import render_html
from tests.report.realistic import realistic
from tests.report.sample import sample
from tests.report.test_browser import Watched, _browser

pytestmark = pytest.mark.browser
__all__ = ["_browser"]  # the module-scoped browser fixture

# Every visible element inside the page's main column whose box pokes out of its
# parent's box (by more than a pixel): cut-off columns, badges wider than their cell.
OVERFLOWING = """() => {
  const out = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    if (el.closest('.visually-hidden, svg')) continue;
    const r = el.getBoundingClientRect(), p = el.parentElement.getBoundingClientRect();
    if (!r.width || !r.height || !p.width) continue;
    if (r.right > p.right + 1 || r.left < p.left - 1) {
      out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.left) + '-'
               + Math.round(r.right) + ' in ' + el.parentElement.className + ' '
               + Math.round(p.left) + '-' + Math.round(p.right));
    }
  }
  const wrap = document.querySelector('.table-wrap');
  if (wrap.scrollWidth > wrap.clientWidth) out.push('table-wrap scrolls: ' + wrap.scrollWidth);
  if (document.documentElement.scrollWidth > innerWidth) out.push('page scrolls sideways');
  return out;
}"""


@pytest.mark.parametrize("width", [1024, 1400, 1920, 390])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_nothing_overflows_at_any_width(
    browser: Browser, tmp_path: Path, width: int, lang: str
) -> None:
    for name, data in (("sample", sample()), ("realistic", realistic())):
        w = Watched(browser, render_html(data, lang=lang), tmp_path / f"{name}.html", width)
        page = w.page
        assert page.evaluate(OVERFLOWING) == [], (name, lang, width)
        # The last column is on screen, whole, for every row.
        arch = page.evaluate(
            """() => Array.from(document.querySelectorAll('td.c-arch')).map(td => {
                 const r = td.getBoundingClientRect(); return [r.left, r.right]; })"""
        )
        assert arch and all(left >= 0 and right <= width for left, right in arch)
        page.click("#expand")  # the details too
        assert page.evaluate(OVERFLOWING) == [], (name, lang, width, "expanded")
        w.assert_clean()
        page.close()


def test_print_is_one_compact_row_per_resource(browser: Browser, tmp_path: Path) -> None:
    w = Watched(browser, render_html(sample()), tmp_path / "status.html")
    page = w.page
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('#table thead')).display") == (
        "table-header-group"  # repeated at the top of each printed page
    )
    assert page.evaluate(
        "getComputedStyle(document.querySelector('#table thead th')).position"
    ) == (
        "static"  # not sticky: sticky headers overlapped the rows on paper
    )
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('tbody.res'))"
        ".map(tb => tb.getBoundingClientRect().height)"
    )
    assert len(heights) == 18 and max(heights) < 130
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    assert 1 <= len(pdf.pages) <= 3  # was 11 pages for these 18 resources
    text = pdf.pages[0].extract_text()
    assert "Resource status report" in text.replace("\n", " ") or "RESOURCE STATUS" in text

    # 300 resources: still about 20 rows a page, the column names on every page.
    many = dataclasses.replace(
        sample(),
        resources=tuple(
            dataclasses.replace(
                rs, resource=dataclasses.replace(rs.resource, id=f"{rs.resource.id}-{i}")
            )
            for i in range(17)
            for rs in sample().resources
        ),
    )
    big = Watched(browser, render_html(many), tmp_path / "many.html")
    big.page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(big.page.pdf(format="A4")))
    pages = len(pdf.pages)
    assert pages <= len(many.resources) / 15, pages
    headed = sum(
        "RESOURCE" in p.extract_text() and "VERDICT" in p.extract_text() for p in pdf.pages
    )
    assert headed >= pages - 1  # the last page may hold only the legend
    w.assert_clean()
    big.assert_clean()


@pytest.mark.parametrize(
    ("lang", "ago", "label"),
    [
        ("en", "7 days ago", "Suspect"),
        ("fr", "il y a 7\u00a0j", "Suspecte"),
        ("ru", "7 дн. назад", "Под подозрением"),
    ],
)
def test_each_language_with_times_computed_when_opened(
    browser: Browser, tmp_path: Path, lang: str, ago: str, label: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    html = render_html(realistic(now=now - timedelta(days=7)), lang=lang)
    assert ago not in html  # not baked in: the page computes it
    w = Watched(browser, html, tmp_path / f"{lang}.html")
    page = w.page
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.locator("#r-suspect-nx td.c-date time.ago").first.inner_text() == ago
    assert page.locator("#r-suspect-nx .badge").inner_text() == label
    assert (
        page.locator("#shown").inner_text()
        == {"en": "16 resources", "fr": "16 ressources", "ru": "16 ресурсов"}[lang]
    )
    page.select_option("#f-state", "dead")
    assert (
        page.locator("#shown").inner_text()
        == {"en": "Showing 3 of 16", "fr": "3 affichées sur 16", "ru": "Показано 3 из 16"}[lang]
    )
    w.assert_clean()


def test_the_view_per_document_filters_the_resources(browser: Browser, tmp_path: Path) -> None:
    w = Watched(browser, render_html(realistic()), tmp_path / "status.html")
    page = w.page
    rows = page.locator("#documents tbody tr")
    assert rows.count() == 3
    cells = rows.filter(has_text="notes.md").locator("td").all_inner_texts()
    cites, attention = int(cells[0]), int(cells[1])
    page.click("#documents button.doclink:text('notes.md')")
    assert len(w.names()) == cites
    assert page.locator("#f-doc option:checked").inner_text().startswith("notes.md")
    page.select_option("#f-state", "problems")
    assert len(w.names()) == attention
    assert "doc=" in page.url
    page.click("#reset")
    assert len(w.names()) == 16
    # Candidates proposed by extraction are marked for a person to confirm.
    assert page.locator("#r-recovered .chip-cand").inner_text() == "to confirm"
    w.assert_clean()


def test_a_large_registry_shows_problems_first_and_pages_the_rest(
    browser: Browser, tmp_path: Path
) -> None:
    base = sample()
    many = dataclasses.replace(
        base,
        resources=tuple(
            dataclasses.replace(
                rs, resource=dataclasses.replace(rs.resource, id=f"{rs.resource.id}-{i}")
            )
            for i in range(300)
            for rs in base.resources
        ),
    )
    html = render_html(many)
    w = Watched(browser, html, tmp_path / "big.html")
    page = w.page
    # The worst 500 (of 2,100 problems) in full, the rest paged, problems first.
    assert page.locator("tbody.res").count() == 500
    assert page.locator("tbody.res.s-dead").count() == 500
    assert page.locator("#paged-body tr").count() == 100
    assert page.locator("#page-at").inner_text() == "1–100 of 4,900"
    assert page.locator("#paged-body tr").first.get_attribute("class") == "s-dead"
    assert page.locator("#paged-body tr time.ago").first.get_attribute("datetime") == (
        "2026-11-28T06:00:00Z"
    )
    page.click("#page-next")
    assert page.locator("#page-at").inner_text() == "101–200 of 4,900"
    assert page.locator("#shown").inner_text() == "5,400 resources"
    # Filters and search reach the paged rows too; their text is text, never markup.
    page.select_option("#f-state", "alive")
    assert page.locator("tbody.res:visible").count() == 0
    assert page.locator("#page-at").inner_text() == "1–100 of 1,200"
    page.fill("#q", "Tranzit")
    assert page.locator("#shown").inner_text() == "Showing 0 of 5,400"
    page.select_option("#f-state", "")
    assert page.locator("#shown").inner_text() == "Showing 300 of 5,400"
    assert page.locator("#paged-body tr .name").first.inner_text() == "Shelter «Tranzit»"
    page.fill("#q", "hyperlink")
    assert "=HYPERLINK" in page.locator("#paged-body tr .name").first.inner_text()
    assert page.evaluate(OVERFLOWING) == []
    w.assert_clean()
