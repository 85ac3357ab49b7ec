"""Question/reply sections and list headings."""

from __future__ import annotations

from audit.extract.sections import is_heading, is_region, listing, sections

DOC = """Question 1  Awareness-raising
1.1.  Are there activities?
Replies to par.1.1 - 1.2
text
1.3.  Are there more?
Reply to par.1.3.
text
 Question 9.  Criminalisation
9.1.  Does national law criminalise?
Reply to par. 9.7.
Reply: In structure of the Ministry there is a department.
Question 10. Production
""".splitlines()


def test_sections_follow_headings() -> None:
    secs = sections(DOC)
    assert secs[0] == "Question 1"
    assert secs[1] == "Question 1"
    assert secs[3] == "Question 1 / Replies to par.1.1 - 1.2"
    assert secs[4] == "Question 1"  # a new sub-question ends the reply before it
    assert secs[6] == "Question 1 / Reply to par.1.3"
    assert secs[8] == "Question 9"
    assert secs[9] == "Question 9 / Reply to par. 9.7"
    assert secs[10] == "Question 9 / Reply"
    assert secs[11] == "Question 10"


def test_before_any_heading_there_is_no_section() -> None:
    assert sections(["Intro", "Question. is a word here"]) == [None, None]


def test_headings_and_regions() -> None:
    assert is_heading("Voronezh region ")
    assert is_heading("Examples of projects:")
    assert not is_heading("The research revealed negative activities of a number of them.")
    assert not is_heading("b) self-generated sexual content? ")
    assert not is_heading("Reply to par.2.1.")
    assert is_region("Vologda Region") and is_region("Тамбовская область")
    assert not is_region("Roskomnadzor site")


def test_listing_stops_at_the_previous_list() -> None:
    lines = [
        "the activities (questions 1.1, 1.2 and 1.3).",
        "Examples of resources",
        "Voronezh region",
        "http://36edu.ru/ (Department of Education of the Voronezh",
        "",
        "Region),",
        "Penza region",
        "www.ppms.edu-penzaa.ru",
        "Roskomnadzor site",
        "www.x.ru",
    ]

    def address(i: int) -> bool:
        return lines[i].startswith(("http", "www"))

    first = listing(lines, 3, address)
    assert (first.label, first.region) == ("Voronezh region", "Voronezh region")
    assert listing(lines, 7, address).region == "Penza region"
    last = listing(lines, 9, address)
    assert (last.label, last.region) == ("Roskomnadzor site", None)


def test_russian_headings() -> None:
    secs = sections(["Вопрос 2. Гражданское общество", "Ответ на п. 2.1.", "текст", "Ответ: да"])
    assert secs == [
        "Вопрос 2",
        "Вопрос 2 / Ответ на п. 2.1",
        "Вопрос 2 / Ответ на п. 2.1",
        "Вопрос 2 / Ответ",
    ]
