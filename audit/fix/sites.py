"""Where a document writes its addresses, and the byte-exact edits that change them (pure).

A `Site` is one place an address appears: a link target (an `href` value, a
Markdown destination), the visible text when it is the address itself, and
where a note may follow.  Writers locate sites in the source text; `edits`
turns a site and its decision into replacements of those spans only, so every
other character of the document stays as it was.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from audit import urls
from audit.extract.scan import scan
from audit.fix.model import Action, Decision, Style

Span = tuple[int, int]
_is_domain = functools.lru_cache(maxsize=8192)(urls.is_domain_like)
_NEWLINE = re.compile("\n")


@dataclass(frozen=True, slots=True)
class Site:
    address: str  # what to hand to the repair engine (the target, or the text)
    line: int  # 1-based line of the source
    target: Span | None = None  # the link target as written
    text: Span | None = None  # the visible text, when it is the address itself
    end: int | None = None  # where an appended note goes (None: nowhere fits)


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    new: str


@dataclass(frozen=True, slots=True)
class Syntax:
    """How a format writes a link target, a visible address and an archive note."""

    target: Callable[[str], str]
    text: Callable[[str], str]
    note: Callable[[str, str], str]  # (archive URL, YYYY-MM-DD) -> text after the link


def _html_note(url: str, day: str) -> str:
    return f' (<a href="{html.escape(url)}">archived</a> from the original on {day})'


def _md_target(url: str) -> str:
    # CommonMark destinations may hold balanced parentheses; anything else needs <...>
    depth = 0
    for c in url:
        depth += (c == "(") - (c == ")")
        if depth < 0:
            break
    return f"<{url}>" if depth or any(c in url for c in " <>") else url


HTML = Syntax(html.escape, lambda u: html.escape(u, quote=False), _html_note)
MARKDOWN = Syntax(
    _md_target, lambda u: u, lambda u, d: f" ([archived]({_md_target(u)}) from the original on {d})"
)
TEXT = Syntax(lambda u: u, lambda u: u, lambda u, d: f" (archived at {u} from the original on {d})")


def shown(url: str) -> str:
    """The address as people read it (Unicode host)."""
    return urls.normalize_cached(url).display or url


def edits(site: Site, d: Decision, style: Style, syntax: Syntax) -> list[Edit]:
    """The replacements that carry decision `d` out at `site` (none if it cannot)."""
    if not d.changes or d.url is None:
        return []
    if d.action is Action.ARCHIVE and style is Style.APPEND:
        if site.end is None:
            return []
        return [Edit(site.end, site.end, syntax.note(d.url, d.archived_on or "?"))]
    out = []
    if site.target is not None:
        out.append(Edit(*site.target, syntax.target(d.url)))
    if site.text is not None:
        out.append(Edit(*site.text, syntax.text(shown(d.url))))
    return out


def apply(text: str, changes: Iterable[Edit]) -> str:
    """`text` with each edit made; edits must not overlap."""
    parts: list[str] = []
    pos = 0
    for e in sorted(changes, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError(f"overlapping edits at {e.start}")
        parts += [text[pos : e.start], e.new]
        pos = e.end
    parts.append(text[pos:])
    return "".join(parts)


class Lines:
    """Offsets -> 1-based line numbers of a text."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column


def text_sites(text: str, base: int = 0, lines: Lines | None = None) -> Iterator[Site]:
    """Addresses written in plain text (offsets shifted by `base`; `lines` of the whole)."""
    spans = list(scan(text, _is_domain))
    if spans and lines is None:
        lines = Lines(text)
    for span in spans:
        assert lines is not None
        start, end = base + span.start, base + span.end
        yield Site(span.candidate, lines.line(start), None, (start, end), end)
