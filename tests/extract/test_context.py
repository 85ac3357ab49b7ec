"""The description a document gives for an address."""

from __future__ import annotations

import pytest

from audit.extract.context import describe


def context_of(text: str, address: str) -> str | None:
    start = text.index(address)
    return describe(text, start, start + len(address))


@pytest.mark.parametrize(
    ("text", "address", "expected"),
    [
        (
            "http://36edu.ru/ (Department of Education of the Voronezh \n\nRegion), \n",
            "http://36edu.ru/",
            "Department of Education of the Voronezh Region",
        ),
        (
            'the state institution "Social shelter for children Transit" \n(https://x.ru/) \n',
            "https://x.ru/",
            "Social shelter for children Transit",
        ),
        (
            'Examples of projects: \n"Sisters" -Regional Public Organization of \n\n'
            "Sexual Violence http://sisters-help.ru/about.html  \n",
            "http://sisters-help.ru/about.html",
            '"Sisters" -Regional Public Organization of Sexual Violence',
        ),
        (
            "including issues in the Convention (links to the examples \nhttp://x.com/r). ",
            "http://x.com/r",
            None,
        ),
        (
            'see the website of the project" Children on-line" \nhttp://detionline.com/a). ',
            "http://detionline.com/a",
            "Children on-line",
        ),
        ("The portal www.x.ru is described in par. 2.\n", "www.x.ru", None),
        ("Доклад: http://x.ru/a.pdf (дата обращения: 12.03.2020)\n", "http://x.ru/a.pdf", None),
        ("The report http://x.ru/a.pdf (accessed 12 March 2020).\n", "http://x.ru/a.pdf", None),
        ("Read it at http://x.ru/a.pdf (in Russian).\n", "http://x.ru/a.pdf", None),
        (
            "Портал www.x.ru (Департамент образования Воронежской области)\n",
            "www.x.ru",
            "Департамент образования Воронежской области",
        ),
        ("Earlier text ends here.\nwww.x.ru (see http://y.ru for more)\n", "www.x.ru", None),
        (
            "Federal portal – www.x.ru – the Ministry of Education.\n",
            "www.x.ru",
            "the Ministry of Education",
        ),
    ],
)
def test_describe(text: str, address: str, expected: str | None) -> None:
    assert context_of(text, address) == expected


def test_sentence_before_stops_at_abbreviations_correctly() -> None:
    text = "It is run by the St. Petersburg Agency for Children. The Centre http://c.ru works."
    assert context_of(text, "http://c.ru") == "The Centre"
