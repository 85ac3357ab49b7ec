from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from bs4 import BeautifulSoup

from audit.models import (
    Classification,
    Drift,
    Observation,
    Outcome,
    ReportData,
    Resource,
    ResourceStatus,
    Verdict,
)
from audit.report import render_html
from audit.report._html import script_json
from tests.report.sample import (
    HOSTILE_TITLE,
    HOSTILE_XSS_TITLE,
    IDN_DISPLAY,
    IDN_URL,
    NOW,
    SEED,
    sample,
)

OFFLINE_TEXT = "results say nothing about the resources"


def _soup(data: ReportData) -> BeautifulSoup:
    return BeautifulSoup(render_html(data), "html.parser")


def _hostile(**resource: object) -> ReportData:
    """One resource whose every document- or page-sourced field is an attack."""
    evil = '"><script>window.__xss=1</script>'
    res = Resource(
        id="evil",
        name=evil,
        url="javascript:alert(1)",
        cited_as=evil,
        display="javascript:alert(1)",
        kind=evil,
        region="</script><!--",
        **resource,  # type: ignore[arg-type]
    )
    at = datetime(2026, 1, 1, tzinfo=UTC)
    obs = Observation(
        url="javascript:alert(1)", checked_at=at, status=200, final_url="javascript:alert(2)"
    )
    rs = ResourceStatus(
        resource=res,
        verdict=Verdict.ALIVE,
        reason=evil,
        observation=obs,
        classification=Classification(Outcome.OK, (evil,)),
        last_checked=at,
    )
    return ReportData(generated_at=at, run=None, registry_path=evil, resources=(rs,))


def test_only_our_two_scripts_exist_and_the_title_is_text() -> None:
    soup = _soup(sample())
    scripts = soup.find_all("script")
    assert [s.get("type") for s in scripts] == ["application/json", "application/json", None]
    assert not soup.find_all("img")
    assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    texts = [s for s in soup.find_all(string=True) if s.parent.name not in ("script", "style")]
    assert any(HOSTILE_TITLE in s for s in texts)
    assert any(HOSTILE_XSS_TITLE in s for s in texts)


def test_embedded_json_cannot_end_its_script_element() -> None:
    soup = _soup(sample())
    raw = soup.find("script", id="audit-index").string
    assert "</" not in raw and "<!--" not in raw and "<" not in raw
    index = json.loads(raw)
    assert len(index) == 18
    assert '=HYPERLINK("http://evil.example/","Department K")' in [row["name"] for row in index]


def test_search_covers_the_fields_it_used_to_index() -> None:
    """The script searches the row's own text (.q and the main-row classes)."""
    soup = _soup(sample())
    selector = ".name, .chip, .url, .cited code, .badge, .reason, .outcome, .q"
    row = soup.find("tbody", id="r-detionline-mts")
    text = " ".join(el.get_text() for el in row.select(selector))
    assert HOSTILE_TITLE in text  # the page title, from the details
    dead = soup.find("tbody", id="r-ppms-edu-penzaa-ru")
    text = " ".join(el.get_text() for el in dead.select(selector))
    for expected in ("PPMS centre", "Penza", "Dead", "No such domain", "NXDOMAIN", SEED):
        assert expected in text, expected


def test_script_json_escapes_what_html_parsers_see() -> None:
    out = str(script_json({"t": "</script><!-- & \u2028"}))
    assert out == '{"t":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028"}'
    assert json.loads(out) == {"t": "</script><!-- & \u2028"}


def test_content_security_policy_allows_only_our_script_and_style() -> None:
    soup = _soup(sample())
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp
    script = soup.find_all("script")[-1].string
    style = soup.find("style").string
    for text, directive in ((script, "script-src"), (style, "style-src")):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp


def test_self_contained_no_external_requests() -> None:
    html = render_html(sample())
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all(["link", "iframe", "object", "embed", "img", "audio", "video"])
    assert not soup.find_all(attrs={"src": True})
    assert not re.search(r"@import|url\(", soup.find("style").string)
    for a in soup.find_all("a", href=True):
        assert a["href"].startswith(("#", "http://", "https://")), a["href"]


