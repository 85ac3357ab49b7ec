"""The pure parts: candidates, moved notices, decisions, span edits, evidence ranking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from audit import urls
from audit.archive.moves import moved_notice
from audit.check import CheckResult, CheckTarget
from audit.fix.candidates import candidate_hosts, label_edits
from audit.fix.markdown import markdown_sites
from audit.fix.model import Action, Style, Suggestion, SuggestionKind
from audit.fix.plan import decide, knowledge
from audit.fix.sites import TEXT, Edit, Site, apply, edits
from audit.fix.suggest import resemblance, score
from audit.models import (
    Classification,
    Fingerprint,
    Observation,
    Outcome,
    Replacement,
    Resource,
    ResourceStatus,
    Snapshot,
    Verdict,
)


class TestCandidates:
    @pytest.mark.parametrize(
        ("cited", "meant"),
        [
            ("www.ppms.edu-penzaa.ru", "www.ppms.edu-penza.ru"),  # doubled letter
            ("www.stopav.ru", "www.stoppav.ru"),  # dropped letter
            ("www.sheltre-tranzit.ru", "www.shelter-tranzit.ru"),  # swapped
            ("www.sheltertranzit.ru", "www.shelter-tranzit.ru"),  # hyphen dropped
            ("www.shelter-tranzit.com", "www.shelter-tranzit.ru"),  # another suffix
            ("viro.edu.ru", "www.viro.edu.ru"),  # www. added
            ("www.viro.edu.ru", "viro.edu.ru"),  # www. dropped
            ("xn--d1acufc.xn--p1ai", "xn--d1acufc.ru"),  # an IDN: only the suffix swaps
        ],
    )
    def test_one_slip_away(self, cited: str, meant: str) -> None:
        assert meant in candidate_hosts(cited)

    def test_candidates_are_valid_and_new(self) -> None:
        hosts = candidate_hosts("www.ppms.edu-penzaa.ru")
        assert "www.ppms.edu-penzaa.ru" not in hosts and len(hosts) == len(set(hosts))
        assert all(urls.normalize(f"http://{h}/").url for h in hosts)
        assert not [e for e in label_edits("ab-c") if e.startswith("-") or "--" in e]
        assert label_edits("xn--d1acufc") == []
        assert candidate_hosts("127.0.0.1") == []


def test_moved_notice() -> None:
    page = (
        "<html><body><script>var x='moved to http://no.example/'</script>"
        "<p>Уважаемые посетители! Мы переехали на новый сайт: <b>www.new-centre.ru</b>.</p>"
    )
    found = moved_notice(page)
    assert found is not None and found[0] == "http://www.new-centre.ru"
    assert "переехали" in found[1]
    assert moved_notice("<p>Nothing has moved here.</p>") is None


def status(verdict: Verdict, **kw: object) -> ResourceStatus:
    r = Resource(
        "r",
        "R",
        "http://www.viro.edu.ru/",
        replaced_by=kw.pop("replaced_by", None),  # type: ignore[arg-type]
        keep=bool(kw.pop("keep", False)),
    )
    return ResourceStatus(resource=r, verdict=verdict, reason="why", **kw)  # type: ignore[arg-type]


SNAP = Snapshot("wayback", "https://web.archive.org/web/20190507/x", "20190507120000", 200, True)


class TestDecide:
    def test_by_verdict(self) -> None:
        n = urls.normalize("http://www.viro.edu.ru")
        malformed = urls.normalize("http: www.viro.edu.ru")
        cases = {
            Verdict.DEAD: (status(Verdict.DEAD, replacement=SNAP), Action.ARCHIVE, SNAP.url),
            Verdict.MOVED: (status(Verdict.MOVED, moved_to="http://n/"), Action.MOVED, "http://n/"),
            Verdict.BLOCKED: (status(Verdict.BLOCKED, replacement=SNAP), Action.NONE, None),
            Verdict.SUSPECT: (status(Verdict.SUSPECT, replacement=SNAP), Action.NONE, None),
            Verdict.UNKNOWN: (status(Verdict.UNKNOWN), Action.NONE, None),
        }
        for s, action, url in cases.values():
            d = decide(n, knowledge([s]))
            assert (d.action, d.url) == (action, url), s.verdict
        alive = knowledge([status(Verdict.ALIVE)])
        assert decide(n, alive).action is Action.NONE  # written right: nothing to do
        assert decide(malformed, alive).action is Action.REPAIR
        assert decide(urls.normalize("www.viro.edu.ru"), alive).action is Action.NONE
        unverified = status(Verdict.DEAD, replacement=Snapshot("wayback", "u", "2019", 200, None))
        d = decide(n, knowledge([unverified]))
        assert d.action is Action.NONE and "not verified" in d.why
        assert decide(urls.normalize("http://other.example/"), alive).resource_id is None

    def test_keep_leaves_even_a_dead_citation_as_written(self) -> None:
        n = urls.normalize("http://www.viro.edu.ru/")
        d = decide(n, knowledge([status(Verdict.DEAD, replacement=SNAP, keep=True)]))
        assert d.action is Action.NONE and "keep: true" in d.why

    def test_replacement_and_suggestions(self) -> None:
        n = urls.normalize("http://www.viro.edu.ru/")
        s = status(Verdict.DEAD, replaced_by=Replacement("http://new.example/", "2026-05-07"))
        assert decide(n, knowledge([s])).action is Action.REPLACED
        offer = Suggestion(SuggestionKind.DID_YOU_MEAN, "http://viro.example/", 0.9, ("e",))
        k = knowledge([status(Verdict.SUSPECT)], {"r": (offer,)})
        assert decide(n, k).action is Action.NONE and decide(n, k).suggestions == (offer,)
        assert decide(n, k, accept_suggestions=True).action is Action.SUGGESTED
        for verdict in (Verdict.BLOCKED, Verdict.ALIVE):  # refuses us, or works again
            k = knowledge([status(verdict)], {"r": (offer,)})
            assert decide(n, k, accept_suggestions=True).action is Action.NONE
            assert decide(n, k).suggestions == ()


def test_span_edits() -> None:
    d = decide(
        urls.normalize("http://www.viro.edu.ru/"),
        knowledge([status(Verdict.DEAD, replacement=SNAP)]),
    )
    site = Site("http://www.viro.edu.ru/", 1, None, (4, 27), 27)
    text = "See http://www.viro.edu.ru/ now"
    assert apply(text, edits(site, d, Style.REPLACE, TEXT)) == f"See {SNAP.url} now"
    appended = apply(text, edits(site, d, Style.APPEND, TEXT))
    note = f" (archived at {SNAP.url} from the original on 2019-05-07)"
    assert appended == f"See http://www.viro.edu.ru/{note} now"
    with pytest.raises(ValueError, match="overlapping"):
        apply(text, [Edit(0, 5, "a"), Edit(3, 6, "b")])


def test_markdown_sites_skip_code_and_unparsed_brackets() -> None:
    src = "[a](http://a.ru/) \\[b](http://b.ru/)\n\n    http://c.ru/\n\n`http://d.ru/` e.ru\n"
    found = [(s.address, s.target is not None) for s in markdown_sites(src)]
    assert found == [("http://a.ru/", True), ("http://b.ru/", False), ("e.ru", False)]


def test_evidence_ranks_candidates() -> None:
    def result(outcome: Outcome, title: str, url: str = "http://www.edu-penza.ru/") -> CheckResult:
        fp = Fingerprint(url, title, "h", 0, 100)
        obs = Observation(url, datetime(2026, 5, 1, tzinfo=UTC), status=200, fingerprint=fp)
        return CheckResult(CheckTarget(url), obs, Classification(outcome))

    name = "Пензенский ППМС-центр"
    like = score(SuggestionKind.DID_YOU_MEAN, result(Outcome.OK, "ППМС-центр, Пенза"), name, set())
    other = score(SuggestionKind.DID_YOU_MEAN, result(Outcome.OK, "Casino"), name, set())
    known = score(SuggestionKind.DID_YOU_MEAN, result(Outcome.OK, "Casino"), name, {"edu-penza.ru"})
    parked = score(SuggestionKind.DID_YOU_MEAN, result(Outcome.PARKED, name), name, set())
    assert like and other and known and parked is None
    assert like.score > known.score > other.score
    assert resemblance("ППМС-центр, Пенза", name) >= 0.5


def test_html_text_sites_map_character_references_back_to_the_source() -> None:
    from audit.fix.html import html_sites

    src = (
        "<p>See http://a.ru/?x=1&amp;y=2 and &laquo;www.b.ru&raquo;<!-- http://c.ru -->"
        " http://d.ru/&#x41;<code>http://e.ru/</code></p>"
    )
    found = [(s.address, src[s.text[0] : s.text[1]]) for s in html_sites(src, "x") if s.text]
    assert found == [
        ("http://a.ru/?x=1&y=2", "http://a.ru/?x=1&amp;y=2"),
        ("www.b.ru", "www.b.ru"),
        ("http://d.ru/A", "http://d.ru/&#x41;"),
    ]


def test_markdown_without_final_newline_and_with_raw_html() -> None:
    assert [s.address for s in markdown_sites("no newline http://a.ru")] == ["http://a.ru"]
    src = 'text\n\n<div>\n<a href="http://b.ru/">http://b.ru/</a>\n</div>\n\nend'
    (link,) = markdown_sites(src)
    assert link.line == 4 and link.target is not None and link.text is not None
    assert (
        src[link.target[0] : link.target[1]] == src[link.text[0] : link.text[1]] == "http://b.ru/"
    )
