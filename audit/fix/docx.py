"""DOCX: hyperlink relationships and addresses written in runs, edited in place (python-docx).

A changed hyperlink gets a relationship of its own (another link may share the
old one); runs keep their properties, only their text changes; every other part
of the package is written back as it was read.  `line` is the paragraph number,
as `audit extract` counts them.
"""

from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Callable
from typing import Any

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.hyperlink import Hyperlink
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from audit import urls
from audit.errors import DocumentError
from audit.extract.docx import paragraphs
from audit.extract.scan import scan
from audit.fix.model import Action, Decision, Style
from audit.fix.sites import _is_domain, shown

Decide = Callable[[str], Decision]
Applied = set[tuple[str | None, int]]


def fix_docx(data: bytes, path: str, decide: Decide, style: Style) -> tuple[bytes, Applied]:
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise DocumentError(f"unreadable DOCX: {e}", path=path) from e
    applied: Applied = set()
    # `audit extract` numbers a hyperlink by its paragraph, a written address by its
    # line in the paragraphs' text joined by newlines (a <w:br/> starts a line too)
    text_line = 1
    for number, paragraph in enumerate(paragraphs(document), start=1):
        segment: list[Run] = []
        line = text_line
        breaks = paragraph.text.count("\n")
        for item in list(paragraph.iter_inner_content()):
            if isinstance(item, Run):
                segment.append(item)
                continue
            line = _written(segment, line, decide, style, applied)
            segment = []
            if item.address:
                # a link showing its own address is listed at its text line, others at
                # the paragraph's number: record both
                at = (number, line)
                _hyperlink(paragraph, item, lines=at, decide=decide, style=style, applied=applied)
            line += item.text.count("\n")
        _written(segment, line, decide, style, applied)
        text_line += breaks + 1
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), applied


def _hyperlink(
    paragraph: Paragraph,
    link: Hyperlink,
    *,
    lines: tuple[int, int],
    decide: Decide,
    style: Style,
    applied: Applied,
) -> None:
    d = decide(link.address)
    if not d.changes or d.url is None:
        return
    key = urls.normalize_cached(link.address).key
    element: Any = link._hyperlink
    if d.action is Action.ARCHIVE and style is Style.APPEND:
        rid = paragraph.part.relate_to(d.url, RT.HYPERLINK, is_external=True)
        looks = link.runs[0]._r.rPr if link.runs else None
        note = _new_link(rid, "archived", looks)
        element.addnext(note)
        note.addprevious(_new_run(" ("))
        note.addnext(_new_run(f" from the original on {d.archived_on or '?'})"))
    else:
        rid = paragraph.part.relate_to(d.url, RT.HYPERLINK, is_external=True)
        element.set(qn("r:id"), rid)
        if link.runs and urls.normalize_cached(link.text.strip()).key == key:
            link.runs[0].text = shown(d.url)
            for run in link.runs[1:]:
                run.text = ""
    applied.update((key, line) for line in lines)


def _written(segment: list[Run], line: int, decide: Decide, style: Style, applied: Applied) -> int:
    """Addresses written in consecutive runs: the first run of a span takes the new text.

    Returns the text line after the segment."""
    if not segment:
        return line
    texts = [r.text for r in segment]
    starts = [0]
    for t in texts:
        starts.append(starts[-1] + len(t))
    joined = "".join(texts)
    changes: list[tuple[int, int, str]] = []
    for span in scan(joined, _is_domain):
        d = decide(span.candidate)
        if not d.changes or d.url is None:
            continue
        if d.action is Action.ARCHIVE and style is Style.APPEND:
            note = f" (archived at {d.url} from the original on {d.archived_on or '?'})"
            changes.append((span.end, span.end, note))
        else:
            changes.append((span.start, span.end, shown(d.url)))
        at = line + joined.count("\n", 0, span.start)
        applied.add((urls.normalize_cached(span.candidate).key, at))
    n = len(segment)
    for a, b, new in reversed(changes):  # back to front: earlier offsets stay valid
        if a == b:  # a note: after the run that holds the address's last character
            i = next(k for k in range(n) if starts[k] < a <= starts[k + 1])
            cut = a - starts[i]
            texts[i] = texts[i][:cut] + new + texts[i][cut:]
            continue
        i = next(k for k in range(n) if starts[k] <= a < starts[k + 1])
        j = next(k for k in range(n) if starts[k] < b <= starts[k + 1])
        if i == j:
            texts[i] = texts[i][: a - starts[i]] + new + texts[i][b - starts[i] :]
            continue
        texts[i] = texts[i][: a - starts[i]] + new
        for k in range(i + 1, j):
            texts[k] = ""
        texts[j] = texts[j][b - starts[j] :]
    for run, before, after in zip(segment, [r.text for r in segment], texts, strict=True):
        if before != after:
            run.text = after
    return line + joined.count("\n")


def _new_run(text: str, looks: Any = None) -> Any:
    r = OxmlElement("w:r")
    if looks is not None:
        r.append(copy.deepcopy(looks))
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    return r


def _new_link(rid: str, text: str, looks: Any) -> Any:
    h = OxmlElement("w:hyperlink")
    h.set(qn("r:id"), rid)
    h.append(_new_run(text, looks))
    return h
