"""Documents the tests generate (never hand-edited binaries): PDF, DOCX, HTML, Markdown,
each with hyperlinks whose visible text differs from the target."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from audit.errors import DocumentError
from audit.extract import DocType, extract_file, extract_file_names
from audit.extract.detect import detect
from audit.models import Citation


def _by_url(citations: list[Citation]) -> dict[str, Citation]:
    out: dict[str, Citation] = {}
    for c in citations:
        assert c.normalized is not None and c.normalized.url is not None
        out.setdefault(c.normalized.url, c)
    return out


# ---------------------------------------------------------------- PDF


def _make_pdf(path: Path) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 11)
    lines = [
        "Question 1  Awareness-raising",
        "Reply to par.1.3.",
        "Regional materials: see www.podrostok.edu.yar.ru for details.",
        "Department of Education of the Voronezh Region",
    ]
    for i, line in enumerate(lines):
        pdf.drawString(72, 780 - 20 * i, line)
    width = pdf.stringWidth(lines[3], "Helvetica", 11)
    pdf.linkURL("http://36edu.ru/", (72, 780 - 60 - 3, 72 + width, 780 - 60 + 11), relative=0)
    pdf.showPage()
    pdf.setFont("Helvetica", 11)
    pdf.drawString(72, 780, "Question 2  Civil society")
    pdf.drawString(72, 760, "Reply to par.2.1.")
    pdf.drawString(72, 740, "The Sisters centre helps survivors.")
    pdf.drawString(72, 720, "Read about the centre here")
    width = pdf.stringWidth("here", "Helvetica", 11)
    x = 72 + pdf.stringWidth("Read about the centre ", "Helvetica", 11)
    pdf.linkURL("http://sisters-help.ru/about.html", (x, 717, x + width, 731), relative=0)
    pdf.showPage()
    pdf.save()


def test_pdf_page_text_and_link_annotations(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    _make_pdf(path)
    assert detect(path) is DocType.PDF
    found = _by_url(extract_file(path))
    assert set(found) == {
        "http://www.podrostok.edu.yar.ru/",
        "http://36edu.ru/",
        "http://sisters-help.ru/about.html",
    }
    written = found["http://www.podrostok.edu.yar.ru/"]
    assert (written.location.page, written.location.line) == (1, 3)
    assert written.section == "Question 1 / Reply to par.1.3"
    link = found["http://36edu.ru/"]
    assert (link.location.page, link.location.line) == (1, 4)
    assert link.context == "Department of Education of the Voronezh Region"
    assert link.section == "Question 1 / Reply to par.1.3"
    assert link.raw == "http://36edu.ru/"
    second = found["http://sisters-help.ru/about.html"]
    assert (second.location.page, second.location.line) == (2, 4)
    assert second.section == "Question 2 / Reply to par.2.1"
    # the link covers part of a string drawn whole: the context is the text shown there
    assert second.context == "Read about the centre here"


def test_pdf_source_is_the_path(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    _make_pdf(path)
    assert {c.source for c in extract_file(path)} == {str(path)}


def test_encrypted_pdf_is_a_document_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain.pdf"
    _make_pdf(plain)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as f:
        writer.write(f)
    with pytest.raises(DocumentError, match=r"locked\.pdf.*encrypted"):
        extract_file(locked)


def test_broken_pdf_is_a_document_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj <</Type /Catalog>> garbage\n")
    with pytest.raises(DocumentError, match=r"broken\.pdf"):
        extract_file(path)


# ---------------------------------------------------------------- DOCX


def _add_hyperlink(paragraph: object, url: str, text: str) -> None:
    part = paragraph.part  # type: ignore[attr-defined]
    r_id = part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)  # type: ignore[attr-defined]


def test_docx_hyperlink_relationships_and_text(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Question 2.  Civil society involvement")
    document.add_paragraph("Reply to par.2.2")
    p = document.add_paragraph("Project of the partnership: ")
    _add_hyperlink(p, "http://www.pedofilov.net/about-us/", "Safe childhood")
    document.add_paragraph("Written address: http://sisters-help.ru/about.html")
    table = document.add_table(rows=1, cols=1)
    cell = table.rows[0].cells[0].paragraphs[0]
    _add_hyperlink(cell, "https://shelter-tranzit.ru/", "Transit shelter")
    path = tmp_path / "reply.docx"
    document.save(str(path))

    assert detect(path) is DocType.DOCX
    found = _by_url(extract_file(path))
    assert set(found) == {
        "http://www.pedofilov.net/about-us/",
        "http://sisters-help.ru/about.html",
        "https://shelter-tranzit.ru/",
    }
    link = found["http://www.pedofilov.net/about-us/"]
    assert link.context == "Safe childhood"
    assert link.location.line == 3  # paragraph number
    assert link.section == "Question 2 / Reply to par.2.2"
    assert found["http://sisters-help.ru/about.html"].location.line == 4
    assert found["https://shelter-tranzit.ru/"].context == "Transit shelter"
    assert found["https://shelter-tranzit.ru/"].location.line == 5


def test_zip_that_is_not_docx_is_a_document_error(tmp_path: Path) -> None:
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(DocumentError, match=r"archive\.docx"):
        extract_file(path)


def test_legacy_word_file_is_a_document_error(tmp_path: Path) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(DocumentError, match=r"old\.doc"):
        extract_file(path)


# ---------------------------------------------------------------- HTML and Markdown

HTML = """<!DOCTYPE html>
<html><head><title>www.title-not-cited.ru</title>
<script>var u = "http://script-not-cited.ru/";</script></head>
<body>
<h2>Question 1</h2>
<p>Reply to par.1.3.</p>
<p>The <a href="http://36edu.ru/">Department of Education</a> of the region,
and the site www.stoppav.ru/about
of the centre; <a href="/local/page.html">a local page</a>,
<a href="#top">top</a>, <a href="mailto:info@edu-penzaa.ru">write to us</a>,
and <a href="http://voronezh.sledcom.ru/">http://voronezh.sledcom.ru/</a>.</p>
</body></html>
"""


def test_html_link_targets_and_visible_text(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    assert detect(path) is DocType.HTML
    citations = extract_file(path)
    found = _by_url(citations)
    assert set(found) == {
        "http://36edu.ru/",
        "http://www.stoppav.ru/about",
        "mailto:info@edu-penzaa.ru",
        "http://voronezh.sledcom.ru/",
    }
    assert found["http://36edu.ru/"].context == "Department of Education"
    assert found["http://36edu.ru/"].location.line == 7
    assert found["http://36edu.ru/"].section == "Question 1 / Reply to par.1.3"
    assert found["http://www.stoppav.ru/about"].location.line == 8
    assert found["mailto:info@edu-penzaa.ru"].context == "write to us"
    # a link whose text is its own address is one occurrence, not two
    assert [c.location.line for c in citations].count(11) == 1


def test_html_relative_links_resolve_against_base(tmp_path: Path) -> None:
    path = tmp_path / "based.htm"
    path.write_text(
        '<html><head><base href="https://edu.yar.ru/docs/"></head>'
        '<body><a href="plan.pdf">Plan</a></body></html>',
        encoding="utf-8",
    )
    (c,) = extract_file(path)
    assert c.normalized is not None and c.normalized.url == "https://edu.yar.ru/docs/plan.pdf"
    assert c.context == "Plan"


MARKDOWN = """# Question 3

