"""Where a line sits in a document: its question/reply section and its list heading.

Questionnaire replies (the seed) are organised as `Question N` headings, numbered
sub-questions (`2.1.`) and `Reply to par.2.1.` headings.  A section is written
`Question 2 / Reply to par.2.1`: the question word and number, then the reply
heading, both as the document writes them (whitespace collapsed, trailing dot
dropped; Russian `Вопрос 2 / Ответ на п. 2.1` alike).  A numbered sub-question
ends the reply before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# English as in the seed, and the Russian originals of such replies (`Вопрос 2`, `Ответ на п. 2.1`)
_QUESTION = re.compile(r"^\s*(Question|Вопрос)\s+(\d{1,3})\b\.?(?:\s|$)", re.IGNORECASE)
_REPLY_TO = re.compile(
    r"^\s*((?:Repl(?:y|ies)\s+to|Ответы?\s+на)\s+"
    r"(?:(?:par|paragraph|question|п|пункт|вопрос)s?\b\.?\s*)?\d[\d.\s\-–—,andи]*?)[\s.]*$",
    re.IGNORECASE,
)
_REPLY_BARE = re.compile(r"^\s*(Repl(?:y|ies)|Ответы?)\s*(?:[:–—-]|$)", re.IGNORECASE)
_SUBQUESTION = re.compile(r"^\s*(\d{1,3})\.\d{1,3}\.?\s+\S")
_REGION = re.compile(
    r"\b(?:region|oblast|krai|kray|republic|okrug|territory|область|края?|республика|округ)\b",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_FUNCTION_WORDS = frozenset(
    {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}
)


def collapse(text: str) -> str:
    """Collapse runs of whitespace (PDF text is full of them)."""
    return _SPACES.sub(" ", text).strip()


def sections(lines: Sequence[str]) -> list[str | None]:
    """The section of every line (same length as `lines`)."""
    out: list[str | None] = []
    question: str | None = None  # "Question 2", in the document's language
    number: str | None = None
    reply: str | None = None
    current: str | None = None
    for line in lines:
        if line and (line[0].isspace() or line[0] in "QqRrВвОо" or line[0].isdigit()):
            changed = True
            if m := _QUESTION.match(line):
                question, number, reply = (
                    f"{m.group(1).capitalize()} {m.group(2)}",
                    m.group(2),
                    None,
                )
            elif m := _REPLY_TO.match(line):
                reply = collapse(m.group(1)).rstrip(".,")
            elif m := _REPLY_BARE.match(line):
                reply = m.group(1)
            elif (m := _SUBQUESTION.match(line)) and m.group(1) == number:
                reply = None
            else:
                changed = False
            if changed:
                current = _format(question, reply)
        out.append(current)
    return out


def _format(question: str | None, reply: str | None) -> str | None:
    parts = [p for p in (question, reply) if p]
    return " / ".join(parts) or None


def is_structural(line: str) -> bool:
    """A question, reply or sub-question heading."""
    return bool(_QUESTION.match(line) or _REPLY_TO.match(line) or _REPLY_BARE.match(line))


def is_heading(line: str) -> bool:
    """A short label line such as `Voronezh region` or `Examples of projects:`."""
    if len(line) > 200:
        return False
    s = collapse(line)
    if not s or len(s) > 60 or not (s[0].isupper() or s[0] in '"«“'):
        return False
    if s[-1] in ".,;?!)" or is_structural(s) or _SUBQUESTION.match(s):
        return False
    words = s.split()
    # `"Sisters" -Regional Public Organization of` is a wrapped line, not a heading
    return 1 <= len(words) <= 6 and words[-1].lower() not in _FUNCTION_WORDS


def is_region(heading: str) -> bool:
    return bool(_REGION.search(heading))


@dataclass(frozen=True, slots=True)
class Listing:
    """The heading a listed address sits under, and the region among its headings."""

    label: str | None
    region: str | None


def listing(
    lines: Sequence[str], index: int, starts_with_address: Callable[[int], bool]
) -> Listing:
    """Look up from a line that starts with an address for the heading of its list.

    A list is headings, then address lines, possibly with the wrapped tail of a
    parenthetical description (`Region), `).  Headings stacked directly above
    each other belong to the same list (`Examples of resources` / `Voronezh region`).
    """
    label: str | None = None
    region: str | None = None
    i = index - 1
    budget = 40
    while i >= 0 and budget > 0:
        budget -= 1
        s = lines[i].strip() if len(lines[i]) <= 400 else "(a long line)"
        i -= 1
        if not s:
            continue
        if starts_with_address(i + 1):
            if label is not None:
                break
            continue
        if is_heading(s):
            heading = collapse(s).rstrip(":")
            if label is None:
                label = heading
            if region is None and is_region(heading):
                region = heading
            continue
        if label is None and _is_description_tail(s):
            continue
        break
    return Listing(label, region)


def _is_description_tail(s: str) -> bool:
    # `Region), ` or `Development of Children"), `: the end of a parenthetical
    # description that began on an address line above.
    return len(s.split()) <= 8 and s.rstrip().rstrip(".,;").endswith(")")
