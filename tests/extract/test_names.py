"""`--names`: resources named without an address, proposed for a human to confirm."""

from __future__ import annotations

from audit.extract import NamedCandidate, extract_names
from tests.extract._shared import shared


def _seed_names() -> dict[str, NamedCandidate]:
    text = shared("seeds", "000_f9495035618270d1.txt").read_text(encoding="utf-8")
    return {n.name: n for n in extract_names(text, "seed.txt")}


def test_seed_names() -> None:
    names = _seed_names()
    print(f"seed names: {sorted(names)}")
    for expected in (
        '"Key" foundation',
        "Road to Home",
        "RUDN university",
        "Social shelter for children Transit",
        "ICSE database",
    ):
        assert expected in names
    key = names['"Key" foundation']
    assert (key.kind, key.region, key.location.line) == ("foundation", "Tambov region", 139)
    assert key.section == "Question 2 / Reply to par.2.1"
    assert "Tambov region" in key.snippet
    assert key.nearby_url is None
    assert names["Road to Home"].region == "Cherepovets"
    assert names["RUDN university"].kind == "university"
    assert names["ICSE database"].kind == "database"
    assert names["ICSE database"].location.line == 697  # first mention only
    # named with an address right after: the human sees which one
    assert names["Social shelter for children Transit"].nearby_url == "https://shelter-tranzit.ru/"


def test_nothing_named_in_plain_prose() -> None:
    text = "The Ministry said that the course was useful. In 2016, 8 replies were sent."
    assert extract_names(text, "t.txt") == []


def test_operations_and_courses_are_not_resources() -> None:
    text = 'the operation "Weed" and the course "Life safety fundamentals"'
    assert extract_names(text, "t.txt") == []


def test_russian_names() -> None:
    text = (
        "Работа ведётся с фондом «Ключ» в Тамбовской области и с проектом «Дорога домой» "
        "в г. Череповец, а также с АНО «Центр «Сёстры»».\n"
    )
    names = {n.name: n for n in extract_names(text, "ru.txt")}
    assert names["Ключ"].kind == "foundation"
    assert names["Ключ"].region == "Тамбовской области"
    assert names["Дорога домой"].kind == "project"
    assert names["Дорога домой"].region == "Череповец"
