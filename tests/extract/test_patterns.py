"""Issue 14's nine patterns, each reproduced by a small case of our own (the realdocs
corpus is third-party and stays in ../shared; test_realdocs.py scores it)."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from audit.extract import extract_file, extract_text
from audit.models import Citation, Confidence


def _urls(text: str) -> list[str]:
    return [c.normalized.url for c in extract_text(text, "doc.txt") if c.normalized]


def _one(text: str) -> Citation:
    (c,) = extract_text(text, "doc.txt")
    return c


# 1. a line break after `.` inside a host


def test_host_broken_after_a_dot_is_joined() -> None:
    assert _urls("(https://www.\nwho.int/publications/i/item/1, accessed)") == [
        "https://www.who.int/publications/i/item/1"
    ]
    assert _urls("2018 (https://www.ecdc.\neuropa.eu/en/guidance, accessed)") == [
        "https://www.ecdc.europa.eu/en/guidance"
    ]
    assert _urls("at: https://extranet.who.\nint/pqweb/reports and") == [
        "https://extranet.who.int/pqweb/reports"
    ]
    assert _urls("Data Base http://rapdb.dna.\naffrc.go.jp) library") == [
        "http://rapdb.dna.affrc.go.jp/"
    ]


def test_a_sentence_ending_with_a_host_is_not_joined() -> None:
    assert _urls("Visit www.example.com.\nIt is a site.") == ["http://www.example.com/"]
    assert _urls("Visit www.example.com.\nin the morning") == ["http://www.example.com/"]


# 2. what starts the next line after `/` or `-` is not always part of the address


def test_labels_brackets_page_numbers_and_bullets_do_not_continue() -> None:
    assert _urls("Available: http://prize.hutter1.net/\n[HZRS15] K. He") == [
        "http://prize.hutter1.net/"
    ]
    assert _urls("URL: https://www.economy.gov.ru/ \n(дата обращения: 1.1.2020)") == [
        "https://www.economy.gov.ru/"
    ]
    assert _urls("- http://example.org/a/\n- http://example.org/b/\n") == [
        "http://example.org/a/",
        "http://example.org/b/",
    ]
    assert _urls("see https://example.org/report-\n49\n") == ["https://example.org/report-"]


def test_line_end_hyphen_is_decided_by_the_document() -> None:
    typeset = _one(
        "(https://play.google.com/store/apps/details?id=ki67coun-\nter&hl=en) and the "
        "ki67counter app"
    )
    assert typeset.normalized is not None
    assert (
        typeset.normalized.url == "https://play.google.com/store/apps/details?id=ki67counter&hl=en"
    )
    assert typeset.normalized.confidence is Confidence.GUESS
    assert any("ki67coun-ter" in alt for alt in typeset.normalized.alternatives)
    real = _one("See the portal www.omsk-\nportal.ru/about for details.")
    assert real.normalized is not None
    assert real.normalized.url == "http://www.omsk-portal.ru/about"  # the host is kept whole
    assert real.normalized.alternatives == ("http://www.omskportal.ru/about",)
    kept = _urls("reports at https://x.org/pre-\nreports/a and x.org/pre-reports is")
    assert kept[0] == "https://x.org/pre-reports/a"


def test_idn_host_split_at_a_line_end() -> None:
    assert _urls("Роскомнадзор www.персональные\nданные.дети") == [
        "http://www.xn--80aalcbc2bocdadlpp9nfk.xn--d1acj3b/"
    ]


# 3. breaks with no break character


def test_breaks_without_a_break_character() -> None:
    assert _urls("(https://www150.statcan.gc.ca/n1/pub/article/00\n003/c-g/c-g03-eng.htm, x)") == [
        "https://www150.statcan.gc.ca/n1/pub/article/00003/c-g/c-g03-eng.htm"
    ]
    assert _urls("(https://www.bms.com/docs/INFORMATIVO%20\nDAKLINZA%20final.pdf, x)") == [
        "https://www.bms.com/docs/INFORMATIVO%20DAKLINZA%20final.pdf"
    ]
    assert _urls("https://www.reddit\n.com/r/deepdream/ is") == [
        "https://www.reddit.com/r/deepdream/"
    ]
    assert _urls("http://www.gpec.ubc.ca:\n8080/tmadb/index, last") == [
        "http://www.gpec.ubc.ca:8080/tmadb/index"
    ]
    assert _urls("https://ssrn.com/d.php?ID=4500910200871050900\n85067070104&EXT=pdf\n") == [
        "https://ssrn.com/d.php?ID=450091020087105090085067070104&EXT=pdf"
    ]
    assert _urls("at https://example.org/page\nand then more prose") == ["https://example.org/page"]


# 4. text glued in front


def test_glued_footnote_digits_dot_leaders_and_words() -> None:
    assert _urls("1https://huggingface.co/Qwen\n2https://modelscope.cn/org") == [
        "https://huggingface.co/Qwen",
        "https://modelscope.cn/org",
    ]
    assert _urls("Camp Quality ..............campquality.org.au\n") == [
        "http://campquality.org.au/"
    ]
    assert _urls("Pay onwww.PAY1040.com today") == ["http://www.pay1040.com/"]


# 5. identifiers are not domains


def test_identifiers_with_a_real_tld_are_not_addresses() -> None:
    text = "Outline.next and linkDest.page, A.M.call, 552.email, States.green, e.biz."
    assert _urls(text) == []
    assert _urls("Salon.com wrote, see example.org and bbc.co.uk") == [
        "http://salon.com/",
        "http://example.org/",
        "http://bbc.co.uk/",
    ]
    assert _urls("apps at example.app/docs") == ["http://example.app/docs"]  # a path says so


# 6. e-mail addresses split at a line end


def test_email_split_at_a_line_end_leaves_no_host() -> None:
    assert _urls("email: 9-FAA-SACO-AD-Inquiry@\nfaa.gov. More") == []
    assert _urls("email: Techsupport@pilatus-\naircraft.com; internet") == []


# 7. and 8. link targets are exact, fragments distinct


def _pdf_with_links(path: Path, links: list[tuple[str, str]]) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 10)
    y = 800.0
    for text, uri in links:
        pdf.drawString(72, y, text)
        pdf.linkURL(uri, (70, y - 2, 72 + 6 * len(text), y + 10), relative=0)
        y -= 20
    pdf.save()


def test_annotation_targets_are_exact(tmp_path: Path) -> None:
    path = tmp_path / "wiki.pdf"
    _pdf_with_links(
        path,
        [
            ("Ay caramba", "https://simpsons.fandom.com/wiki/Ay_caramba!"),
            ("Martin", "https://simpsons.fandom.com/wiki/Martin_Prince,_Jr."),
        ],
    )
    urls = {c.normalized.url for c in extract_file(path) if c.normalized}
    assert urls == {
        "https://simpsons.fandom.com/wiki/Ay_caramba!",
        "https://simpsons.fandom.com/wiki/Martin_Prince,_Jr.",
    }


def test_written_piece_of_an_annotation_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "who.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 10)
    pdf.drawString(72, 800, "Guidelines 2017 (https://www")
    pdf.drawString(72, 785, "who-int/item/1, accessed)")  # the layout mangled the rest
    pdf.linkURL("https://www.who.int/item/1", (70, 780, 300, 812), relative=0)
    pdf.save()
    urls = [c.normalized.url for c in extract_file(path) if c.normalized]
    assert urls == ["https://www.who.int/item/1"]


def test_links_differing_in_fragment_stay_distinct(tmp_path: Path) -> None:
    path = tmp_path / "frag.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 10)
    pdf.drawString(72, 800, "part one   part two")
    pdf.linkURL("https://example.org/doc#one", (70, 798, 120, 810), relative=0)
    pdf.linkURL("https://example.org/doc#two", (125, 798, 180, 810), relative=0)
    pdf.save()
    urls = sorted(c.normalized.url for c in extract_file(path) if c.normalized and c.normalized.url)
    assert urls == ["https://example.org/doc#one", "https://example.org/doc#two"]


def test_docx_anchor_kept_and_target_wins_over_visible_text(tmp_path: Path) -> None:
    document = docx.Document()
    p = document.add_paragraph("See ")
    r_id = p.part.relate_to(
        "https://example.org/law", RELATIONSHIP_TYPE.HYPERLINK, is_external=True
    )
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    link.set(qn("w:anchor"), "sub_7")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "https://example.org/law"  # the visible text lacks the anchor
    run.append(t)
    link.append(run)
    p._p.append(link)
    path = tmp_path / "law.docx"
    document.save(str(path))
    urls = [c.normalized.url for c in extract_file(path) if c.normalized]
    assert urls == ["https://example.org/law#sub_7"]


# 9. a .txt with a few control characters


def test_text_with_control_characters_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pdftotext.txt"
    body = "Broken font \x01\x02\x03 glyphs \x00 here. See https://example.org/report\n" * 40
    path.write_bytes(body.encode("utf-8"))
    urls = {c.normalized.url for c in extract_file(path) if c.normalized}
    assert urls == {"https://example.org/report"}


def test_identifier_namespace_from_the_document() -> None:
    # `Outline.dest.lt` is under a country code, but the document writes `Outline.next`
    text = "Outline.next, Outline.dest.page and Outline.dest.lt; linkDest.page, linkDest.lt"
    assert _urls(text) == []
    assert _urls("Salon.com and Salon.co.uk wrote") == ["http://salon.com/", "http://salon.co.uk/"]


def test_section_numbers_and_footnotes_do_not_continue_a_path() -> None:
    assert _urls("at: https://extranet.who.\nint/pqweb/reports.\f76\n8.3 Summary of") == [
        "https://extranet.who.int/pqweb/reports"
    ]
    assert _urls("Available: http://hdl.handle.net/2027/spo.bbp2372.1987.\n025\n[Joh16]") == [
        "http://hdl.handle.net/2027/spo.bbp2372.1987.025"
    ]
    assert _urls("commons.wikimedia.org/wiki/File:Tricoloring.\npng\nAbb. 2.1") == [
        "http://commons.wikimedia.org/wiki/File:Tricoloring.png"
    ]


def test_page_break_with_a_folio_inside_an_address() -> None:
    text = "URL: https://cyberleninka.ru/article/n/suschnost-i-\f 49 \nekonomicheskoe/viewer (дата"
    assert _urls(text) == ["https://cyberleninka.ru/article/n/suschnost-i-ekonomicheskoe/viewer"]


def test_scheme_spaced_before_its_colon() -> None:
    assert _urls("available at: https ://webgate.ec.europa.eu/tracesnt/index. The") == [
        "https://webgate.ec.europa.eu/tracesnt/index"
    ]


def test_tex_escaped_underscore_in_an_address() -> None:
    c = _one("Abb. 2.1: commons.wikimedia.org/wiki/File:Double\\_torus\\_illustration.\npng\n")
    assert c.normalized is not None
    assert (
        c.normalized.url == "http://commons.wikimedia.org/wiki/File:Double_torus_illustration.png"
    )
    assert "tex-escape-removed" in [r.rule for r in c.normalized.repairs]
