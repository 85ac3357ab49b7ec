from __future__ import annotations

from collections.abc import Callable

from audit.report import render_markdown
from audit.report._markdown import md_link, md_text
from tests.report.sample import HOSTILE_TITLE, IDN_DISPLAY, IDN_URL, sample


def test_golden_online(golden: Callable[[str, str], None]) -> None:
    golden("status.md", render_markdown(sample()))


def test_golden_offline(golden: Callable[[str, str], None]) -> None:
    golden("status-offline.md", render_markdown(sample(offline=True)))


def test_problems_come_before_everything_else() -> None:
    text = render_markdown(sample())
    attention = text.index("### Needs attention (7)")
    assert text.index("PPMS centre of the Penza Region") > attention
    # The first table row after the heading is the worst resource.
    first_row = text[attention:].split("\n")[4]
    assert "🔴 Dead" in first_row
    assert text.index("### Named without an address (6)") > attention
    assert text.index("<details>") > text.index("### Named without an address")


def test_offline_run_is_labelled_and_online_is_not() -> None:
    assert "Offline run" in render_markdown(sample(offline=True))
    assert "Offline run" not in render_markdown(sample())


def test_idn_is_shown_in_unicode_and_linked_in_ascii() -> None:
    assert f"[{IDN_DISPLAY}]({IDN_URL})" in render_markdown(sample())


def test_hostile_text_is_inert() -> None:
    text = render_markdown(sample())
    assert HOSTILE_TITLE not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_md_text_escapes_markup_tables_and_mentions() -> None:
    assert md_text("a|b") == "a\\|b"
    assert md_text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md_text("[click](javascript:alert(1))") == "\\[click\\](javascript:alert(1))"
    assert md_text("**bold** _it_ `code`") == "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"
    assert md_text("ask @octocat") == "ask @\u200boctocat"
    assert md_text("two\nlines\r\n here") == "two lines here"
    assert md_text("a &amp; b") == "a &amp;amp; b"


def test_md_link_only_links_web_urls() -> None:
    assert md_link("x", "javascript:alert(1)") == "x"
    assert md_link(None, "http://h/a b(c)") == "[http://h/a b(c)](http://h/a%20b%28c%29)"


def test_a_large_registry_still_fits_in_a_github_comment() -> None:
    import dataclasses

    base = sample()
    many = tuple(
        dataclasses.replace(
            rs, resource=dataclasses.replace(rs.resource, id=f"{rs.resource.id}-{i}")
        )
        for i in range(300)
        for rs in base.resources
    )
    text = render_markdown(dataclasses.replace(base, resources=many))
    assert len(text) < 65_536
    assert "### Needs attention (2,100)" in text
    assert "more: see the HTML report." in text
    assert "All 5,400 resources are in the HTML report." in text
    assert "<details>" not in text
    attention = text.split("### Needs attention (2,100)")[1]
    assert attention.split("\n")[4].count("🔴 Dead") == 1


def test_in_russian_with_candidates_to_confirm_and_no_code_names() -> None:
    from tests.report.realistic import realistic

    text = render_markdown(realistic(), lang="ru")
    assert text.startswith("## Состояние ресурсов — 28 нояб. 2026\u202fг., 06:04 UTC")
    assert "**Search portal** (подтвердить)" in text
    assert "Не найдено, HTTP 404" in text and "домен не существует: Name or service" in text
    for code in ("not_found", "dns_nxdomain", "server_error", "redirect(s)"):
        assert code not in text
