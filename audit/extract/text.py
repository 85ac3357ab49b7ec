"""Citations in plain text: scan, repair each span, attach line, section and context.

The format readers (PDF, HTML, Markdown, DOCX) turn their documents into text
plus hyperlinks and use `TextDoc`, `scan_citations`, `hyperlink` and `merge` from here.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import logging
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import urljoin, urlsplit

from audit import urls
from audit.extract import context, sections
from audit.extract.scan import _ANCHOR, Span, scan
from audit.models import Citation, Confidence, Location, Normalized, UrlKind

log = logging.getLogger(__name__)

_NEWLINE = re.compile("\n")
# what may stand before an address that starts a line: space, a bracket, a list marker
_ITEM_MARKERS = " \t\u00a0([<-*+>•–—"
_LINE_LEAD = re.compile(f"[{re.escape(_ITEM_MARKERS)}]*")
# Documents repeat their hosts (and their non-hosts, `par.1.3`): ask the PSL once each.
_is_domain = functools.lru_cache(maxsize=8192)(urls.is_domain_like)
# ... and their addresses: a list repeats what the text cited (normalize is pure).
_normalized = functools.lru_cache(maxsize=4096)(urls.normalize)
_RANK = {Confidence.EXACT: 0, Confidence.REPAIRED: 1, Confidence.GUESS: 2}

Locate = Callable[[int], Location]  # 0-based line of the text -> place in the document


def clear_caches() -> None:
    """Forget the memoised PSL answers and repairs (for benchmarks)."""
    _is_domain.cache_clear()
    _normalized.cache_clear()


class TextDoc:
    """A text with its line offsets; lines and sections are computed on first use."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        self._lines: list[str] | None = None
        self._sections: list[str | None] | None = None
        self._address_lines: dict[int, bool] = {}
        self._listings: dict[int, sections.Listing] = {}

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def section(self, index: int) -> str | None:
        if self._sections is None:
            self._sections = sections.sections(self.lines)
        return self._sections[index]

    def listing(self, index: int) -> sections.Listing:
        """The list heading above line `index`.  A line right below an address line
        sits in the same list: its answer is reused (a long link list stays linear)."""
        cached = self._listings.get(index - 1)
        if cached is not None and self.starts_with_address(index - 1):
            self._listings[index] = cached
            return cached
        found = sections.listing(self.lines, index, self.starts_with_address)
        self._listings[index] = found
        return found

    def line_index(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) - 1

    def mark_address_line(self, index: int) -> None:
        """Line `index` shows a link: for list detection it is an address line."""
        self._address_lines[index] = True

    def starts_with_address(self, index: int) -> bool:
        known = self._address_lines.get(index)
        if known is None:
            known = self._address_lines[index] = _starts_with_address(self.lines[index])
        return known


def extract_text(text: str, source: str, page: int | None = None) -> list[Citation]:
    """Every citation in `text` (web addresses, e-mails, other schemes), in order."""
    return list(scan_citations(TextDoc(text), source, lambda i: Location(page, i + 1)))


def scan_citations(doc: TextDoc, source: str, locate: Locate) -> Iterator[Citation]:
    """The citations written in the text of `doc`."""
    text = doc.text
    for span in scan(text, _is_domain):
        normalized = _normalize(span)
        if normalized is None:
            continue
        index = doc.line_index(span.start)
        desc = context.describe(text, span.start, span.end)
        region: str | None = None
        if _LINE_LEAD.fullmatch(text, doc.line_starts[index], span.start):
            found = doc.listing(index)
            region = found.region
            if desc is None:
                desc = found.label
        yield Citation(
            raw=span.raw,
            source=source,
            location=locate(index),
            section=doc.section(index),
            context=desc,
            normalized=normalized,
            region=region,
        )


def hyperlink(
    target: str,
    anchor: str | None,
    source: str,
    location: Location,
    *,
    doc: TextDoc | None = None,
    index: int | None = None,
) -> Citation | None:
    """A citation made by a hyperlink on line `index` of `doc`.

    Its visible text, if not an address, is its context.  A line that is a link
    is an item of a list: the list's heading gives its region (and its context,
    when the link shows only its address).
    """
    normalized = urls.normalize_target(target)
    if normalized.kind is UrlKind.NOT_A_URL or normalized.url is None:
        log.debug("%s: hyperlink target %r is not an address", source, target)
        return None
    label = sections.collapse(anchor or "")
    if not label or (_ANCHOR.search(label) and urls.normalize(label).key == normalized.key):
        label = ""
    section: str | None = None
    region: str | None = None
    if doc is not None and index is not None and 0 <= index < len(doc.line_starts):
        section = doc.section(index)
        shown = doc.lines[index].lstrip(_ITEM_MARKERS)
        if (label and shown.startswith(label)) or doc.starts_with_address(index):
            doc.mark_address_line(index)
            found = doc.listing(index)
            region = found.region
            label = label or (found.label or "")
    return Citation(
        raw=target,
        source=source,
        location=location,
        section=section,
        context=label or None,
        normalized=normalized,
        region=region,
    )


