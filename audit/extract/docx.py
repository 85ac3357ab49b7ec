"""DOCX: hyperlink relationships and the text of every paragraph (python-docx).

A location's `line` is the paragraph number (1-based, body and table cells in
document order): Word has no stable lines or pages in the file.

A .docx is a zip of XML parts that python-docx inflates and parses whole, so
each part is vetted first (`_vet`): its inflated size is bounded (zipfile never
yields more than a member's declared size, so the declared sizes bound memory)
and a DTD is refused (OOXML has none; a DTD is how an entity bomb starts).
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from audit.errors import DocumentError
from audit.extract.text import TextDoc, hyperlink, merge, scan_citations
from audit.models import Citation, Location

log = logging.getLogger(__name__)

# A 1,000-page Word document has a document.xml of ~20 MB; lxml's tree costs a few times that.
MAX_PART = 32 * 1024 * 1024
MAX_TOTAL = 96 * 1024 * 1024
_PROLOG = 64 * 1024  # a DTD must come before the root element: look at the start only
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _vet(path: Path, source: str) -> None:
    """Refuse a zip bomb or an XML part with a DTD before python-docx reads it."""
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
            total = 0
            for info in members:
                total += info.file_size
                if info.file_size > MAX_PART or total > MAX_TOTAL:
                    raise DocumentError(
                        f"{info.filename} inflates to {info.file_size / 2**20:.0f} MiB "
                        f"(limit {MAX_PART // 2**20} MiB a part, {MAX_TOTAL // 2**20} MiB "
                        "in all): a zip bomb?",
                        path=source,
                    )
            for info in members:
                if info.filename.endswith((".xml", ".rels")):
                    with z.open(info) as f:
                        if _DTD.search(f.read(_PROLOG)):
                            raise DocumentError(
                                f"{info.filename} declares a DTD or entities, which Word "
                                "never writes (an entity bomb?)",
                                path=source,
                            )
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DocumentError(f"damaged zip container: {e}", path=source) from e


def _read(path: Path, source: str) -> tuple[list[str], list[list[tuple[str, str]]]]:
    """The text of every paragraph, and its hyperlinks (target, visible text)."""
    _vet(path, source)
    try:
        document = docx.Document(str(path))
        found = list(paragraphs(document))
        texts = [p.text for p in found]
        targets = [[(h.url, h.text) for h in p.hyperlinks] for p in found]
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        etree.LxmlError,
        EOFError,
    ) as e:
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


def paragraphs(container: Any) -> Iterator[Paragraph]:
    """Paragraphs of the body and of table cells (nested too), in document order."""
    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            yield item
        elif isinstance(item, Table):
            for row in item.rows:
                for cell in row.cells:
                    yield from paragraphs(cell)