def test_hostile_fields_stay_text_in_attributes_and_links() -> None:
    soup = _soup(_hostile())
    assert len(soup.find_all("script")) == 3
    assert not soup.find_all("a", href=re.compile("^javascript", re.I))
    assert [o["value"] for o in soup.select("#f-kind option")] == [
        "",
        '"><script>window.__xss=1</script>',
    ]
    assert [o["value"] for o in soup.select("#f-region option")] == ["", "</script><!--"]
    assert soup.find(string=re.compile("javascript:alert\\(2\\)"))


def test_offline_banner() -> None:
    offline = _soup(sample(offline=True))
    banner = offline.find(class_="offline")
    assert banner is not None and OFFLINE_TEXT in banner.get_text()
    assert banner.get("role") == "alert"
    assert OFFLINE_TEXT not in render_html(sample())


def test_every_resource_has_a_row_and_url_less_ones_say_so() -> None:
    soup = _soup(sample())
    bodies = soup.select("tbody.res")
    assert len(bodies) == 18
    nourl = [b for b in bodies if b.find(class_="nourl")]
    assert len(nourl) == 6 and all("s-no-address" in b["class"] for b in nourl)
    # Worst first: the first row is dead, the last ones have no address.
    assert "s-dead" in bodies[0]["class"] and "s-no-address" in bodies[-1]["class"]


def test_idn_link_shows_unicode_and_points_to_ascii() -> None:
    soup = _soup(sample())
    link = soup.find("a", class_="url", string=IDN_DISPLAY)
    assert link is not None and link["href"] == IDN_URL
    # Not archived: no Robust Link attributes, which would only repeat the href.
    assert "data-originalurl" not in link.attrs


def test_an_archived_link_is_a_robust_link() -> None:
    link = _soup(sample()).select_one("#r-36edu-ru a.url")
    assert link is not None and link["data-originalurl"] == link["href"] == "http://36edu.ru/"
    assert link["data-versionurl"].startswith("https://web.archive.org/web/")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", link["data-versiondate"])


def _alive_plain() -> ReportData:
    """36edu.ru alive, exactly as cited, not archived, its page unchanged."""
    data = sample()
    rs = next(r for r in data.resources if r.resource.id == "36edu-ru")
    assert rs.last_checked is not None
    plain = dataclasses.replace(
        rs, archive=None, drift=Drift(similarity=1.0, title_changed=False, baseline_at=NOW)
    )
    return dataclasses.replace(data, resources=(plain,))


def test_an_alive_row_shows_only_facts_with_a_value() -> None:
    html = render_html(_alive_plain())
    body = html[html.index('<tbody class="res') : html.index("</tbody>")]
    # href and link text only: no "cited as", no final URL equal to the URL.
    assert body.count("http://36edu.ru/") == 2
    detail = BeautifulSoup(body, "html.parser").find("tr", class_="detail")
    facts = [dt.get_text() for dt in detail.find_all("dt")]
    assert set(facts) == {"Last outcome", "Page title", "Evidence", "Last checked", "Cited in"}
    text = detail.get_text(" ", strip=True)
    for empty in ("—", "not looked up", "similar", "Failing since", "replacement", "Verdict"):
        assert empty not in text, empty
    assert "\n " not in body  # no template indentation inside the rows


def test_drift_is_shown_only_when_the_page_changed() -> None:
    row = _soup(sample()).find("tbody", id="r-viro-edu-ru")
    assert "Changed since cited: 42% similar to Nov 15, 2026; title changed" in row.get_text()
    assert "similar" not in _soup(_alive_plain()).find("tbody", class_="res").get_text()


