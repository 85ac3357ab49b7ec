"""`--names`: organisations, projects and databases a document names without an address.

These are proposals for a human to confirm (the registry marks them
`candidate`), so the patterns favour precision: a quoted name next to a kind
word (`the "Key" foundation`, `project with the "Road to Home"`), or an
acronym before one (`the RUDN university`, `the ICSE database`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from audit import urls
from audit.extract import sections
from audit.extract.scan import scan
from audit.models import Location

_KINDS = {
    "foundation": "foundation",
    "fund": "foundation",
    "project": "project",
    "programme": "project",
    "program": "project",
    "centre": "organisation",
    "center": "organisation",
    "organization": "organisation",
    "organisation": "organisation",
    "partnership": "organisation",
    "association": "organisation",
    "institution": "organisation",
    "institute": "organisation",
    "university": "university",
    "shelter": "service",
    "service": "service",
    "hotline": "service",
    "helpline": "service",
    "database": "database",
    "portal": "portal",
    "site": "portal",
    "website": "portal",
    "department": "government",
    "agency": "government",
}
# Russian kind words by stem (they decline: `фонд`, `фонда`, `фондом`)
_RU_STEMS = {
    "фонд": "foundation",
    "проект": "project",
    "программ": "project",
    "центр": "organisation",
    "организаци": "organisation",
    "учреждени": "organisation",
    "ассоциаци": "organisation",
    "университет": "university",
    "приют": "service",
    "служб": "service",
    "портал": "portal",
    "сайт": "portal",
}
_KIND_WORD = "|".join(
    [*sorted(_KINDS, key=len, reverse=True), *(f"{stem}[а-я]*" for stem in _RU_STEMS)]
)
_OPEN_Q = '"“«„'
_CLOSE_Q = '"”»“'
# a quoted name: no brackets, addresses or sentence ends inside; may wrap lines, and
# may hold one level of guillemets (`«Центр «Сёстры»»`)
_NAME_CHAR = rf"(?:[^{_OPEN_Q}{_CLOSE_Q}()\[\];:]|«[^«»]{{1,60}}»)"
_QUOTED = rf"[{_OPEN_Q}]\s*(?P<name>{_NAME_CHAR}{{1,80}}?)\s*[{_CLOSE_Q}]"
_PATTERNS = (
    # `the "Key" foundation`, `"K" department`
    re.compile(rf"{_QUOTED}\s+(?P<kind>{_KIND_WORD})\b", re.IGNORECASE),
    # `project with the "Road to Home"`, `institution "Social shelter for children Transit"`
    re.compile(rf"\b(?P<kind>{_KIND_WORD})\s*(?:(?:with|of)\s+the\s+)?{_QUOTED}", re.IGNORECASE),
    # `the RUDN university`, `the ICSE database`, `(ICSE) image database`
    re.compile(
        rf"\b(?P<acronym>[A-Z][A-Z0-9]{{1,9}})\)?\s+(?:image\s+|data\s+)?(?P<kind>{_KIND_WORD})\b"
    ),
)
_REGION_AFTER = re.compile(
    r"\s+in\s+(?:the\s+)?(?:city\s+of\s+|town\s+of\s+)?"
    r"(?P<place>[A-Z][\w\-]+(?:\s+(?:region|oblast|krai|republic|district)\b|\s+[A-Z][\w\-]+)?)"
    r"|\s+в\s+(?:г(?:ороде)?\.?\s*)?"
    r"(?P<place_ru>[А-ЯЁ][а-яё\-]+(?:\s+(?:области|крае|республике|районе|округе)\b)?)"
)
_NEARBY = 200  # characters after a name in which a written address is "its" address


def _kind(word: str) -> str:
    lowered = word.lower()
    if lowered in _KINDS:
        return _KINDS[lowered]
    return next(kind for stem, kind in _RU_STEMS.items() if lowered.startswith(stem))


def _place(m: re.Match[str] | None) -> str | None:
    if m is None:
        return None
    return sections.collapse(m.group("place") or m.group("place_ru"))


@dataclass(frozen=True, slots=True)
class NamedCandidate:
    """An organisation, project or database named in a document, proposed as a resource."""

    name: str
    kind: str  # guess: foundation, project, organisation, university, service, database, ...
    region: str | None
    source: str
    location: Location
    section: str | None
    snippet: str  # the words around the name, for the human who confirms it
    nearby_url: str | None = None  # an address written right after it, if any


def extract_names(text: str, source: str, page: int | None = None) -> list[NamedCandidate]:
    """Named resources in document order, one per name (its first mention)."""
    # (where the name starts, pattern rank, match start, match end, name, kind)
    hits: list[tuple[int, int, int, int, str, str]] = []
    for rank, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            word = m.group("kind")
            kind = _kind(word)
            if rank == 2:
                name, at = f"{m.group('acronym')} {word.lower()}", m.start("acronym")
            else:
                name, at = sections.collapse(m.group("name")), m.start("name")
                if rank == 0:  # the kind word is part of the name: `"Key" foundation`
                    name = f'"{name}" {word}'
            if name and not name[:1].isdigit():
                hits.append((at, rank, m.start(), m.end(), name, kind))
    if not hits:
        return []
    hits.sort()
    spans = [(s.start, s.raw) for s in scan(text, urls.is_domain_like)]
    span_starts = [start for start, _ in spans]
    line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
    lines = text.split("\n")
    secs = sections.sections(lines)
    out: list[NamedCandidate] = []
    seen: set[str] = set()
    taken: set[int] = set()  # name positions already proposed (by a better pattern)
    for at, _, start, end, name, kind in hits:
        folded = name.casefold()
        if folded in seen or at in taken:
            continue
        seen.add(folded)
        taken.add(at)
        index = bisect.bisect_right(line_starts, start) - 1
        region_match = _REGION_AFTER.match(text, end)
        i = bisect.bisect_left(span_starts, end)
        nearby = spans[i][1] if i < len(spans) and spans[i][0] - end <= _NEARBY else None
        out.append(
            NamedCandidate(
                name=name,
                kind=kind,
                region=_place(region_match),
                source=source,
                location=Location(page, index + 1),
                section=secs[index],
                snippet=sections.collapse(text[max(0, start - 60) : end + 60]),
                nearby_url=nearby,
            )
        )
    return out
