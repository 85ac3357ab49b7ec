"""Every citation in the seed document repairs to the address its own hyperlink lists give."""

from __future__ import annotations

import re

from audit.models import UrlKind
from audit.urls import normalize

from .corpora import SEED, report, shared_file

# The one citation the document gives no hyperlink for (url-repair.md §2.4 H6).
UNLISTED = {
    "www.персональные данные.дети": "http://www.xn--80aalcbc2bocdadlpp9nfk.xn--d1acj3b/",
}
_URL_LINE = re.compile(r"https?://[^\s()]+[\w/]")  # a bare hyperlink, no punctuation
_CITES = re.compile(r"(?i)https?\s*[:;/]|www\.")


def _seed() -> tuple[set[str], list[str]]:
    lines = shared_file(SEED).read_text(encoding="utf-8").splitlines()
    hyperlinks = {line.strip() for line in lines if _URL_LINE.fullmatch(line.strip())}
    citations = [
        line.strip() for line in lines if _CITES.search(line) and line.strip() not in hyperlinks
    ]
    return hyperlinks, citations


def test_seed_citations_repair_to_the_documents_hyperlinks() -> None:
    hyperlinks, citations = _seed()
    assert len(hyperlinks) >= 10 and len(citations) >= 10
    produced: set[str] = set()
    failures = []
    for citation in citations:
        n = normalize(citation)
        expected = UNLISTED.get(citation)
        ok = n.url == expected if expected else n.url in hyperlinks
        if not ok:
            failures.append((citation, n.url, n.error))
        produced.add(n.url or "")
    report(
        f"\nseed: {len(citations) - len(failures)}/{len(citations)} citations repaired as listed"
    )
    assert not failures
    # ... and every address of the lists is reached by some citation.
    assert hyperlinks <= produced


def test_seed_hyperlinks_are_already_normal() -> None:
    hyperlinks, _ = _seed()
    for url in hyperlinks:
        n = normalize(url)
        assert (n.url, n.repairs, n.kind) == (url, (), UrlKind.WEB)


def test_seed_split_idn_host() -> None:
    n = normalize("www.персональные данные.дети ")
    assert n.url == "http://www.xn--80aalcbc2bocdadlpp9nfk.xn--d1acj3b/"
    assert n.display == "http://www.персональныеданные.дети/"
    assert [r.rule for r in n.repairs][:2] == ["host-space-joined", "scheme-added"]
    assert "данные.дети" in n.repairs[0].detail  # the other reading is named
    assert n.confidence == "guess"
