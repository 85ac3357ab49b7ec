"""One document in, its corrected copy (bytes) and correction sheet rows out.

Nothing is written here: the caller writes every output only once every
document has been read and corrected, so bad input leaves nothing half-done.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audit import urls
from audit.errors import DocumentError
from audit.extract import extract_file
from audit.extract.detect import DocType, detect
from audit.fix.docx import fix_docx
from audit.fix.html import html_sites
from audit.fix.markdown import markdown_sites
from audit.fix.model import Decision, Row, Style
from audit.fix.plan import Knowledge, decide
from audit.fix.sites import HTML, MARKDOWN, TEXT, Site, Syntax, apply, edits, text_sites
from audit.models import Citation

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class Fixed:
    path: Path
    kind: DocType
    rows: tuple[Row, ...]
    content: bytes | None  # the corrected copy; None for a PDF (sheet only)
    edited: bool = False  # the copy differs from the document

    @property
    def changed(self) -> int:
        return sum(1 for r in self.rows if r.applied)


def fix_document(
    path: Path,
    k: Knowledge,
    style: Style,
    accept_suggestions: bool = False,
    citations: Sequence[Citation] | None = None,
) -> Fixed:
    """Raises DocumentError (naming the file) for unreadable or unsupported input.

    `citations` are the document's own (`extract_file`), when already extracted.
    """
    kind = detect(path)
    if citations is None:
        citations = extract_file(path)

    @functools.cache
    def decide_for(address: str) -> Decision:
        return decide(urls.normalize_cached(address), k, accept_suggestions)

    content: bytes | None = None
    applied: set[tuple[str | None, int]] = set()
    edited = False
    if kind is not DocType.PDF:
        data = _read(path)
        if kind is DocType.DOCX:
            content, applied = fix_docx(data, str(path), decide_for, style)
        else:
            content, applied = _fix_text(data, str(path), kind, decide_for, style)
        edited = bool(applied)  # (a DOCX is written anew even when nothing changed)
    rows = []
    for c in citations:
        n = c.normalized
        d = decide(n, k, accept_suggestions)
        key = n.key if n else None
        done = d.changes and (key, c.location.line or 0) in applied
        rows.append(Row(str(path), c.location, c.section, c.raw, d, bool(done)))
    return Fixed(path, kind, tuple(rows), content, edited)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise DocumentError(f"cannot read: {e.strerror or e}", path=str(path)) from e


def _fix_text(
    data: bytes,
    path: str,
    kind: DocType,
    decide_for: Callable[[str], Decision],
    style: Style,
) -> tuple[bytes, set[tuple[str | None, int]]]:
    text, encoding = decode_exact(data, path)
    sites: list[Site]
    syntax: Syntax
    if kind is DocType.HTML:
        sites, syntax = html_sites(text, path), HTML
    elif kind is DocType.MARKDOWN:
        sites, syntax = markdown_sites(text), MARKDOWN
    else:
        sites, syntax = list(text_sites(text)), TEXT
    changes = []
    applied: set[tuple[str | None, int]] = set()
    for site in sites:
        found = edits(site, decide_for(site.address), style, syntax)
        if found:
            changes += found
            applied.add((urls.normalize_cached(site.address).key, site.line))
    if not changes:
        return data, applied
    try:
        return apply(text, changes).encode(encoding), applied
    except UnicodeEncodeError as e:
        raise DocumentError(f"the corrected text cannot be written as {encoding}", path=path) from e


def decode_exact(data: bytes, path: str) -> tuple[str, str]:
    """The text and the encoding that gives back exactly these bytes."""
    tries = [enc for bom, enc in _BOMS if data.startswith(bom)] or ["utf-8", "cp1251"]
    for encoding in tries:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.encode(encoding) == data:
            return text, encoding
    raise DocumentError("cannot decode the text without loss", path=path)