Reply to par.3.

See [Children on-line](http://detionline.com/mts/about) and
<https://shelter-tranzit.ru/> or the portal www.podrostok.edu.yar.ru.
A [relative](docs/x.md) link.
"""


def test_markdown_links_autolinks_and_bare_urls(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    assert detect(path) is DocType.MARKDOWN
    citations = extract_file(path)
    found = _by_url(citations)
    assert set(found) == {
        "http://detionline.com/mts/about",
        "https://shelter-tranzit.ru/",
        "http://www.podrostok.edu.yar.ru/",
    }
    assert len(citations) == 3
    assert found["http://detionline.com/mts/about"].context == "Children on-line"
    assert found["http://detionline.com/mts/about"].location.line == 5
    assert found["https://shelter-tranzit.ru/"].location.line == 6


# ---------------------------------------------------------------- plain text files


def test_binary_file_is_a_document_error(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DocumentError, match=r"image\.txt.*binary"):
        extract_file(path)


def test_missing_file_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"absent\.txt"):
        extract_file(tmp_path / "absent.txt")


def test_windows_1251_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("Сайт президент.рф и www.x.ru\n".encode("cp1251"))
    assert [c.raw for c in extract_file(path)] == ["президент.рф", "www.x.ru"]


def test_html_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "saved-page"
    path.write_text('<!doctype html><p><a href="http://x.ru/">X</a></p>', encoding="utf-8")
    assert detect(path) is DocType.HTML
    assert [c.context for c in extract_file(path)] == ["X"]


# ---------------------------------------------------------------- names in any document


def test_names_in_pdf_docx_and_html(tmp_path: Path) -> None:
    pdf_path = tmp_path / "named.pdf"
    pdf = canvas.Canvas(str(pdf_path), pagesize=A4)
    pdf.drawString(72, 780, "Question 2")
    pdf.showPage()
    pdf.drawString(72, 780, 'A project with the "Key" foundation in the Tambov region.')
    pdf.showPage()
    pdf.save()
    (named,) = extract_file_names(pdf_path)
    assert (named.name, named.location.page, named.location.line) == ('"Key" foundation', 2, 1)
    assert named.region == "Tambov region"

    document = docx.Document()
    document.add_paragraph("Intro")
    document.add_paragraph("The survey was done by the RUDN university for the Ministry.")
    docx_path = tmp_path / "named.docx"
    document.save(str(docx_path))
    (named,) = extract_file_names(docx_path)
    assert (named.name, named.location.line) == ("RUDN university", 2)

    html_path = tmp_path / "named.html"
    html_path.write_text(
        "<html><body>\n<p>Data go to the\n<b>ICSE</b> database.</p></body></html>",
        encoding="utf-8",
    )
    (named,) = extract_file_names(html_path)
    assert (named.name, named.location.line) == ("ICSE database", 3)


def test_html_anchor_without_target_does_not_steal_link_text(tmp_path: Path) -> None:
    path = tmp_path / "anchors.html"
    path.write_text(
        '<p><a href="http://x.ru/">The <a name="n1"></a>X portal</a></p>', encoding="utf-8"
    )
    (c,) = extract_file(path)
    assert c.context == "The X portal"


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    # Government PDFs often restrict printing with an owner password (AES) but open freely.
    plain = tmp_path / "plain.pdf"
    _make_pdf(plain)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    restricted = tmp_path / "restricted.pdf"
    with restricted.open("wb") as f:
        writer.write(f)
    assert "http://36edu.ru/" in _by_url(extract_file(restricted))


def test_docx_link_list_under_region_headings(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Examples of resources")
    document.add_paragraph("Voronezh region")
    _add_hyperlink(document.add_paragraph(), "http://36edu.ru/", "Department of Education")
    _add_hyperlink(document.add_paragraph(), "http://www.stoppav.ru/", "http://www.stoppav.ru/")
    document.add_paragraph("Vologda Region")
    _add_hyperlink(document.add_paragraph(), "http://www.viro.edu.ru/", "www.viro.edu.ru")
    path = tmp_path / "list.docx"
    document.save(str(path))
    found = _by_url(extract_file(path))
    assert [(c.context, c.region) for c in found.values()] == [
        ("Department of Education", "Voronezh region"),
        ("Voronezh region", "Voronezh region"),
        ("Vologda Region", "Vologda Region"),
    ]


MARKDOWN_LIST = """Voronezh region

- [Department of Education](http://36edu.ru/)
- <http://www.stoppav.ru/>
"""


def test_markdown_link_list_under_a_region_heading(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_text(MARKDOWN_LIST, encoding="utf-8")
    found = _by_url(extract_file(path))
    assert [(c.context, c.region, c.location.line) for c in found.values()] == [
        ("Department of Education", "Voronezh region", 3),
        ("Voronezh region", "Voronezh region", 4),
    ]
