"""Sites in Markdown: inline links, autolinks, reference definitions and bare addresses.

markdown-it-py parses the document: its block source maps say which lines are
prose (code blocks are never edited; in raw HTML blocks, only links), and the links it
found in each block confirm the spans located in that block's source, so a
bracket that only looks like a link, or an address in inline code, is left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from audit import urls
from audit.fix.html import html_sites
from audit.fix.sites import Lines, Site, Span, text_sites

_INLINE = re.compile(
    r"(?<![!\\])\[(?P<label>(?:[^\[\]\\\n]|\\.)*)\]\(\s*"
    r"(?:<(?P<angled>[^>\n]*)>|(?P<dest>[^\s()<>]+(?:\([^\s()]*\)[^\s()<>]*)*))"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
_AUTO = re.compile(r"<(?P<dest>[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_REFERENCE = re.compile(
    r"^ {0,3}\[(?P<label>[^\]\n]+)\]:[ \t]*(?:<(?P<angled>[^>\n]*)>|(?P<dest>\S+))", re.MULTILINE
)
_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_SKIP_BLOCKS = frozenset({"fence", "code_block", "html_block"})


def markdown_sites(source: str) -> list[Site]:
    md = MarkdownIt("commonmark")
    env: dict[str, object] = {}
    tokens = md.parse(source, env)
    lines = Lines(source)
    # written addresses: the whole text scanned at once, as `audit extract` does (a line
    # break may join an address), then kept where they lie in prose
    written = list(text_sites(source, 0, lines))
    sites: list[Site] = []
    refs = env.get("references")
    ref_targets = Counter(
        str(v["href"]) for v in (refs.values() if isinstance(refs, dict) else ()) if "href" in v
    )
    for tok in tokens:  # raw HTML: its links as in an HTML document
        if tok.type == "html_block" and tok.map:
            lo = _offset_of_line(lines, tok.map[0], len(source))
            hi = _offset_of_line(lines, tok.map[1], len(source))
            # links only: what extract reads in its text comes from its own scan of the
            # whole document, which a tag-aware reading cannot match place for place
            found = html_sites(source[lo:hi], "")
            sites += [_shifted(s, lo, tok.map[0]) for s in found if s.target is not None]
    for start, end, children in _prose(tokens):
        lo = _offset_of_line(lines, start, len(source))
        hi = _offset_of_line(lines, end, len(source))
        sites += _block_sites(
            md,
            source=source,
            lo=lo,
            hi=hi,
            children=children,
            lines=lines,
            ref_targets=ref_targets,
            written=written,
        )
    return sorted(sites, key=lambda s: (s.target or s.text or (0, 0))[0])


def _offset_of_line(lines: Lines, line: int, size: int) -> int:
    return lines.starts[line] if line < len(lines.starts) else size


def _shifted(s: Site, by: int, lines: int) -> Site:
    def move(span: Span | None) -> Span | None:
        return None if span is None else (span[0] + by, span[1] + by)

    end = None if s.end is None else s.end + by
    return Site(s.address, s.line + lines, move(s.target), move(s.text), end)


def _prose(tokens: list[Token]) -> Iterator[tuple[int, int, list[Token]]]:
    """(first line, line after the last, inline children) of every prose block,
    and the lines between blocks (reference definitions live there)."""
    covered = 0
    for tok in tokens:
        if tok.map is None:
            continue
        start, end = tok.map
        if tok.type in _SKIP_BLOCKS:
            if start > covered:
                yield covered, start, []
            covered = max(covered, end)
        elif tok.type == "inline":
            if start > covered:
                yield covered, start, []
            yield start, end, tok.children or []
            covered = max(covered, end)
    yield covered, 10**9, []


def _block_sites(
    md: MarkdownIt,
    *,
    source: str,
    lo: int,
    hi: int,
    children: list[Token],
    lines: Lines,
    ref_targets: Counter[str],
    written: list[Site],
) -> list[Site]:
    hi = min(hi, len(source))
    region = source[lo:hi]
    hrefs = Counter(str(t.attrGet("href") or "") for t in children if t.type == "link_open")
    taken: list[Span] = [(m.start(), m.end()) for m in _CODE.finditer(region)]
    sites: list[Site] = []

    def free(a: int, b: int) -> bool:
        return not any(a < y and x < b for x, y in taken)

    for pattern, is_ref in ((_REFERENCE, True), (_INLINE, False), (_AUTO, False)):
        for m in pattern.finditer(region):
            group = "angled" if m.groupdict().get("angled") is not None else "dest"
            dest = m.group(group)
            if dest is None or not free(m.start(), m.end()):
                continue
            known = ref_targets if is_ref else hrefs
            href = md.normalizeLink(dest)
            if known[href] <= 0:
                continue  # markdown-it did not read a link here
            known[href] -= 1
            taken.append((m.start(), m.end()))
            target = (lo + m.start(group), lo + m.end(group))
            text = None
            if "label" in m.groupdict() and not is_ref:
                text = _label_span(m, lo, dest)
            sites.append(
                Site(
                    dest, lines.line(lo + m.start()), target, text, None if is_ref else lo + m.end()
                )
            )
    for s in written:
        assert s.text is not None
        a, b = s.text
        if lo <= a < hi and b <= hi and free(a - lo, b - lo):
            sites.append(s)
    return sites


def _label_span(m: re.Match[str], lo: int, dest: str) -> Span | None:
    label = m.group("label")
    key = urls.normalize_cached(dest).key
    stripped = label.strip()
    if not stripped or key is None or urls.normalize_cached(stripped).key != key:
        return None
    start = lo + m.start("label") + (len(label) - len(label.lstrip()))
    return (start, start + len(stripped))
