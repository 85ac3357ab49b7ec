"""What kind of document a file is, by its content first and its extension second."""

from __future__ import annotations

import codecs
import zipfile
from enum import StrEnum
from pathlib import Path

from audit.errors import DocumentError

_SNIFF = 8192
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
_MAX_CONTROLS = 0.3
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc, and password-protected .docx


class DocType(StrEnum):
    TEXT = "text"
    PDF = "pdf"
    HTML = "html"
    MARKDOWN = "markdown"
    DOCX = "docx"


def detect(path: Path) -> DocType:
    """The document type of `path`; DocumentError if it is none we read."""
    try:
        with path.open("rb") as f:
            head = f.read(_SNIFF)
    except OSError as e:
        raise DocumentError(f"cannot read: {e.strerror or e}", path=str(path)) from e
    if b"%PDF-" in head[:1024]:
        return DocType.PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(path)
    if head.startswith(_OLE):
        raise DocumentError(
            "legacy Word (.doc) or encrypted Office file: save it as .docx", path=str(path)
        )
    if looks_binary(head) and not _utf8_text(head):
        raise DocumentError("binary file, not a document", path=str(path))
    suffix = path.suffix.lower()
    if suffix in _HTML_SUFFIXES:
        return DocType.HTML
    if suffix in _MARKDOWN_SUFFIXES:
        return DocType.MARKDOWN
    lowered = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if lowered.startswith(_HTML_MARKERS) or (lowered.startswith(b"<?xml") and b"<html" in lowered):
        return DocType.HTML
    return DocType.TEXT


def _zip_type(path: Path) -> DocType:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError) as e:
        raise DocumentError(f"damaged zip container: {e}", path=str(path)) from e
    if "word/document.xml" in names:
        return DocType.DOCX
    raise DocumentError("zip archive that is not a .docx document", path=str(path))


def looks_binary(data: bytes) -> bool:
    """NUL bytes (outside UTF-16) or many control characters."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in data:
        return True
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    return bool(data) and controls / len(data) > 0.05


def _utf8_text(head: bytes) -> bool:
    """Valid UTF-8 with mostly printable characters: text, even with some NULs or
    control characters (pdftotext writes them for the glyphs of a broken font)."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not just a character cut by the sniff window
            return False
        text = head[: e.start].decode("utf-8")
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\f\r")
    return bool(text) and controls / len(text) <= _MAX_CONTROLS


def read_text(path: Path) -> str:
    """Decode a text document: BOM, then UTF-8, then Windows-1251 (Russian legacy text)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(f"cannot read: {e.strerror or e}", path=str(path)) from e
    return decode(data, str(path))


def decode(data: bytes, source: str) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as e:
                raise DocumentError(f"undecodable {encoding} text: {e.reason}", path=source) from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if looks_binary(data[:_SNIFF]):
            raise DocumentError("binary file, not a document", path=source) from None
        return data.decode("cp1251", errors="replace")
