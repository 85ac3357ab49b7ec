"""Character-level clean-up and boundary trimming of one citation.

Runs before any URL parsing (docs/url-repair.md §2.1-2.2, §6): a URL
library would percent-encode a soft hyphen in a path into a guaranteed 404,
so these characters must go first.  Fixed mapping tables only, never blanket
NFKC (which invents slashes: `℅` → `c/o`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from audit.models import Confidence

from ._log import EXACT, RepairLog

SOFT_HYPHEN = "\u00ad"

# T2: zero-width and format characters, deleted.  Bidi controls are also
# flagged, since they are a known spoofing device.
_BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
_INVISIBLE = "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u034f" + _BIDI
_JOINERS = "\u200c\u200d"
# ZWJ/ZWNJ are meaningful in Arabic and Indic scripts (IDNA CONTEXTJ); only
# there are they kept.
_JOINER_SCRIPTS = re.compile("[\u0600-\u06ff\u0750-\u077f\u0900-\u0dff]")

# T3: Unicode spaces, read as an ordinary space; line separators as a newline.
_SPACES = "\u00a0\u1680\u202f\u205f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))
_NEWLINES = "\u2028\u2029\u0085\x0b\x0c"

# T4: typographic ligatures from PDF fonts.
_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
# T5: full-width ASCII and ideographic full stops.
_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({"\u3002": ".", "\uff61": "."})
# T7/T8: tilde, slash and dot look-alikes.
_LOOKALIKES = {"\u02dc": "~", "\u223c": "~", "\u2044": "/", "\u2215": "/", "\u2024": "."}

_TABLES: tuple[tuple[str, str, dict[str, str], Confidence], ...] = (
    ("ligature-expanded", "typographic ligature expanded", _LIGATURES, EXACT),
    ("fullwidth-mapped", "full-width character mapped to ASCII", _FULLWIDTH, Confidence.REPAIRED),
    ("lookalike-mapped", "tilde/slash/dot look-alike mapped", _LOOKALIKES, Confidence.REPAIRED),
)
_ANY_SPECIAL = re.compile(
    "["
    + re.escape(
        SOFT_HYPHEN
        + _INVISIBLE
        + _JOINERS
        + _SPACES
        + _NEWLINES
        + "".join(_LIGATURES)
        + "".join(_LOOKALIKES)
        + "\u3002\uff61"
    )
    + "\uff01-\uff5e]"
)

# WHATWG strips leading/trailing C0 control or space; we also strip Unicode
# white space, which document text is full of.
_EDGE_JUNK = "".join(chr(c) for c in range(0x21)) + "\x7f" + _SPACES + _NEWLINES
_PROSE_OPENERS = frozenset("([{«„“\"'")
_WS_RUN = re.compile(r"[ \t\r\n]+")
_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


def _count(text: str, chars: str) -> int:
    return sum(text.count(c) for c in chars)


def clean_chars(text: str, log: RepairLog) -> str:
    """T1-T10: delete invisible characters, map look-alikes, tidy white space."""
    if not text.isascii() and _ANY_SPECIAL.search(text):
        text = _clean_unicode(text, log)
    text = text.strip(_EDGE_JUNK)
    if "\t" in text or "\n" in text or "\r" in text or "  " in text:
        text = _WS_RUN.sub(_ws_repl(log), text)
    if "&" in text and _ENTITY.search(text):
        unescaped = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
        if unescaped != text:
            log.add("html-entity-unescaped", f"HTML entities decoded: {text!r} → {unescaped!r}")
            text = unescaped
    return text


def _ws_repl(log: RepairLog) -> Callable[[re.Match[str]], str]:
    def repl(match: re.Match[str]) -> str:
        run = match.group(0)
        if " " not in run:
            after = match.string[match.end() : match.end() + 1]
            if ("\n" in run or "\r" in run) and (after in _PROSE_OPENERS or after.isupper()):
                # A line that starts with "(Department…" or a capital begins
                # the prose after the URL, not more of it (B4).
                before = match.string[match.start() - 1 : match.start()]
                if after in _PROSE_OPENERS or before in _TRAILING:
                    return "\n"
            # Tab, CR and LF alone are dropped, as WHATWG does (PDF line ends).
            if match.start() and match.string[match.start() - 1] == "-" and "\t" not in run:
                log.alternative(match.string[: match.start() - 1] + match.string[match.end() :])
                log.add(
                    "hyphen-at-line-break",
                    "line break after '-' removed, hyphen kept; without it is the other reading",
                    Confidence.GUESS,
                )
            else:
                log.add("control-removed", "tab/line break removed", EXACT)
            return ""
        return "\n" if ("\n" in run or "\r" in run) else " "

    return repl


def _clean_unicode(text: str, log: RepairLog) -> str:
    n = text.count(SOFT_HYPHEN)
    if n:
        text = text.replace(SOFT_HYPHEN, "")
        log.add("soft-hyphen-removed", f"{n} soft hyphen(s) (U+00AD) removed", EXACT)
    invisible = _INVISIBLE if _JOINER_SCRIPTS.search(text) else _INVISIBLE + _JOINERS
    n = _count(text, invisible)
    if n:
        if _count(text, _BIDI):
            log.warn("bidi control characters in citation")
        text = text.translate({ord(c): None for c in invisible})
        log.add(
            "invisible-removed", f"{n} zero-width/format character(s) removed", Confidence.EXACT
        )
    n = _count(text, _SPACES)
    if n:
        text = text.translate({ord(c): " " for c in _SPACES})
        log.add(
            "unicode-space", f"{n} non-breaking/Unicode space(s) read as spaces", Confidence.EXACT
        )
    if _count(text, _NEWLINES):
        text = text.translate({ord(c): "\n" for c in _NEWLINES})
    for rule, what, table, confidence in _TABLES:
        n = sum(text.count(c) for c in table) if any(c in text for c in table) else 0
        if n:
            text = "".join(table.get(c, c) for c in text)
            log.add(rule, f"{n} {what}", confidence)
    return text


# --------------------------------------------------------------------------
# B1-B3: wrappers, labels and trailing punctuation


_PAIRS = {
    '"': '"',
    "'": "'",
    "“": "”",  # English
    "„": "“”",  # German/Russian low-high
    "«": "»",
    "»": "«",
    "‹": "›",
    "‘": "’",
    "‚": "‘’",
    "<": ">",
    "(": ")",
    "[": "]",
    "{": "}",
    "”": "”",
}
_CLOSERS = {
    ")": "(",
    "]": "[",
    "}": "{",
    ">": "<",
    "»": "«",
    "”": "“„",
    "’": "‘‚",
    "›": "‹",
}
_SYMMETRIC_QUOTES = "\"'"
# Real citations carry two or three wrappers at most; the cap bounds the
# work on hostile input ("((((…").
_MAX_ROUNDS = 16
_TRAILING = ".,;:!?"
_LABEL = re.compile(
    r"(?i)^(?:url|uri|link|web ?site|web|site|сайт|ссылка|адрес сайта|адрес|"
    r"e-?mail|эл\.? ?почта|электронная почта)\s*[:：]\s*"
)


def unwrap(text: str, log: RepairLog) -> str:
    """Strip wrappers (quotes, guillemets, brackets), `URL:` labels and trailing punctuation."""
    for _ in range(_MAX_ROUNDS):
        before = text
        m = _LABEL.match(text)
        if m and not text.lower().startswith(("url://", "uri://")):
            log.add("label-removed", f"label {m.group(0).strip()!r} removed", EXACT)
            text = text[m.end() :].strip()
        if text.startswith(">") and "<" not in text:
            log.add("wrapper-removed", "quotation markers '>' removed", EXACT)
            text = text.lstrip("> ")
        if len(text) >= 2 and text[0] in _PAIRS and text[-1] in _PAIRS[text[0]]:
            inner = text[1:-1]
            # "(a) (b)" is not wrapped by its first and last brackets.
            if _balanced_inside(text[0], inner):
                log.add(
                    "wrapper-removed", f"wrapping {text[0]}…{text[-1]} removed", Confidence.EXACT
                )
                text = inner.strip()
        if text and text[0] in _PAIRS and not any(c in text[1:] for c in _PAIRS[text[0]]):
            log.add("wrapper-removed", f"unmatched opening {text[0]!r} removed", EXACT)
            text = text[1:].strip()
        text = trim_trailing(text, log)
        if text == before:
            break
    return text


def _balanced_inside(opener: str, inner: str) -> bool:
    if opener in _SYMMETRIC_QUOTES:
        return opener not in inner
    closer = _PAIRS[opener]
    depth = 0
    for c in inner:
        if c == opener:
            depth += 1
        elif c in closer:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def trim_trailing(text: str, log: RepairLog) -> str:
    """B2/B3: trailing sentence punctuation and unbalanced closing brackets or quotes."""
    stripped = text.rstrip(".…")
    if text.endswith(("...", "…")) and stripped != text:
        # B8: a truncated display URL; it cannot be repaired, only flagged.
        log.warn("truncated citation (ends with an ellipsis)")
        log.add(
            "truncated",
            f"ellipsis {text[len(stripped) :]!r} removed: only the start of the URL was cited",
            Confidence.GUESS,
        )
        text = stripped.rstrip()
    # Walk back with an index and running counts: linear even for a long
    # run of brackets (the input is untrusted text).
    end = len(text)
    counts: dict[str, int] = {}

    def count(c: str) -> int:
        if c not in counts:
            counts[c] = text.count(c, 0, end)
        return counts[c]

    while end:
        c = text[end - 1]
        if c in _TRAILING:
            # A final `.` or `..` path segment is not punctuation (`/a/..`).
            if c == "." and text.endswith(("/.", "/..", "\\.", "\\.."), 0, end):
                break
        elif c == "…":
            log.warn("truncated citation (ends with an ellipsis)")
        elif c in _SYMMETRIC_QUOTES:
            if count(c) % 2 == 0:
                break
        elif c in _CLOSERS:
            if sum(count(o) for o in _CLOSERS[c]) >= count(c):
                break
        else:
            break
        if c in counts:
            counts[c] -= 1
        end -= 1
        while end and text[end - 1].isspace():
            end -= 1
    removed = text[end:].replace(" ", "")
    text = text[:end]
    if removed:
        log.add("trailing-punctuation", f"trailing {removed!r} removed", EXACT)
    return text
