"""Sites in HTML: `<a href>`/`<area href>` targets, their text, and addresses in the text.

The standard library's tokenizer reports the source position of every tag and
text run (a tree library's serializer would rewrite the whole document), so
the edits touch only the attribute values and text spans that change.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from audit import urls
from audit.errors import DocumentError
from audit.extract.text import absolute_target
from audit.fix.sites import Lines, Site, Span, text_sites

_HIDDEN = frozenset({"script", "style", "noscript", "template", "title", "textarea"})
# text in code is an example, not a citation: its addresses stay as written (links still change)
_CODE = frozenset({"code", "pre", "kbd", "samp", "tt"})
_HREF = re.compile(
    r"""\shref\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`]+))""",
    re.IGNORECASE,
)


@dataclass
class _Open:
    address: str
    target: Span
    line: int
    inner: int  # where the anchor's content starts


class _Locator(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)  # raw text runs: their lengths are source spans
        self.src = source
        self.lines = Lines(source)
        self.sites: list[Site] = []
        self.hidden = 0
        self.code = 0
        self.base: str | None = None
        self.open: list[_Open | None] = []
        # the text run being read: (raw start, raw end, decoded text) of each piece
        self.run: list[tuple[int, int, str]] = []

    def _here(self) -> int:
        line, column = self.getpos()
        return self.lines.offset(line, column)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.flush()
        if tag in _HIDDEN:
            self.hidden += 1
        if tag in _CODE:
            self.code += 1
        if tag not in ("a", "area", "base"):
            return
        raw = self.get_starttag_text() or ""
        start = self._here()
        m = _HREF.search(raw)
        if tag == "base":
            if m and self.base is None:
                self.base = html.unescape(m.group(m.lastgroup or "bare")).strip()
            return
        link = None
        if m is not None:
            href = html.unescape(m.group(m.lastgroup or "bare")).strip()
            address = absolute_target(href, self.base)
            if address is not None:
                group = m.lastgroup or "bare"
                span = (start + m.start(group), start + m.end(group))
                link = _Open(address, span, self.lines.line(start), start + len(raw))
        if tag == "area":
            if link is not None:
                self.sites.append(Site(link.address, link.line, link.target))
        elif not raw.endswith("/>"):
            self.open.append(link)

    def handle_endtag(self, tag: str) -> None:
        self.flush()
        if tag in _HIDDEN and self.hidden:
            self.hidden -= 1
        if tag in _CODE and self.code:
            self.code -= 1
        if tag != "a" or not self.open:
            return
        link = self.open.pop()
        if link is None:
            return
        inner_end = self._here()
        close = self.src.find(">", inner_end)
        end = close + 1 if close >= 0 else inner_end
        self.sites.append(
            Site(link.address, link.line, link.target, self._shown(link, inner_end), end)
        )

    def _shown(self, link: _Open, inner_end: int) -> Span | None:
        """The anchor's text span, when that text is the link's own address."""
        inner = self.src[link.inner : inner_end]
        stripped = inner.strip()
        if not stripped or "<" in stripped:
            return None
        key = urls.normalize_cached(link.address).key
        if key is None or urls.normalize_cached(html.unescape(stripped)).key != key:
            return None
        start = link.inner + (len(inner) - len(inner.lstrip()))
        return (start, start + len(stripped))

    def handle_data(self, data: str) -> None:
        start = self._here()
        self._text(start, start + len(data), data)

    def handle_entityref(self, name: str) -> None:
        self._reference(f"&{name}")

    def handle_charref(self, name: str) -> None:
        self._reference(f"&#{name}")

    def handle_comment(self, data: str) -> None:
        self.flush()

    def handle_decl(self, decl: str) -> None:
        self.flush()

    def handle_pi(self, data: str) -> None:
        self.flush()

    def _reference(self, raw: str) -> None:
        start = self._here()
        end = start + len(raw) + self.src.startswith(";", start + len(raw))
        self._text(start, end, html.unescape(self.src[start:end]))

    def _text(self, start: int, end: int, text: str) -> None:
        """Extend the text run: `a=1&amp;b=2` is one address, `&laquo;a.ru&raquo;` one too."""
        if self.hidden or self.code or any(o is not None for o in self.open):
            return  # a link's own text is handled with the link
        if self.run and self.run[-1][1] != start:
            self.flush()
        self.run.append((start, end, text))

    def flush(self) -> None:
        """Scan the run's decoded text; map each address back to its raw source span."""
        if not self.run:
            return
        run, self.run = self.run, []
        firsts: list[int] = []  # raw offset where each decoded character starts
        lasts: list[int] = []  # ... and ends (a reference's characters span all of it)
        for a, b, text in run:
            whole = b - a != len(text)
            firsts += [a if whole else a + i for i in range(len(text))]
            lasts += [b if whole else a + i + 1 for i in range(len(text))]
        decoded = "".join(t for _, _, t in run)
        for site in text_sites(decoded):
            assert site.text is not None
            i, j = site.text
            span = (firsts[i], lasts[j - 1])
            line = self.lines.line(span[0])
            self.sites.append(Site(site.address, line, None, span, span[1]))


def html_sites(source: str, path: str) -> list[Site]:
    locator = _Locator(source)
    try:
        locator.feed(source)
        locator.close()
        locator.flush()
    except (AssertionError, ValueError) as e:
        raise DocumentError(f"unreadable HTML: {e}", path=path) from e
    return sorted(locator.sites, key=lambda s: (s.target or s.text or (0, 0))[0])
