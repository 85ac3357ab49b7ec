"""extract step: find the resources a document cites, with where and how it cites them.

extract_file(path)            -> [Citation]       any supported document
extract_text(text, source)    -> [Citation]       plain text (PDF-extracted text too)
extract_names(text, source)   -> [NamedCandidate] organisations named without an address
extract_file_names(path)      -> [NamedCandidate] the same, for any supported document
group_citations(citations)    -> [CitedResource]  one per dedup key, occurrences kept
citation_to_json(citation)    -> dict             DESIGN.md `audit extract --format json`
"""

from __future__ import annotations

from pathlib import Path

from audit.extract.detect import DocType, detect, read_text
from audit.extract.docx import docx_text, extract_docx
from audit.extract.grouping import CitedResource, group_citations
from audit.extract.html import extract_html, visible_text
from audit.extract.markdown import extract_markdown
from audit.extract.names import NamedCandidate, extract_names
from audit.extract.pdf import extract_pdf, pdf_pages
from audit.extract.serialize import citation_to_json
from audit.extract.text import extract_text
from audit.models import Citation

__all__ = [
    "CitedResource",
    "DocType",
    "NamedCandidate",
    "citation_to_json",
    "extract_file",
    "extract_file_names",
    "extract_names",
    "extract_text",
    "group_citations",
]


def extract_file(path: str | Path) -> list[Citation]:
    """Citations of one document, its type detected by content and extension.

    Raises `audit.errors.DocumentError` (naming the file) for binary, encrypted
    or unreadable input.
    """
    path = Path(path)
    kind = detect(path)
    source = str(path)
    if kind is DocType.PDF:
        return extract_pdf(path, source)
    if kind is DocType.DOCX:
        return extract_docx(path, source)
    text = read_text(path)
    if kind is DocType.HTML:
        return extract_html(text, source)
    if kind is DocType.MARKDOWN:
        return extract_markdown(text, source)
    return extract_text(text, source)


def extract_file_names(path: Path) -> list[NamedCandidate]:
    """`extract_names` on the text of any supported document (PDF: page by page)."""
    kind = detect(path)
    source = str(path)
    if kind is DocType.PDF:
        found: list[NamedCandidate] = []
        seen: set[str] = set()
        for number, page in enumerate(pdf_pages(path, source), start=1):
            for named in extract_names(page, source, page=number):
                if named.name.casefold() not in seen:
                    seen.add(named.name.casefold())
                    found.append(named)
        return found
    if kind is DocType.DOCX:
        return extract_names(docx_text(path, source), source)
    text = read_text(path)
    if kind is DocType.HTML:
        text = visible_text(text, source)
    return extract_names(text, source)
