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
    # Indexes built once a page: a page with 10,000 links must not cost 10,000 scans of it.
    spots: dict[int, _Spots] = {}
    lines: dict[int, _Lines] = {}
    for link in pdf.links:
        p = link.page - 1
        if p not in spots:
            spots[p], lines[p] = _Spots(fragments[p]), _Lines(pages[p])
        anchor = spots[p].anchor_text(link.rect)
        line = lines[p].line_of(anchor)
        index = first_lines[p] + line - 1 if line else None
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


class _Spots:
    """The text pieces of a page, bucketed by height and sorted by x within a
    bucket, so that the pieces under a link rectangle are found by bisection."""

    _BAND = 8.0  # points: about a line

    def __init__(self, frags: list[_Fragment]) -> None:
        bands: dict[int, list[_Fragment]] = {}
        for f in frags:
            bands.setdefault(int(f.y // self._BAND), []).append(f)
        self._bands: dict[int, tuple[list[float], list[_Fragment], float]] = {}
        for key, members in bands.items():
            members.sort(key=lambda f: f.x)
            widest = max(f.width for f in members)
            self._bands[key] = ([f.x for f in members], members, widest)
        self._order = {id(f): i for i, f in enumerate(frags)}

    def anchor_text(self, rect: tuple[float, float, float, float]) -> str:
        x1, y1, x2, y2 = rect
        # The text shown where the link is: a string drawn whole may be wider than its link.
        lo, hi = y1 - 2, y2 + 2
        inside: list[_Fragment] = []
        for key in range(int(lo // self._BAND), int(hi // self._BAND) + 1):
            band = self._bands.get(key)
            if band is None:
                continue
            xs, members, widest = band
            first = bisect.bisect_left(xs, x1 - widest)
            last = bisect.bisect_right(xs, x2)
            inside.extend(f for f in members[first:last] if lo <= f.y <= hi and f.x + f.width >= x1)
        inside.sort(key=lambda f: self._order[id(f)])  # in the order the page draws them
        return collapse(" ".join(f.text for f in inside))


class _Lines:
    """The collapsed lines of a page text, searched as one string."""

    def __init__(self, page_text: str) -> None:
        collapsed = [collapse(line) for line in page_text.split("\n")]
        self._text = "\n".join(collapsed)
        self._starts = [0]
        for line in collapsed[:-1]:
            self._starts.append(self._starts[-1] + len(line) + 1)

    def line_of(self, anchor: str) -> int | None:
        """The 1-based line that shows `anchor` (collapsed, it holds no line break)."""
        if not anchor:
            return None
        at = self._text.find(anchor)
        return None if at < 0 else bisect.bisect_right(self._starts, at)
