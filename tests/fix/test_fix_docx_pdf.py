"""DOCX copies keep runs, styles and parts (python-docx reads them back); a PDF gets a sheet."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from audit.cli import main
from tests.fix.conftest import World
from tests.fix.test_fix_documents import fill


def add_hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:u")
    style.set(qn("w:val"), "single")
    props.append(style)
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def make_docx(w: World, path: Path) -> None:
    d = docx.Document()
    d.add_heading("Reply of the Government", level=1)
    p = d.add_paragraph("Institute: ")
    malformed = f"http: www.viro.edu.ru:{w.port}"
    add_hyperlink(p, malformed, malformed)
    p.add_run(" (regional).")
    p = d.add_paragraph("The committee: ")
    sledcom = fill(w, "{sledcom}")
    cut = len(sledcom) // 2
    first = p.add_run(sledcom[:cut])
    first.bold = True
    second = p.add_run(sledcom[cut:] + " and more.")
    second.italic = True
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Portal"
    add_hyperlink(table.cell(0, 1).paragraphs[0], fill(w, "{oldportal}"), "the portal")
    p = d.add_paragraph("Club: ")
    add_hyperlink(p, fill(w, "{closed}"), fill(w, "{closed}"))
    d.save(str(path))


def test_docx_reads_back_with_links_and_runs_kept(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "letter.docx"
    make_docx(world, doc)
    before = doc.read_bytes()
    out = tmp_path / "fixed"
    code = main(["fix", str(doc), "--out", str(out), *world.args()])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert doc.read_bytes() == before
    fixed = docx.Document(str(out / "letter.docx"))  # it still opens
    paragraphs = fixed.paragraphs
    assert paragraphs[0].style.name == "Heading 1"
    (viro,) = paragraphs[1].hyperlinks
    assert viro.address == world.url("www.viro.edu.ru")
    assert viro.text == world.url("www.viro.edu.ru")  # the visible address, repaired too
    assert viro.runs[0].underline is True  # the run keeps its properties
    assert paragraphs[1].text.endswith(" (regional).")
    archived = fill(world, "{archived}")
    runs = paragraphs[2].runs
    assert [(r.text, r.bold, r.italic) for r in runs] == [
        ("The committee: ", None, None),
        (archived, True, None),  # the span's first run takes the new address, bold kept
        (" and more.", None, True),
    ]
    assert paragraphs[2].text == f"The committee: {archived} and more."
    (portal,) = fixed.tables[0].cell(0, 1).paragraphs[0].hyperlinks
    assert portal.address == fill(world, "{newportal}")
    assert portal.text == "the portal"  # a label that is not the address stays
    (club,) = paragraphs[3].hyperlinks
    assert club.address == fill(world, "{closed}")  # blocked: left alone
    with zipfile.ZipFile(doc) as a, zipfile.ZipFile(out / "letter.docx") as b:
        assert set(a.namelist()) == set(b.namelist())
        for part in ("word/styles.xml", "word/settings.xml", "docProps/core.xml"):
            assert a.read(part) == b.read(part), part
    with (out / "letter.docx.corrections.csv").open(encoding="utf-8") as f:
        rows = {r["cited"]: r for r in csv.DictReader(f)}
    assert rows[fill(world, "{oldportal}")]["line"] == "5"  # paragraphs counted as extract does
    assert rows[fill(world, "{oldportal}")]["applied"] == "yes"


def test_docx_append_adds_an_archive_link(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "letter.docx"
    d = docx.Document()
    p = d.add_paragraph("See ")
    add_hyperlink(p, fill(world, "{sledcom}"), "the committee")
    p.add_run(".")
    d.save(str(doc))
    out = tmp_path / "fixed"
    code = main(["fix", str(doc), "--out", str(out), "--style", "append", *world.args()])
    assert code == 0, capsys.readouterr().err
    (p,) = docx.Document(str(out / "letter.docx")).paragraphs
    original, archive = p.hyperlinks
    assert original.address == fill(world, "{sledcom}")
    assert (archive.address, archive.text) == (fill(world, "{archived}"), "archived")
    assert p.text == "See the committee (archived from the original on 2019-05-07)."


def test_pdf_gets_a_sheet_and_is_not_rewritten(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    doc = tmp_path / "reply.pdf"
    c = canvas.Canvas(str(doc), pagesize=A4)
    c.drawString(72, 760, "Question 1")
    c.drawString(72, 740, f"The institute: http: www.viro.edu.ru:{world.port}")
    c.showPage()
    c.drawString(72, 760, f"Committee: {fill(world, '{sledcom}')}")
    c.save()
    before = doc.read_bytes()
    out = tmp_path / "fixed"
    code = main(["fix", str(doc), "--out", str(out), *world.args()])
    text, err = capsys.readouterr()
    assert code == 0, err
    assert doc.read_bytes() == before and not (out / "reply.pdf").exists()
    assert "(sheet only)" in text
    with (out / "reply.pdf.corrections.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    got = [(r["page"], r["action"], r["replacement"], r["applied"]) for r in rows]
    assert got == [
        ("1", "repair", world.url("www.viro.edu.ru"), "no"),
        ("2", "archive", fill(world, "{archived}"), "no"),
    ]