def test_row_carries_every_field_the_issue_lists() -> None:
    row = _soup(sample()).find("tbody", id="r-sisters-help-ru")
    text = row.get_text(" ", strip=True)
    for expected in (
        "Sisters: Help Centre",
        "ngo",
        "Moscow",
        "http://sisters-help.ru/about.html",
        "Dead",
        "Not found",
        "404 Not Found",
        "Nov 23, 2026",  # failing since
        "Nov 22, 2026, 06:00 UTC",  # last ok
        "Mar 12, 2018",  # snapshot
        "Replace the citation",
    ):
        assert expected in text, expected
    # 14 checks as runs of equal ones (one element each, drawn as that many marks).
    marks = row.select(".strip .mk")
    assert sum(_run_length(m) for m in marks) == 14
    assert [m["title"] for m in marks] == [
        "2026-11-15 06:00 – 2026-11-22 06:00: OK ×8 (verdict: Alive)",
        "2026-11-23 06:00 – 2026-11-25 06:00: Not found ×3 (verdict: Suspect)",
        "2026-11-26 06:00 – 2026-11-28 06:00: Not found ×3 (verdict: Dead)",
    ]


def _run_length(mark: Any) -> int:
    n = [c for c in mark["class"] if c[0] == "n" and c[1:].isdigit()]
    return int(n[0][1:]) if n else 1


def test_renders_an_empty_registry_without_a_run() -> None:
    data = ReportData(
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        run=None,
        registry_path="r.yaml",
        resources=(),
    )
    soup = _soup(data)
    assert "No resources checked yet" in soup.find("h1").get_text()
    assert not soup.select("tbody.res")


def test_long_history_is_capped_but_counted() -> None:
    data = sample()
    rs = data.resources[0]
    long = dataclasses.replace(rs, history=rs.history * 10)
    soup = _soup(dataclasses.replace(data, resources=(long,)))
    assert sum(_run_length(m) for m in soup.select(".strip .mk")) == 60
    assert "140 checks" in soup.find(class_="strip-note").get_text()


def test_headline_never_calls_an_offline_or_unchecked_registry_fine() -> None:
    from dataclasses import replace

    from audit.models import Verdict
    from audit.report import render_html
    from tests.report.sample import named_resources, sample

    def headline(data: ReportData) -> str:
        h1 = BeautifulSoup(render_html(data), "html.parser").find("h1")
        assert h1 is not None
        return h1.get_text()

    fine = replace(
        sample(),
        resources=tuple(
            replace(rs, verdict=Verdict.ALIVE) for rs in sample().resources if rs.resource.url
        ),
    )
    assert headline(fine) == "All checked resources are fine"
    unknown = replace(
        fine, resources=tuple(replace(rs, verdict=Verdict.UNKNOWN) for rs in fine.resources)
    )
    assert headline(unknown) == "No resource conclusively checked yet"
    assert headline(replace(sample(offline=True), resources=unknown.resources)) == (
        "Offline run: nothing could be checked"
    )
    some = replace(
        fine,
        resources=(
            *fine.resources[:-1],
            replace(fine.resources[-1], verdict=Verdict.UNKNOWN),
            *named_resources(),
        ),
    )
    assert headline(some) == "No problems found; 1 not conclusively checked"


def test_evidence_that_repeats_the_status_is_not_shown_twice() -> None:
    data = _alive_plain()
    rs = data.resources[0]
    bare = dataclasses.replace(rs, classification=Classification(Outcome.OK, ("HTTP 200",)))
    row = _soup(dataclasses.replace(data, resources=(bare,))).find("tbody", class_="res")
    assert row.select_one("td.c-check").get_text(" ", strip=True) == "OK HTTP 200"
    assert row.select(".facts li")[0].get_text() == "HTTP 200"


def test_a_resource_named_without_an_address_but_cited_as_text() -> None:
    data = sample()
    named = next(r for r in data.resources if r.resource.url is None)
    cited = dataclasses.replace(
        named, resource=dataclasses.replace(named.resource, cited_as="МВД России")
    )
    row = _soup(dataclasses.replace(data, resources=(cited,))).find("tbody", class_="res")
    assert row.find(class_="nourl") is not None
    assert "repaired to" not in row.get_text()


def test_a_replacement_that_is_the_archived_copy_says_so() -> None:
    row = _soup(sample()).find("tbody", id="r-sisters-help-ru")
    facts = {
        dt.get_text(): dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in row.select(".facts dt")
    }
    assert facts["Best archived copy"].startswith("Mar 12, 2018")
    assert facts["Suggested replacement"] == "the archived copy above"
