"""The organisation or description a document gives for a cited address.

Patterns, most specific first (all seen in the seed):

* `http://36edu.ru/ (Department of Education, ...)`: a parenthetical right after it;
* `... institution "Social shelter for children Transit" (https://shelter-tranzit.ru/)`:
  a quoted name right before it;
* `"Sisters" -Regional Public Organization ... http://sisters-help.ru/about.html`:
  the sentence fragment before it, when it reads like a name (short, with
  proper nouns or quotes), not like prose (`links to the examples`).
"""

from __future__ import annotations

import re

from audit.extract.sections import collapse, is_heading, is_structural

_MAX_BACK = 600  # characters looked at before an address
_QUOTED_END = re.compile(r"[\"“«]\s*([^\"“”«»]{2,100}?)\s*[\"”»]$")
_LEADING = re.compile(
    r"^(?:see(?: also)?|e\.\s?g\.|for example|for instance|examples?(?: of)?|such as|at|on"
    r"|см\.|например|в том числе)[,:]?\s+",
    re.IGNORECASE,
)
_PUNCT_SPACE = re.compile(r"[.?!;:]\s+")
_CLOSERS = frozenset(')"”»')
_DASHED = re.compile(r"[ \t\u00a0]+[–—-][ \t\u00a0]+([^\n.;()]{3,200}?)[ \t\u00a0]*(?:[.;]|\n|$)")
# `(accessed 12.03.2020)`, `(дата обращения: ...)`, `(in Russian)`: about the link, not a name
_BIBLIOGRAPHIC = re.compile(
    r"(?:(?:accessed|retrieved|visited|last accessed|last visited|date of|дата|на русском)\b"
    r"|in [A-Z][a-z]+$|\d)",
    re.IGNORECASE,
)
_ADDRESSY = re.compile(r"https?:|www\.|://", re.IGNORECASE)


def describe(text: str, start: int, end: int) -> str | None:
    """The description given for the address at `text[start:end]`, or None."""
    after = _parenthetical_after(text, end) or _dash_after(text, end)
    if after is not None and _descriptive(after) and not _BIBLIOGRAPHIC.match(after):
        return after
    opening = _enclosing_paren(text, start)
    if opening is not None:
        inner = collapse(text[opening + 1 : start])
        if inner:
            return _name_in(inner)
        return _name_in(_fragment_before(text, opening))
    return _name_in(_fragment_before(text, start))


def _parenthetical_after(text: str, end: int) -> str | None:
    i = end
    while i < len(text) and text[i] in " \t\u00a0":
        i += 1
    if i >= len(text) or text[i] != "(":
        return None
    depth = 0
    for j in range(i, min(len(text), i + _MAX_BACK)):
        ch = text[j]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                inner = collapse(text[i + 1 : j])
                return None if _ADDRESSY.search(inner) else inner
    return None


def _dash_after(text: str, end: int) -> str | None:
    """`www.x.ru – the Ministry of Education`: a dash and a description on the same line."""
    m = _DASHED.match(text, end)
    return None if m is None or _ADDRESSY.search(m.group(1)) else collapse(m.group(1))


def _enclosing_paren(text: str, start: int) -> int | None:
    """The `(` that opens a parenthesis around `start` on the same or the line before."""
    floor = max(0, start - _MAX_BACK)
    if text.rfind("(", floor, start) < 0:
        return None  # the usual case, decided at C speed
    depth = 0
    newlines = 0
    for i in range(start - 1, floor - 1, -1):
        ch = text[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                return i
            depth -= 1
        elif ch == "\n":
            newlines += 1
            if newlines > 3:
                return None
        elif ch in ".;" and depth == 0 and i + 1 < len(text) and text[i + 1].isspace():
            return None
    return None


def _fragment_before(text: str, pos: int) -> str:
    """The sentence text before `pos`, not crossing headings, addresses or sentence ends."""
    floor = max(0, pos - _MAX_BACK)
    line_start = text.rfind("\n", floor, pos) + 1 or floor
    parts = [text[line_start:pos]]
    cursor = line_start - 1
    while cursor > 0 and pos - cursor < _MAX_BACK:
        prev_start = text.rfind("\n", floor, cursor) + 1 or floor
        line = text[prev_start:cursor]
        cursor = prev_start - 1
        s = line.strip()
        if not s:
            continue  # PDF text puts empty lines inside paragraphs
        # cheapest first: in a link list the line above is an address
        if s[-1] in ".;:?!" or _ADDRESSY.search(s) or is_heading(s) or is_structural(s):
            break
        parts.append(line)
    fragment = collapse(" ".join(reversed(parts)))
    return fragment[_last_boundary(fragment) :]


def _last_boundary(fragment: str) -> int:
    """Where the last sentence of `fragment` starts.

    A sentence ends at `. ; ? !` after a word of four or more letters (so `St.`,
    `No.`, `art.` do not end one), after a closing bracket or quote, or at a colon.
    """
    for m in reversed(list(_PUNCT_SPACE.finditer(fragment))):
        i = m.start()
        before = fragment[max(0, i - 4) : i]
        if (
            fragment[i] == ":"
            or (fragment[i] in ".;" and before[-1:] in _CLOSERS)
            or (len(before) == 4 and all(ch.isalnum() or ch == "_" for ch in before))
        ):
            return m.end()
    return 0


def _name_in(fragment: str) -> str | None:
    fragment = fragment.strip(" -–—,:(")
    if not fragment:
        return None
    quoted = _QUOTED_END.search(fragment)
    if quoted:
        return quoted.group(1).strip()
    fragment = _LEADING.sub("", fragment)
    return fragment if _descriptive(fragment) else None


def _descriptive(s: str) -> bool:
    """Reads like a name or a description, not like running prose."""
    words = s.split()
    if not 1 <= len(words) <= 25 or len(s) > 250:
        return False
    return any(ch in '"“«' for ch in s) or any(w[:1].isupper() for w in words[1:]) or s.isupper()
