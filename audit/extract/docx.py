"""DOCX: hyperlink relationships and the text of every paragraph (python-docx).

A location's `line` is the paragraph number (1-based, body and table cells in
document order): Word has no stable lines or pages in the file.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from audit.errors import DocumentError
from audit.extract.text import TextDoc, hyperlink, merge, scan_citations
from audit.models import Citation, Location

log = logging.getLogger(__name__)


def _read(path: Path, source: str) -> tuple[list[str], list[list[tuple[str, str]]]]:
    """The text of every paragraph, and its hyperlinks (target, visible text)."""
    try:
        document = docx.Document(str(path))
        paragraphs = list(_paragraphs(document))
        texts = [p.text for p in paragraphs]
        targets = [[(h.url, h.text) for h in p.hyperlinks] for p in paragraphs]
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise DocumentError(f"unreadable DOCX: {e}", path=source) from e
    return texts, targets


def docx_text(path: Path, source: str) -> str:
    """The paragraphs, one a line."""
    return "\n".join(_read(path, source)[0])


def extract_docx(path: Path, source: str) -> list[Citation]:
    texts, targets = _read(path, source)
    doc = TextDoc("\n".join(texts))
    written = list(scan_citations(doc, source, lambda i: Location(None, i + 1)))
    links: list[Citation] = []
    for index, hyperlinks in enumerate(targets):
        for url, anchor in hyperlinks:
            if not url or url.startswith("#"):
                continue  # a bookmark inside the document
            c = hyperlink(url, anchor, source, Location(None, index + 1), doc=doc, index=index)
            if c is not None:
                links.append(c)
    return merge(links, written)


def _paragraphs(container: Any) -> Iterator[Paragraph]:
    """Paragraphs of the body and of table cells (nested too), in document order."""
    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            yield item
        elif isinstance(item, Table):
            for row in item.rows:
                for cell in row.cells:
                    yield from _paragraphs(cell)
