"""Real third-party documents (read from ../shared at test time): every link the registry
knows is found and changed, and the copies still parse with the same structure."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from audit import urls
from audit.extract import extract_file
from audit.fix.document import decode_exact, fix_document
from audit.fix.html import html_sites
from audit.fix.model import Style
from audit.fix.plan import knowledge
from audit.models import Citation, Resource, ResourceStatus, Snapshot, Verdict

DOCS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "realdocs" / "docs"
ARCHIVE = "https://web.archive.org/web/20190101000000/"
REAL = sorted(p for p in DOCS.rglob("*") if p.suffix.lower() in (".html", ".docx"))


def all_dead(citations: list[Citation]) -> tuple[list[ResourceStatus], set[str]]:
    """Every address the document cites, dead with a verified archive copy."""
    statuses, keys = [], set()
    for i, c in enumerate(citations):
        n = c.normalized
        if n and n.url and n.key and n.key not in keys:
            keys.add(n.key)
            snap = Snapshot("wayback", ARCHIVE + n.url, "20190101000000", 200, True)
            r = Resource(f"r{i}", "x", n.url)
            statuses.append(ResourceStatus(resource=r, verdict=Verdict.DEAD, replacement=snap))
    return statuses, keys


@pytest.mark.skipif(not REAL, reason="the realdocs corpus is not next to the project")
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_every_known_link_changes_and_the_copy_parses(path: Path) -> None:
    citations = extract_file(path)
    statuses, keys = all_dead(citations)
    fixed = fix_document(path, knowledge(statuses), Style.REPLACE, citations=citations)
    assert fixed.content is not None
    changed = [r for r in fixed.rows if r.decision.changes]
    assert len(changed) == len(fixed.rows)
    # only an address written inside another link's label is not edited
    assert sum(r.applied for r in changed) >= 0.99 * len(changed) - 2

    def known(address: str) -> bool:
        return urls.normalize_cached(address).key in keys

    if path.suffix.lower() == ".html":
        before = html_sites(decode_exact(path.read_bytes(), "")[0], "")
        after = html_sites(decode_exact(fixed.content, "")[0], "")
        links_before = [s for s in before if s.target]
        links_after = [s for s in after if s.target]
        assert len(links_after) == len(links_before)
        assert sum(s.address.startswith(ARCHIVE) for s in links_after) == sum(
            known(s.address) for s in links_before
        )
    else:
        old = docx.Document(str(path))
        new = docx.Document(io.BytesIO(fixed.content))
        old_links = [h.address for p in old.paragraphs for h in p.hyperlinks]
        new_links = [h.address for p in new.paragraphs for h in p.hyperlinks]
        assert len(new_links) == len(old_links)
        assert sum(a.startswith(ARCHIVE) for a in new_links) == sum(
            bool(a) and known(a) for a in old_links
        )
        assert [p.style.name for p in new.paragraphs] == [p.style.name for p in old.paragraphs]
