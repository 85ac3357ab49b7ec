"""What a reader calls a citation in plain text, and what is not one."""

from __future__ import annotations

import pytest

from audit.extract import extract_text
from audit.models import UrlKind


def raws(text: str) -> list[str]:
    return [c.raw for c in extract_text(text, "t.txt")]


def web(text: str) -> list[str]:
    return [
        c.raw
        for c in extract_text(text, "t.txt")
        if c.normalized is not None and c.normalized.kind is UrlKind.WEB
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see www.x.ru.", ["www.x.ru"]),
        ("site sisters-help.ru/about.html here", ["sisters-help.ru/about.html"]),
        ("портал президент.рф, и", ["президент.рф"]),
        ("«http://example.ru/путь»", ["http://example.ru/путь"]),
        ("„http://example.ru/a“", ["http://example.ru/a"]),
        ("(see http://x.ru/a)", ["http://x.ru/a"]),
        ("[1] http://example.ru/x].", ["http://example.ru/x"]),
        (
            "https://en.wikipedia.org/wiki/Bracket_(disambiguation).",
            ["https://en.wikipedia.org/wiki/Bracket_(disambiguation)"],
        ),
        ("https://президент.рф/news/,", ["https://президент.рф/news/"]),
        ("http://example.ru/a…", ["http://example.ru/a"]),
        ("<http://x.ru/a>;", ["http://x.ru/a"]),
        ('"www.x.ru"', ["www.x.ru"]),
        ("http: www.viro.edu.ru  ", ["http: www.viro.edu.ru"]),
        ("www.персональные данные.дети ", ["www.персональные данные.дети"]),
        ("Site:www.x.ru", ["www.x.ru"]),
        ("сайтwww.x.ru", ["www.x.ru"]),
        ("http://a.ruhttp://b.ru", ["http://a.ru", "http://b.ru"]),
        ("GOOGLE.COM.", ["GOOGLE.COM"]),
        ("сайт ПРЕЗИДЕНТ.РФ.", ["ПРЕЗИДЕНТ.РФ"]),
        ("Мы на сайте www.x.ruи далее", ["www.x.ru"]),
        (
            "https://web.archive.org/web/2020/http://x.ru/a",
            ["https://web.archive.org/web/2020/http://x.ru/a"],
        ),
        (
            "see https://www.google.com/url?q=http://x.ru/",
            ["https://www.google.com/url?q=http://x.ru/"],
        ),
        (
            "site: http://x.ru, http://y.ru; http://z.ru!",
            ["http://x.ru", "http://y.ru", "http://z.ru"],
        ),
    ],
)
def test_boundaries(text: str, expected: list[str]) -> None:
    assert raws(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Art. 31.1 of the Code",
        "Government decree of May 29, 2015 No. 996-r",
        "art. 242, 131-135,137 of the Criminal Code",
        "see par.1.3.a),b). and par 2.1.a) b)",
        "Federal Law No. 124-FZ of 24.07.1998",
        "the report.pdf and data.xlsx files, setup.py, notes.md",
        "call 8.800.2000.122 or +7 (495) 123-45-67",
        "version 3.5, 1.2.3.4 and 4,700 users",
        "the children.It was the end.Next year",
        "protocol http: The server",
        "node.js and io.js",
        "e.g. the i.e. clause",
        "г.Москва, ул.Ленина, т.е. и т.д.",
        "Приказ № 84 от 18.05.2017 г.",
    ],
)
def test_not_web_addresses(text: str) -> None:
    assert web(text) == []


def test_emails_are_reported_as_email() -> None:
    found = extract_text("write to info@edu-penzaa.ru or mailto:a@b.ru.", "t.txt")
    assert [(c.raw, c.normalized.kind if c.normalized else None) for c in found] == [
        ("info@edu-penzaa.ru", UrlKind.EMAIL),
        ("mailto:a@b.ru", UrlKind.EMAIL),
    ]


def test_other_schemes_keep_their_kind() -> None:
    (c,) = extract_text("files at ftp://ftp.x.ru/pub/ today", "t.txt")
    assert c.raw == "ftp://ftp.x.ru/pub/"
    assert c.normalized is not None and c.normalized.kind is UrlKind.OTHER_SCHEME


@pytest.mark.parametrize(
    ("text", "url"),
    [
        (
            "see http://www.x.ru/docs/\nreport-2020.pdf today",
            "http://www.x.ru/docs/report-2020.pdf",
        ),
        ("see http://www.x.ru/search?\nq=1&p=2 today", "http://www.x.ru/search?q=1&p=2"),
        ("see http://www.x.ru/a?q=1&\np=2", "http://www.x.ru/a?q=1&p=2"),
        (
            "http://www.x.ru/foreign-influence-\noperations-and-disinformation",
            ("http://www.x.ru/foreign-influence-operations-and-disinformation"),
        ),
        ("text http://www.x.ru/docs/ \n\nfiles/a.pdf \n", "http://www.x.ru/docs/files/a.pdf"),
    ],
)
def test_wrapped_urls_are_joined(text: str, url: str) -> None:
    (c,) = extract_text(text, "t.txt")
    assert c.normalized is not None and c.normalized.url == url
    assert c.raw == text[text.index("http") : text.index("http") + len(c.raw)]
    assert "\n" in c.raw
    assert c.normalized.repairs[0].rule.startswith("line-break")
    assert c.location.line == 1


@pytest.mark.parametrize(
    "text",
    [
        "http://36edu.ru/\nhttp://www.stoppav.ru/",  # a list: the next line is another address
        "see http://x.ru/\nThe next sentence starts here.",
        "see http://x.ru/a\nmore text",  # no continuation character at the break
        "see http://x.ru/\nwww.y.ru",
    ],
)
def test_lines_that_do_not_continue_a_url(text: str) -> None:
    found = extract_text(text, "t.txt")
    assert all("\n" not in c.raw for c in found)
    assert found[0].raw.startswith("http://")


def test_locations_are_lines() -> None:
    found = extract_text("a\n\nb www.x.ru\nc http://y.ru/", "doc.txt", page=3)
    assert [(c.location.page, c.location.line) for c in found] == [(3, 3), (3, 4)]
    assert all(c.source == "doc.txt" for c in found)


def test_soft_hyphen_and_zero_width_stay_in_the_span() -> None:
    (c,) = extract_text("see http://exa\u00admple.ru/doc\u200bument now", "t.txt")
    assert c.raw == "http://exa\u00admple.ru/doc\u200bument"


def test_latin_words_around_a_space_are_not_a_split_host() -> None:
    assert raws("www.xxxxxxx.baz www.foo.co.uk") == ["www.foo.co.uk"]


def test_a_pipe_inside_a_query_is_kept_and_a_trailing_one_dropped() -> None:
    assert raws("http://x.ru/a?p=P1|0||P2|0 and http://y.ru/b| next") == [
        "http://x.ru/a?p=P1|0||P2|0",
        "http://y.ru/b",
    ]
