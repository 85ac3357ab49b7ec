"""Visible text, title and headings of a page, and its fingerprint (sha256 + 64-bit simhash).

Pure functions. Speed matters (thousands of pages a second), hence lxml's C
parser and a simhash whose bit counting runs in C (bytes.translate/count).
They see untrusted bytes: every step is linear in its input, and the title
and headings (searched by the cue regexes) are kept to `_MAX_TITLE`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from audit.models import Fingerprint

_PARSER = etree.HTMLParser(
    remove_comments=True,
    remove_pis=True,
    no_network=True,
    recover=True,
    huge_tree=False,
    collect_ids=False,  # no id index: nothing looks elements up by id
    encoding="utf-8",  # we decode first (decode()); never let a <meta> re-decode
)
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "head")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_MAX_TOKENS = 20000  # distinct words used: enough to tell pages apart, bounds CPU


_TEXT = etree.XPath("//text()", smart_strings=False)  # 5x faster than itertext() on big pages
# quick_page's title, found by three linear scans: the regex it replaces,
# `<title[^>]*>(.*?)</title`, retried from every "<title" of a page without
# "</title", ~3 s a 64 KB page (issue 18). Same match: only the first "<title"
# can succeed (a later one's ">" and "</title" come no sooner).
_TITLE_OPEN = re.compile("<title", re.IGNORECASE)
_TITLE_CLOSE = re.compile("</title", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PageText:
    title: str
    headings: tuple[str, ...]  # h1..h3 text, in order
    text: str  # visible text, whitespace collapsed
    raw_lower: str  # the decoded markup, lower case, for signature search


def decode(body: bytes, content_type: str | None) -> str:
    """Decode markup by its declared charset, falling back to UTF-8 then cp1251 (Russian sites)."""
    charsets: list[str] = []
    if content_type and "charset=" in content_type.lower():
        charsets.append(content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'"))
    if m := _CHARSET.search(body[:2048]):
        charsets.append(m.group(1).decode("ascii", "replace").lower())
    charsets += ["utf-8", "cp1251"]
    for charset in charsets:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", "replace")  # unreachable in practice: cp1251 maps every byte


def _clean(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def page_text(markup: str) -> PageText:
    """Title, headings and visible text of an HTML document (never raises)."""
    raw_lower = markup.lower()
    try:
        root = etree.fromstring(markup.encode("utf-8", "replace"), _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        return PageText("", (), _clean(markup), raw_lower)
    title_el = next(root.iter("title"), None)  # the first, as find(".//title"), 4x faster
    title = _clean("".join(title_el.itertext()))[:_MAX_TITLE] if title_el is not None else ""
    # itertext() is the text of xpath("string()") without an XPath evaluation per element.
    headings: list[str] = []
    for h in root.iter("h1", "h2", "h3"):
        if t := _clean("".join(h.itertext()))[:_MAX_TITLE]:
            headings.append(t)
            if len(headings) == 10:
                break
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    text = _clean(" ".join(_TEXT(root)))
    return PageText(title, tuple(headings), text, raw_lower)


_PUNCT = {ord(c): " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»—–…“”„’"}
# _BIT[b] maps a byte to 1 when its bit b is set, else 0: bit columns are counted
# by bytes.translate + bytes.count over all hashes at once, in C (64 passes of
# one byte a word), not by a Python loop per word.
_BIT = [bytes((v >> b) & 1 for v in range(256)) for b in range(8)]
_LANE = 16  # bits per counter: up to 65,535 distinct words per page
_ONES = sum(1 << (lane * _LANE) for lane in range(64))  # 1 in every lane
_BITS = bytes.maketrans(b"\x00\x01", b"01")
# _SPREAD[k][v]: byte value v at byte k of a 64-bit hash, one bit per 16-bit lane.
# Summing the spread form of every word's hash counts all 64 bit columns at once
# in C big-int additions: ~20 µs a page instead of a Python loop over 64 bits.
_SPREAD = [
    [sum(1 << ((8 * k + b) * _LANE) for b in range(8) if v >> b & 1) for v in range(256)]
    for k in range(8)
]
_FEW = 1000  # distinct words up to which the lanes (cached per word) beat the columns
_MAX_TITLE = 2048  # characters of title and of each heading kept (the cues search them)


def quick_page(markup: str) -> PageText:
    """Title and raw markup only (no parse): enough to spot a bot wall on an error answer."""
    return PageText(_quick_title(markup), (), "", markup.lower())


def _quick_title(markup: str) -> str:
    opened = _TITLE_OPEN.search(markup)
    if opened is None:
        return ""
    start = markup.find(">", opened.end())
    if start < 0:
        return ""
    closed = _TITLE_CLOSE.search(markup, start + 1)
    return _clean(markup[start + 1 : closed.start()])[:_MAX_TITLE] if closed else ""


# The same words as translate(_PUNCT).split() (re's \s is str.isspace's whitespace):
# str.translate leaves its fast path on any non-ASCII text, where this is 2x faster.
_SPLIT = re.compile("[\\s" + re.escape("".join(map(chr, _PUNCT))) + "]+")


def _words(lowered: str) -> set[str]:
    if lowered.isascii():  # str.translate + split run in C: 3x faster than a \w+ regex
        return set(lowered.translate(_PUNCT).split())
    words = set(_SPLIT.split(lowered))
    words.discard("")
    return words


def _digest(token: str) -> bytes:
    return hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()


def simhash(text: str) -> int:
    """Charikar's 64-bit simhash over the distinct words of `text` (0 for empty text)."""
    tokens = _words(text[:200_000].lower())
    if not tokens:
        return 0
    if len(tokens) > _MAX_TOKENS:
        tokens = set(sorted(tokens)[:_MAX_TOKENS])
    if len(tokens) <= _FEW:
        return _lanes(tokens)
    # Bit 8k+b of a word's hash (read little-endian) is bit b of its byte k.
    digests = b"".join(map(_digest, tokens))
    half = len(tokens) // 2
    value = 0
    for k in range(8):
        column = digests[k::8]
        for b in range(8):
            if column.translate(_BIT[b]).count(1) > half:
                value |= 1 << (8 * k + b)
    return value


