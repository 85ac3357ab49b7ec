"""HTML: link targets (`<a href>`, `<area href>`) and addresses written in the visible text.

The standard library's tolerant parser reports the source position of every
piece of text, so the visible text is laid out on the document's own lines:
citation line numbers are lines of the HTML file.
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser

from audit.errors import DocumentError
from audit.extract.text import TextDoc, absolute_target, hyperlink, merge, scan_citations
from audit.models import Citation, Location

log = logging.getLogger(__name__)

_HIDDEN = frozenset({"script", "style", "noscript", "template", "title"})
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "em", "font", "i", "kbd", "mark", "q",
     "s", "samp", "small", "span", "strong", "sub", "sup", "u", "var", "wbr"}
)  # fmt: skip


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.line = 1
        self.hidden = 0
        self.glue = True  # the last tag was inline: text continues without a space
        self.base: str | None = None
        self.links: list[tuple[int, str, list[str]]] = []  # (line, href, anchor text)
        self._open: list[list[str] | None] = []  # anchor text of each open <a>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.glue = tag in _INLINE
        if tag in _HIDDEN:
            self.hidden += 1
        href = dict(attrs).get("href")
        if tag == "base" and href and self.base is None:
            self.base = href.strip()
        elif tag in ("a", "area") and href:
            link: tuple[int, str, list[str]] = (self.getpos()[0], href, [])
            self.links.append(link)
            if tag == "a":
                self._open.append(link[2])
        elif tag == "a":
            self._open.append(None)  # an anchor without a target: its </a> closes it

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _HIDDEN:
            self.hidden -= 1

    def handle_endtag(self, tag: str) -> None:
        self.glue = tag in _INLINE
        if tag in _HIDDEN and self.hidden:
            self.hidden -= 1
        elif tag == "a" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        line = self.getpos()[0]
        if line > self.line:
            self.parts.append("\n" * (line - self.line))
            self.line = line
        elif not self.glue:
            self.parts.append(" ")
        self.parts.append(data)
        self.line += data.count("\n")
        for anchor in self._open:
            if anchor is not None:
                anchor.append(data)


def _collect(markup: str, source: str) -> _Collector:
    collector = _Collector()
    try:
        collector.feed(markup)
        collector.close()
    except (AssertionError, ValueError) as e:  # what html.parser raises on hopeless markup
        raise DocumentError(f"unreadable HTML: {e}", path=source) from e
    return collector


def visible_text(markup: str, source: str) -> str:
    """The text a reader sees, on the lines of the HTML source."""
    return "".join(_collect(markup, source).parts)


def extract_html(markup: str, source: str) -> list[Citation]:
    collector = _collect(markup, source)
    doc = TextDoc("".join(collector.parts))
    written = list(scan_citations(doc, source, lambda i: Location(None, i + 1)))
    links: list[Citation] = []
    for line, href, anchor in collector.links:
        target = absolute_target(href.strip(), collector.base)
        if target is None:
            log.debug("%s:%d: relative link %r skipped", source, line, href)
            continue
        index = min(line - 1, len(doc.line_starts) - 1)
        link = hyperlink(
            target, "".join(anchor), source, Location(None, line), doc=doc, index=index
        )
        if link is not None:
            links.append(link)
    return merge(links, written)
