"""The HTML report in a real headless Chromium: filters, search, sort, safety.

Chromium is Debian's package (scripts/ensure-chromium installs it); Playwright
only drives it, so `playwright install` is never needed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from audit.report import render_html
from tests.report.sample import HOSTILE_TITLE, HOSTILE_XSS_TITLE, sample

pytestmark = pytest.mark.browser

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module", name="browser")
def _browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page plus everything it did that a safe, self-contained report must not do."""

    def __init__(self, browser: Browser, html: str, path: Path, width: int = 1400) -> None:
        path.write_text(html, encoding="utf-8")
        self.page: Page = browser.new_page(viewport={"width": width, "height": 900})
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.refused: list[tuple[str, str | None]] = []

        def on_dialog(dialog: object) -> None:
            self.dialogs.append(dialog.message)  # type: ignore[attr-defined]
            dialog.dismiss()  # type: ignore[attr-defined]

        self.page.on("dialog", on_dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("requestfailed", lambda req: self.refused.append((req.url, req.failure)))
        self.page.goto(path.as_uri())

    def names(self) -> list[str]:
        return self.page.locator("tbody.res:visible .name").all_inner_texts()

    def assert_clean(self) -> None:
        # Console errors include CSP violations: none of our own code was refused.
        assert self.errors == []
        assert self.dialogs == []
        assert self.page.evaluate("typeof window.__xss") == "undefined"
        assert all(url.startswith(("file://", "data:")) for url in self.requests), self.requests
        assert self.refused == []


def test_filter_search_sort_and_no_script_runs(browser: Browser, tmp_path: Path) -> None:
    w = Watched(browser, render_html(sample()), tmp_path / "status.html")
    page = w.page
    assert len(w.names()) == 18
    assert page.locator("#shown").inner_text() == "18 resources"

    # The hostile page titles are on screen as text (in the collapsed details, too).
    assert page.get_by_text(HOSTILE_TITLE).first.is_visible()
    page.locator("#r-detionline-research button.more").click()
    assert page.locator("#d-10, #r-detionline-research tr.detail").first.is_visible()
    assert page.get_by_text(HOSTILE_XSS_TITLE, exact=False).first.is_visible()

    page.select_option("#f-state", "dead")
    assert w.names() == [
        "PPMS centre of the Penza Region",
        "Sisters: Help Centre for Survivors of Sexual Violence",
    ]
    assert page.locator("#shown").inner_text() == "Showing 2 of 18"
    assert "verdict=dead" in page.url
    assert page.locator(".card.c-dead").get_attribute("aria-pressed") == "true"

    page.select_option("#f-state", "problems")
    assert len(w.names()) == 7
    page.select_option("#f-region", "Voronezh")
    assert w.names() == [
        'GBU VO "Center for Psychological and Pedagogical Support and Social Assistance"',
        "SU SK in the Voronezh region",
    ]

    page.click("#reset")
    page.fill("#q", "ПЕРСОНАЛЬНЫЕ")  # case-insensitive, Cyrillic
    assert w.names() == ["Portal «Персональные данные. Дети»"]
    page.fill("#q", "ngo moscow")  # every word must match, in any field
    assert w.names() == [
        "Sisters: Help Centre for Survivors of Sexual Violence",
        "Shelter «Tranzit»",
    ]
    page.fill("#q", "nxdomain")  # evidence is searchable
    assert w.names() == ["PPMS centre of the Penza Region"]
    page.fill("#q", "no such thing anywhere")
    assert w.names() == []
    assert page.locator("#nomatch").is_visible()

    page.click("#reset")
    page.select_option("#f-kind", "court")
    assert w.names() == [
        "Council of Judges of the Russian Federation",
        "Supreme Court of the Russian Federation",
    ]
    assert page.locator("tbody.res:visible .nourl").count() == 2

    page.click("#reset")
    page.click("th button[data-sort='name']")
    names = w.names()
    # Locale-aware (ICU) order: punctuation first, then letters, Cyrillic with Latin.
    assert names[:2] == [
        '=HYPERLINK("http://evil.example/","Department K")',
        "Center for Combating Dangerous and Legally Banned Content",
    ]
    assert names[-1] == "Youth support portal of the Yaroslavl Region"
    assert page.locator("th:has(button[data-sort='name'])").get_attribute("aria-sort") == (
        "ascending"
    )
    page.click("th button[data-sort='name']")
    assert w.names() == names[::-1]

    # A change links to its resource: filters that hide it are cleared, details open.
    page.select_option("#f-state", "alive")
    assert page.locator("#r-sisters-help-ru").is_hidden()
    page.click("a.ch-name[href='#r-sisters-help-ru']")
    assert page.locator("#r-sisters-help-ru").is_visible()
    assert page.locator("#r-sisters-help-ru tr.detail").is_visible()
    assert page.locator("#f-state").input_value() == ""

    # A card filters too; clicking it again clears the filter.
    page.click("#reset")
    page.click(".card.c-no-address")
    assert len(w.names()) == 6
    page.click(".card.c-no-address")
    assert len(w.names()) == 18

    w.assert_clean()


def test_state_is_restored_from_the_url_fragment(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "status.html"
    w = Watched(browser, render_html(sample()), path)
    w.page.goto(path.as_uri() + "#verdict=suspect&q=yaroslavl")
    w.page.reload()
    assert w.page.locator("#f-state").input_value() == "suspect"
    assert w.names() == ["Youth support portal of the Yaroslavl Region"]
    # A link to one resource opens it.
    w.page.goto(path.as_uri() + "#r-mvd")
    w.page.reload()
    assert w.page.locator("#r-mvd tr.detail").is_visible()
    assert len(w.names()) == 18
    w.assert_clean()


def test_screenshots_offline_banner_and_print(browser: Browser, tmp_path: Path) -> None:
    w = Watched(browser, render_html(sample()), tmp_path / "status.html")
    shot = tmp_path / "report.png"
    w.page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    log.warning("report screenshot: %s", shot)
    w.assert_clean()

    off = Watched(browser, render_html(sample(offline=True)), tmp_path / "offline.html")
    banner = off.page.locator(".offline")
    assert banner.is_visible() and "say nothing about the resources" in banner.inner_text()
    off.page.screenshot(path=str(tmp_path / "report-offline.png"))

    # On paper: no controls, one compact row per resource, details folded.
    off.page.emulate_media(media="print")
    assert not off.page.locator("#toolbar").is_visible()
    assert off.page.locator("tr.detail:visible").count() == 0
    assert off.page.locator("tbody.res tr.main:visible").count() == 18
    off.assert_clean()

    narrow = Watched(browser, render_html(sample()), tmp_path / "narrow.html", width=420)
    assert not narrow.page.locator("thead").is_visible()
    assert narrow.page.evaluate("document.documentElement.scrollWidth") <= 420
    # Stacked cells are labelled by the stylesheet (no data-label on every cell).
    labels = narrow.page.evaluate(
        """() => Array.from(document.querySelectorAll('#r-sisters-help-ru tr.main > td'))
                .map(td => getComputedStyle(td, '::before').content)"""
    )
    assert labels == [
        "none",
        '"Verdict"',
        '"Last check"',
        '"History"',
        '"Checked"',
        '"Archive & next step"',
    ]
    narrow.page.screenshot(path=str(tmp_path / "report-narrow.png"), full_page=True)
    narrow.assert_clean()


def test_csp_refuses_injected_script_and_any_request(browser: Browser, tmp_path: Path) -> None:
    """The second line of defence: were escaping ever to fail, nothing would run or load."""
    w = Watched(browser, render_html(sample()), tmp_path / "status.html")
    with pytest.raises(Exception, match="Content Security Policy"):
        w.page.add_script_tag(content="window.__xss = 'injected'")
    w.page.evaluate(
        """() => { const i = document.createElement('img');
                   i.src = 'http://127.0.0.1:9/beacon.png'; document.body.appendChild(i); }"""
    )
    w.page.wait_for_function("document.querySelector('img').complete")
    assert w.page.evaluate("typeof window.__xss") == "undefined"
    # Chromium refuses it before any connection is made.
    assert w.refused == [("http://127.0.0.1:9/beacon.png", "csp")]
    assert [e for e in w.errors if "img-src" in e]
