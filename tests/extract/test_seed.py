"""The first real input: every web resource of the seed, none extra, with context."""

from __future__ import annotations

import json

import pytest

from audit.extract import CitedResource, citation_to_json, extract_file, group_citations
from audit.models import UrlKind
from tests.extract._shared import shared

# host+path of each web resource the seed cites, and the context the document gives
EXPECTED: dict[str, str | None] = {
    "36edu.ru/": "Department of Education, Science and Youth Policy of the Voronezh Region",
    "stoppav.ru/": 'GBU VO "Center for Psychological and Pedagogical Support and '
    'Development of Children"',
    "voronezh.sledcom.ru/": "SU SK in the Voronezh region",
    "viro.edu.ru/": "Vologda Region",
    "podrostok.edu.yar.ru/": "Yaroslavl region",
    "ppms.edu-penzaa.ru/": "Penza region",
    "персональныеданные.дети/": "Roskomnadzor site",
    "pedofilov.net/about-us/": '"Safe childhood" of the non-commercial partnership "Monitoring '
    "Center for the Detection of Dangerous and Legally Banned Content",
    "sisters-help.ru/about.html": '"Sisters" -Regional Public Organization Independent Charity '
    "Center for Help to Survivors of Sexual Violence",
    "detionline.com/mts/about": "Children on-line",
    "detionline.com/research/about": None,  # "links to the examples": no description given
    "shelter-tranzit.ru/": "Social shelter for children Transit",
}
REGIONS = {
    "36edu.ru/": "Voronezh region",
    "stoppav.ru/": "Voronezh region",
    "voronezh.sledcom.ru/": "Voronezh region",
    "viro.edu.ru/": "Vologda Region",
    "podrostok.edu.yar.ru/": "Yaroslavl region",
    "ppms.edu-penzaa.ru/": "Penza region",
}


@pytest.fixture(scope="module")
def resources() -> dict[str, CitedResource]:
    citations = extract_file(shared("seeds", "000_f9495035618270d1.txt"))
    grouped = group_citations(citations)
    by_name: dict[str, CitedResource] = {}
    for r in grouped:
        assert r.display is not None
        name = r.display.split("://", 1)[1].removeprefix("www.")
        assert name not in by_name
        by_name[name] = r
    return by_name


def test_exactly_the_twelve_web_resources(resources: dict[str, CitedResource]) -> None:
    print(f"seed: {len(resources)} resources: {sorted(resources)}")
    assert sorted(resources) == sorted(EXPECTED)
    for r in resources.values():
        for c in r.occurrences:
            assert c.normalized is not None and c.normalized.kind is UrlKind.WEB


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_context(resources: dict[str, CitedResource], name: str) -> None:
    assert resources[name].context == EXPECTED[name]
    assert resources[name].region == REGIONS.get(name)


def test_in_text_and_list_occurrences_are_one_resource(
    resources: dict[str, CitedResource],
) -> None:
    lines = {n: [c.location.line for c in r.occurrences] for n, r in resources.items()}
    assert lines["36edu.ru/"] == [99, 132]
    assert lines["viro.edu.ru/"] == [107, 135]
    assert lines["pedofilov.net/about-us/"] == [166, 207]
    assert lines["shelter-tranzit.ru/"] == [311, 350]
    assert lines["персональныеданные.дети/"] == [113]
    raws = [c.raw for c in resources["viro.edu.ru/"].occurrences]
    assert raws == ["http: www.viro.edu.ru", "http://www.viro.edu.ru/"]


def test_sections_follow_the_question_and_reply_headings(
    resources: dict[str, CitedResource],
) -> None:
    sections = {n: [c.section for c in r.occurrences] for n, r in resources.items()}
    assert sections["36edu.ru/"] == [
        "Question 1 / Reply to par.1.3",
        "Question 2 / Reply to par.2.1",
    ]
    assert sections["sisters-help.ru/about.html"] == ["Question 2 / Reply to par.2.2", "Question 4"]
    assert sections["detionline.com/research/about"] == [
        "Question 5 / Replies to par. 5.1-5.2",
        "Question 6 / Reply to par.6.1",
    ]
    assert sections["shelter-tranzit.ru/"] == ["Question 6 / Reply to par.6.2", "Question 8"]


def test_json_objects_follow_the_contract(resources: dict[str, CitedResource]) -> None:
    c = resources["viro.edu.ru/"].occurrences[0]
    obj = citation_to_json(c)
    assert set(obj) == {
        "url", "display", "raw", "source", "location", "section", "context", "repairs", "kind"
    }  # fmt: skip
    assert obj["raw"] == "http: www.viro.edu.ru"
    assert obj["url"] == "http://www.viro.edu.ru/"
    assert obj["location"] == {"page": None, "line": 107}
    assert obj["section"] == "Question 1 / Reply to par.1.3"
    assert obj["context"] == "Vologda Region"
    assert obj["kind"] == "web"
    assert obj["repairs"], "the space after the scheme is a repair"
    assert all(set(r) == {"rule", "detail"} for r in obj["repairs"])  # type: ignore[union-attr]
    json.dumps(obj, ensure_ascii=False)
