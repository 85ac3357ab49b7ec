"""Markdown: inline, reference and autolinks (markdown-it-py), and bare addresses in the text."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from audit.extract.text import TextDoc, absolute_target, hyperlink, merge, scan_citations
from audit.models import Citation, Location


def extract_markdown(source_text: str, source: str) -> list[Citation]:
    doc = TextDoc(source_text)
    written = list(scan_citations(doc, source, lambda i: Location(None, i + 1)))
    links: list[Citation] = []
    for block in MarkdownIt("commonmark").parse(source_text):
        if block.type != "inline" or not block.children or block.map is None:
            continue
        line = block.map[0]
        for target, anchor, offset in _links(block.children):
            absolute = absolute_target(target, None)
            if absolute is None:
                continue
            index = min(line + offset, len(doc.line_starts) - 1)
            link = hyperlink(
                absolute, anchor, source, Location(None, index + 1), doc=doc, index=index
            )
            if link is not None:
                links.append(link)
    return merge(links, written)


def _links(children: list[Token]) -> list[tuple[str, str, int]]:
    """(href, anchor text, line offset within the block) of each link."""
    out: list[tuple[str, str, int]] = []
    offset = 0
    current: list[str] | None = None
    href = ""
    start = 0
    for tok in children:
        if tok.type in ("softbreak", "hardbreak"):
            offset += 1
        elif tok.type == "link_open":
            href, current, start = str(tok.attrGet("href") or ""), [], offset
        elif tok.type == "link_close" and current is not None:
            out.append((href, "".join(current), start))
            current = None
        elif current is not None and tok.type in ("text", "code_inline"):
            current.append(tok.content)
    return out
