"""Any document made of awkward pieces: fixing never fails, and an appended note is the
only thing that changes (remove the notes and the original comes back, byte for byte)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.extract import extract_file
from audit.fix.document import fix_document
from audit.fix.model import Style
from audit.fix.plan import knowledge
from audit.fix.sites import HTML, MARKDOWN, TEXT
from audit.models import Resource, ResourceStatus, Snapshot, Verdict

ARCHIVE = "https://web.archive.org/web/20190101000000/"
PIECES = [
    "http://a.ru/x", "[t](http://b.ru/)", "`http://c.ru/`", "\n", "\n\n", " ", "```\n",
    "<a href='http://d.ru/'>x</a>", "&amp;", "(", ")", "www.e.ru", "\n[r]: http://f.ru/\n",
    "# ", "* ", "> ", "    ", "http: www.g.ru", "<p>", "</p>", "<!-- http://h.ru -->",
    "Пенза ", "\r\n", "\t", "[http://i.ru/](http://i.ru/)", "<http://j.ru/>",
    "<pre>", "</pre>", "<script>", "</script>", "&laquo;", "<base href='http://k.ru/'>",
    "\n[x]: <http://l.ru/>\n", "![img](http://m.ru/i.png)", "<a href=http://n.ru/>", "</a>",
]  # fmt: skip


def _dead(citations: list[object]) -> list[ResourceStatus]:
    out, seen = [], set()
    for c in citations:
        n = getattr(c, "normalized", None)
        if n and n.url and n.key not in seen:
            seen.add(n.key)
            snap = Snapshot("wayback", ARCHIVE + n.url, "20190101000000", 200, True)
            r = Resource(f"r{len(seen)}", "x", n.url)
            out.append(ResourceStatus(resource=r, verdict=Verdict.DEAD, replacement=snap))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25), st.sampled_from([".md", ".txt", ".html"]))
def test_append_changes_nothing_but_the_notes(pieces: list[str], suffix: str) -> None:
    text = "".join(pieces)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"doc{suffix}"
        path.write_bytes(text.encode("utf-8"))
        citations = extract_file(path)
        k = knowledge(_dead(list(citations)))
        appended = fix_document(path, k, Style.APPEND, citations=citations)
        replaced = fix_document(path, k, Style.REPLACE, citations=citations)
    assert appended.content is not None and replaced.content is not None
    fixed = appended.content.decode("utf-8")
    notes = 0
    for s in k.by_key.values():
        assert s.replacement is not None
        url = s.replacement.url
        for note in (syntax.note(url, "2019-01-01") for syntax in (MARKDOWN, HTML, TEXT)):
            notes += fixed.count(note)
            fixed = fixed.replace(note, "")
    assert fixed == text
    # rows and places need not pair up one to one (extract lists a link and its address
    # written as text once or twice), but a note is there exactly when a row says applied
    applied = sum(r.applied for r in appended.rows)
    assert (notes == 0) == (applied == 0)