def absolute_target(href: str, base: str | None) -> str | None:
    """The link target as an absolute address; None for in-document links."""
    if href.startswith("#") or href.lower().startswith("javascript:"):
        return None
    try:
        scheme = urlsplit(href).scheme
    except ValueError:  # `http://[broken`: let the repair engine judge it
        return href
    if scheme or href.startswith("//"):
        return href
    if base and urlsplit(base).scheme:
        return urljoin(base, href)
    return None


def merge(links: Iterable[Citation], written: Iterable[Citation]) -> list[Citation]:
    """Hyperlinks and written addresses in document order.

    A link over its own written address (same key, same place) counts once, with
    the link's exact target (its fragment, its final `!`).  Links that differ only
    in their fragment stay distinct.  A written address that is a piece of a link
    target on the same page (`https://www` of a wrapped `https://www.who.int/...`)
    is that link's text cut by the layout: the link is the evidence, the piece goes.
    """
    out: list[Citation] = []
    written_at: dict[tuple[str | None, int | None, int | None], list[int]] = {}
    for c in written:
        written_at.setdefault(_place(c), []).append(len(out))
        out.append(c)
    seen_links: set[tuple[str | None, int | None, int | None]] = set()
    linked: set[int] = set()  # entries that are links (never pieces of one)
    targets: dict[int | None, list[str]] = {}
    for link in links:
        exact = (link.normalized.url if link.normalized else None, *_place(link)[1:])
        if exact in seen_links:
            continue
        seen_links.add(exact)
        targets.setdefault(link.location.page, []).append(_bare(link))
        free = written_at.get(_place(link))
        if not free:
            linked.add(len(out))
            out.append(link)
            continue
        # the link's own text is the author's label: better than the words around
        i = free.pop(0)
        linked.add(i)
        seen = out[i]
        out[i] = dataclasses.replace(
            seen,
            normalized=link.normalized,
            context=link.context or seen.context,
            region=seen.region or link.region,
        )
    kept = [c for i, c in enumerate(out) if i in linked or not _piece_of_link(c, targets)]
    kept.sort(key=lambda c: (c.location.page or 0, c.location.line or 0))
    return kept


def _bare(c: Citation) -> str:
    """The URL without its scheme and final slash, lower-cased, for piece tests."""
    url = c.normalized.url if c.normalized and c.normalized.url else ""
    return urllib.parse.unquote(url.split("://", 1)[-1].rstrip("/")).lower()


def _piece_of_link(c: Citation, targets: dict[int | None, list[str]]) -> bool:
    if c.normalized is None or c.normalized.kind is not UrlKind.WEB:
        return False
    page_targets = targets.get(c.location.page)
    if not page_targets:
        return False
    piece = _bare(c)
    return any(piece in t and piece != t for t in page_targets)


def _normalize(span: Span) -> Normalized | None:
    normalized = _normalized(span.candidate)
    if normalized.kind is UrlKind.NOT_A_URL or normalized.url is None:
        log.debug("not a citation: %r (%s)", span.raw, normalized.error)
        return None
    if span.alternatives:
        # the readings of a doubtful line join not taken: the checker may verify them
        others = (_normalized(alt).url for alt in span.alternatives)
        found = (*normalized.alternatives, *(u for u in others if u and u != normalized.url))
        normalized = dataclasses.replace(normalized, alternatives=tuple(dict.fromkeys(found)))
    if span.repairs:
        worst = max(
            (normalized.confidence, *(r.confidence for r in span.repairs)), key=_RANK.__getitem__
        )
        normalized = dataclasses.replace(
            normalized,
            input=span.raw,
            repairs=(*span.repairs, *normalized.repairs),
            confidence=worst,
        )
    return normalized


def _starts_with_address(line: str) -> bool:
    s = line.lstrip(_ITEM_MARKERS)
    m = _ANCHOR.match(s)
    if m is None:
        return False
    if m.lastgroup == "host":
        return _is_domain(m.group("hostname").lower().rstrip("."))
    return True


def _place(c: Citation) -> tuple[str | None, int | None, int | None]:
    key = c.normalized.key if c.normalized else None
    return (key, c.location.page, c.location.line)