@lru_cache(maxsize=32768)
def _spread(token: str) -> int:
    return sum(_SPREAD[k][v] for k, v in enumerate(_digest(token)))


def _lanes(tokens: set[str]) -> int:
    total = sum(map(_spread, tokens))
    # Bit b is set when more than half the words have it: count_b >= t. Adding
    # 0x8000 - t to every lane (counts <= _MAX_TOKENS < 0x8000, so no carry into
    # the next lane) sets a lane's top bit exactly then; the 64 top bits are then
    # gathered with C-level byte operations instead of a 64-step Python loop.
    t = len(tokens) // 2 + 1
    tops = ((total + (0x8000 - t) * _ONES) >> (_LANE - 1)) & _ONES
    return int(tops.to_bytes(8 * _LANE, "little")[:: _LANE // 8][::-1].translate(_BITS), 2)


def similarity(a: int, b: int) -> float:
    """1.0 for equal simhashes, 0.0 for complementary ones."""
    return 1.0 - (a ^ b).bit_count() / 64


# Catch-all hosts answer every missing URL (and the sibling probe) with the same
# page, and a host's home page comes back for every redirect to the root: small
# bodies seen again are not parsed and hashed again. Bounded: 128 bodies of 32 KB.
_REMEMBERED = 32 * 1024


def read_page(body: bytes, content_type: str | None) -> PageText:
    """`page_text(decode(body, content_type))`, remembered for small bodies."""
    if len(body) <= _REMEMBERED:
        return _read_small_page(body, content_type)
    return page_text(decode(body, content_type))


@lru_cache(maxsize=128)
def _read_small_page(body: bytes, content_type: str | None) -> PageText:
    return page_text(decode(body, content_type))


def fingerprint(final_url: str, page: PageText) -> Fingerprint:
    text = page.text
    text_hash, sim = _digests(text) if len(text) <= _REMEMBERED else _text_digests(text)
    return Fingerprint(
        final_url=final_url,
        title=page.title[:300],
        text_hash=text_hash,
        simhash=sim,
        length=len(text),
    )


def _text_digests(text: str) -> tuple[str, int]:
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), simhash(text)


_digests = lru_cache(maxsize=128)(_text_digests)


def binary_fingerprint(final_url: str, body: bytes) -> Fingerprint:
    """For non-HTML answers (PDF, images): the hash of the bytes read."""
    return Fingerprint(final_url, "", hashlib.sha256(body).hexdigest(), 0, len(body))


def text_similarity(a: Fingerprint, b: Fingerprint) -> float:
    if a.text_hash == b.text_hash:
        return 1.0
    return similarity(a.simhash, b.simhash)
