"""PDF: the text of every page (pypdf) and the targets of its link annotations.

Pages are scanned as one text so that a question heading on one page still
names the section of an address on the next; locations are (page, line on page).
A link annotation is placed on the line that shows its anchor text.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject

from audit.errors import DocumentError
from audit.extract.sections import collapse
from audit.extract.text import TextDoc, hyperlink, merge, scan_citations
from audit.models import Citation, Location

log = logging.getLogger(__name__)

# What a broken or hostile PDF makes pypdf raise; all mean "cannot read this document".
_PDF_FAILURES = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError)


@dataclass(frozen=True, slots=True)
class _Fragment:
    x: float
    y: float
    width: float  # estimated: pypdf reports where a string starts, not its advance
    text: str


@dataclass(frozen=True, slots=True)
class _Link:
    page: int
    uri: str
    rect: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class _Pdf:
    pages: list[str]  # text of each page
    fragments: list[list[_Fragment]]  # positioned text pieces of each page
    links: list[_Link]


def pdf_pages(path: Path, source: str) -> list[str]:
    """The text of each page."""
    return _read(path, source).pages


def _read(path: Path, source: str) -> _Pdf:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise DocumentError("encrypted PDF (a password is needed)", path=source)
        pages: list[str] = []
        fragments: list[list[_Fragment]] = []
        links: list[_Link] = []
        for number, page in enumerate(reader.pages, start=1):
            frags: list[_Fragment] = []
            pages.append(page.extract_text(visitor_text=_visitor(frags)))
            fragments.append(frags)
            links.extend(_page_links(page.get("/Annots"), number))
    except DocumentError:
        raise
    except _PDF_FAILURES as e:
        raise DocumentError(f"unreadable PDF: {e}", path=source) from e
    return _Pdf(pages, fragments, links)


def extract_pdf(path: Path, source: str) -> list[Citation]:
    pdf = _read(path, source)
    pages, fragments = pdf.pages, pdf.fragments
    first_lines = [0]
    for text in pages[:-1]:
        first_lines.append(first_lines[-1] + text.count("\n") + 1)
    doc = TextDoc("\n".join(pages))

    def locate(index: int) -> Location:
        p = bisect.bisect_right(first_lines, index) - 1
        return Location(page=p + 1, line=index - first_lines[p] + 1)

    written = list(scan_citations(doc, source, locate))
    cited: list[Citation] = []
    for link in pdf.links:
        anchor = _anchor_text(fragments[link.page - 1], link.rect)
        line = _line_of(pages[link.page - 1], anchor)
        index = first_lines[link.page - 1] + line - 1 if line else None
        c = hyperlink(link.uri, anchor, source, Location(link.page, line), doc=doc, index=index)
        if c is not None:
            cited.append(c)
    return merge(cited, written)


def _visitor(frags: list[_Fragment]) -> Callable[[str, Any, Any, Any, Any], None]:
    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = abs(tm[0] * cm[0]) or 1.0
            frags.append(_Fragment(x, y, len(text) * size * scale * 0.6, text))

    return visit


def _page_links(annots: object, page: int) -> list[_Link]:
    out: list[_Link] = []
    if annots is None:
        return out
    annots = getattr(annots, "get_object", lambda: annots)()
    if not isinstance(annots, ArrayObject):
        return out
    for ref in annots:
        annot = ref.get_object()
        if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") != "/Link":
            continue
        action = annot.get("/A")
        action = action.get_object() if action is not None else None
        if not isinstance(action, DictionaryObject) or action.get("/S") != "/URI":
            continue
        uri = action.get("/URI")
        rect = [float(v) for v in annot.get("/Rect", [0, 0, 0, 0])]
        if uri and len(rect) == 4:
            x1, y1, x2, y2 = rect
            out.append(_Link(page, str(uri), (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))))
    return out


def _anchor_text(frags: list[_Fragment], rect: tuple[float, float, float, float]) -> str:
    x1, y1, x2, y2 = rect
    # The text shown where the link is: a string drawn whole may be wider than its link.
    inside = [
        f.text for f in frags if y1 - 2 <= f.y <= y2 + 2 and f.x <= x2 and f.x + f.width >= x1
    ]
    return collapse(" ".join(inside))


def _line_of(page_text: str, anchor: str) -> int | None:
    """The 1-based line of the page text that shows `anchor`."""
    if not anchor:
        return None
    for i, line in enumerate(page_text.split("\n"), start=1):
        if anchor in collapse(line):
            return i
    return None
