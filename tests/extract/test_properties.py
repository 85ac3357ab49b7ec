"""Properties of the scanner on arbitrary text: never raises, spans are what is written."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.extract import extract_text

PIECES = st.sampled_from(
    [
        "http://",
        "https://x.ru/",
        "www.",
        "www.a.ru",
        "президент.рф",
        "a@b.ru",
        "mailto:",
        "(",
        ")",
        "«",
        "»",
        '"',
        ".",
        ",",
        "-",
        "/",
        "?",
        "&",
        ":",
        " ",
        "\n",
        "\n\n",
        "\u00ad",
        "\u200b",
        "Reply to par.1.1.",
        "Question 2",
        "Voronezh region",
        "par.1.3",
        "report.pdf",
        "x",
        "Я",
        "1.2.3",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_spans_are_written_where_they_are_located(text: str) -> None:
    lines = text.split("\n")
    for c in extract_text(text, "p.txt"):
        assert c.raw
        assert c.normalized is not None and c.normalized.url is not None
        line = c.location.line
        assert line is not None and 1 <= line <= len(lines)
        # the span starts on its line and is a substring of the text from there
        offset = sum(len(s) + 1 for s in lines[: line - 1])
        assert c.raw in text[offset:]
        assert text[offset:].find(c.raw) <= len(lines[line - 1])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_scanned_without_error(text: str) -> None:
    for c in extract_text(text, "p.txt"):
        assert c.raw in text
