"""One resource per key, every occurrence kept; the JSON object of one citation."""

from __future__ import annotations

from audit.extract import citation_to_json, extract_text, group_citations


def test_group_keeps_every_occurrence_in_order() -> None:
    text = "Voronezh region\nwww.x.ru\n\nSee http://www.x.ru/ and HTTP://WWW.X.RU/.\nmail a@b.ru"
    citations = extract_text(text, "d.txt")
    groups = group_citations(citations)
    assert [g.url for g in groups] == ["http://www.x.ru/", "mailto:a@b.ru"]
    x = groups[0]
    assert [c.raw for c in x.occurrences] == ["www.x.ru", "http://www.x.ru/", "HTTP://WWW.X.RU/"]
    assert [c.location.line for c in x.occurrences] == [2, 4, 4]
    assert x.region == "Voronezh region"
    assert x.context == "Voronezh region"
    assert x.key == citations[0].normalized.key  # type: ignore[union-attr]


def test_json_of_an_email_and_a_wrapped_url() -> None:
    email, wrapped = extract_text("a@b.ru and\nhttp://x.ru/a/\nb.pdf", "d.txt")
    assert citation_to_json(email)["kind"] == "email"
    obj = citation_to_json(wrapped)
    assert obj["raw"] == "http://x.ru/a/\nb.pdf"
    assert obj["url"] == "http://x.ru/a/b.pdf"
    assert obj["location"] == {"page": None, "line": 2}
    assert obj["repairs"][0]["rule"] == "line-break-joined"  # type: ignore[index]
