"""Line joins: is the next line the rest of an address broken at a line end?

A join is a decision between two readings, taken on the evidence the text
gives: a break character (`/ ? & = - _ % #`) or a dot inside an unfinished
host, what the next line starts with (a reference label `[HZRS15]`, a bracket,
a page number or a bullet never continue an address), the Public Suffix List
(`https://www.` + `who.int/...`: `www` is no host, `www.who.int` is), and for a
hyphen at a line end, whether the document writes the word elsewhere with or
without it (`ki67coun-` + `ter` is `ki67counter` where it is written on one
line).  The reading not taken is kept as an alternative, with a lower confidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from audit.models import Confidence, Repair

DomainTest = Callable[[str], bool]
Trim = Callable[[str], str]

JOIN_AFTER = frozenset("/?&=-_%#")
_TRAIL = frozenset(".,;:!?…*|")
_REJOINABLE = _TRAIL | JOIN_AFTER | frozenset("\"'’")
# A continuation line must consist of URL characters only.
_URLISH = re.compile(r"[\w\-._~:/?#\[\]@!$&'()*+,;=%\u00ad]+")
_WORD = re.compile(r"[^\W\d_]+")
_OPENERS = tuple("[({<\"'«“")
_HOSTISH = re.compile(r"[^\W_][\w\-.]*")
_PORT = re.compile(r"\d{1,5}(?=[/?#]|$)")
_ESCAPE_END = re.compile(r"%[0-9A-Fa-f]{2}$")
_HEX_END = re.compile(r"[0-9A-Fa-f]{8,}$")
_HEX_START = re.compile(r"[0-9A-Fa-f]{5,}")
_PATH_MARKS = re.compile(r"[/=&]")
_AUTHORITY_END = re.compile(r"[/?#]")
_WORD_END = re.compile(r"[^\W_]+$")
_WORD_START = re.compile(r"[^\W_]+")
_DIGIT_OR_DOT = re.compile(r"[\d.]")
_FILE_EXTS = frozenset(
    {"pdf", "htm", "html", "php", "asp", "aspx", "jsp", "png", "jpg", "jpeg", "gif", "svg",
     "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "xml", "zip", "csv", "cfm", "shtml"}
)  # fmt: skip
_SPACES = " \t\u00a0\r"
_NON_SPACE = re.compile(r"\S{0,8192}")
_NUMBERED_END = re.compile(r"\d\.$")
_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)+\.?")
_FOLIO = re.compile(r"[ \t]*(?:\d{1,4}[ \t]*)?\n")


@dataclass(frozen=True, slots=True)
class Join:
    """Text removed to join two lines, and the other reading's removal (or None)."""

    at: int
    length: int
    repair: Repair
    other: tuple[int, int] | None = None  # None: the unjoined reading is the other one


def next_join(
    text: str,
    start: int,
    end: int,
    candidate: str,
    *,
    host_phase: bool,
    is_domain: DomainTest,
    trim: Trim,
    anchor_at: Callable[[int], str | None],
) -> tuple[Join, int] | None:
    """The join of the line after the address `text[start:end]` (`candidate` once
    joined so far), and the new end; None when the next line does not continue it."""
    untrimmed = _NON_SPACE.match(text, end).end()  # type: ignore[union-attr]
    tail = text[end:untrimmed]
    if not _REJOINABLE.issuperset(tail):
        return None  # a glued second address or an unbalanced bracket, not a break
    nl = untrimmed
    while nl < len(text) and text[nl] in _SPACES:
        nl += 1
    if nl >= len(text) or text[nl] not in "\n\f":  # a page break ends a line too
        return None
    if text[nl] == "\f":
        # a page break, maybe with the next page's number on its first line
        folio = _FOLIO.match(text, nl + 1)
        if folio is not None:
            nl = folio.end() - 1
    pos = nl + 1
    probe = pos  # PDF text often puts one empty line between wrapped lines
    while probe < len(text) and text[probe] in _SPACES:
        probe += 1
    if probe < len(text) and text[probe] == "\n":
        pos = probe + 1
    while pos < len(text) and text[pos] in " \t\u00a0":
        pos += 1
    token_end = _NON_SPACE.match(text, pos).end()  # type: ignore[union-attr]
    if token_end - pos < 2 and not text[pos : pos + 1].isalnum():
        return None  # a bullet, a dash or nothing: never the rest of an address
    token = trim(text[pos:token_end])
    if not token or not _URLISH.fullmatch(token) or token.startswith(_OPENERS):
        return None
    line_end = text.find("\n", pos)
    rest = text[pos + len(token) : line_end if line_end >= 0 else len(text)].strip()
    last = text[untrimmed - 1] if untrimmed > start else ""
    head = candidate + tail
    host, has_path = _authority(head)

    anchor = anchor_at(pos)  # "address", "host" (a valid one) or None
    decision: Repair | Join | None = None
    if last == "." and tail == ".":
        if not has_path:
            decision = _after_dot_host(host, token, is_domain)
        elif anchor is None:
            decision = _after_dot_path(head, token)
    elif host_phase:
        if last == "-" and not has_path and token[0].isalnum() and anchor != "address":
            decision = _after_hyphen(text, head, token, untrimmed)
    elif last == ":" and tail == ":" and not has_path and _PORT.match(token):
        decision = Repair("line-break-joined", "joined a port broken after ':' at a line end")
    elif last in JOIN_AFTER and _continues(token, rest, anchor is not None):
        if last == "-":
            decision = _after_hyphen(text, head, token, untrimmed)
        else:
            decision = Repair(
                "line-break-joined", f"joined a URL broken across lines after {last!r}"
            )
    elif not tail and anchor is None:
        decision = _without_break(head, host, has_path, token, is_domain)
    if decision is None:
        return None
    if isinstance(decision, Join):
        join = Join(decision.at, pos - decision.at, decision.repair, decision.other)
        if decision.other is not None:
            at, _ = decision.other
            join = Join(decision.at, pos - decision.at, decision.repair, (at, pos - at))
        return join, pos + len(token)
    return Join(untrimmed, pos - untrimmed, decision), pos + len(token)


def _authority(s: str) -> tuple[str, bool]:
    """The host of `s` (scheme and userinfo dropped) and whether a path follows it."""
    rest = s.split("://", 1)[1] if "://" in s else s.lstrip("/")
    m = _AUTHORITY_END.search(rest)
    authority = rest[: m.start()] if m else rest
    host = authority.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    return host, m is not None


def _after_dot_host(host: str, token: str, is_domain: DomainTest) -> Repair | None:
    """`https://www.` / `who.int/...`: the joined host must be a domain, and it is the
    better reading when the first part is none, or the next line starts with one label."""
    if not token[0].isalnum():
        return None
    m = _HOSTISH.match(token)
    if m is None:
        return None
    nxt = m.group(0).rstrip(".")
    joined = f"{host}.{nxt}".lower()
    if not is_domain(joined):
        return None
    if is_domain(host.lower()):
        # `see www.x.com.` / `It is`, `in the`: a complete host ends a sentence, unless
        # the next line is one lower-case label and a path (`extranet.who.` / `int/pq...`)
        after = token[len(m.group(0)) : len(m.group(0)) + 1]
        if "." in nxt or not nxt.islower() or after not in ("/", "?", "#", ":"):
            return None
    confidence = Confidence.REPAIRED if not is_domain(host.lower()) else Confidence.GUESS
    return Repair("line-break-joined", "joined a host broken after '.'", confidence)


def _after_dot_path(head: str, token: str) -> Repair | None:
    """`.../File:Tricoloring.` / `png`, `doi.org/10.` / `1104/pp.15`: a sentence does
    not go on with a file extension or a path."""
    if not token[0].isalnum() or token[0].isupper() or _SECTION_NUMBER.fullmatch(token):
        return None  # a sentence, or a section number (`8.3`) starting the next line
    # `spo.1987.` / `025` (a footnote mark is one or two digits)
    numbered = token.isdigit() and len(token) >= 3 and _NUMBERED_END.search(head) is not None
    if numbered or token.lower() in _FILE_EXTS or any(ch in token for ch in "./#?=&_%"):
        return Repair("line-break-joined", "joined a URL path broken after '.'", Confidence.GUESS)
    return None


def _after_hyphen(text: str, head: str, token: str, untrimmed: int) -> Join:
    """A hyphen at a line end: a real one (kept) or a typesetting one (dropped).
    The document decides where it writes the word on one line; else it is kept."""
    left = _WORD_END.search(head[:-1])
    right = _WORD_START.match(token)
    drop = False
    if left and right:
        plain = left.group(0) + right.group(0)
        hyphenated = f"{left.group(0)}-{right.group(0)}"
        drop = plain in text and hyphenated not in text
    if drop:
        repair = Repair(
            "line-break-hyphen",
            "joined a URL broken after a typesetting hyphen (the document writes the word "
            "without it); the hyphen was removed",
            Confidence.GUESS,
        )
        return Join(untrimmed - 1, 0, repair, other=(untrimmed, 0))
    repair = Repair(
        "line-break-hyphen",
        "joined a URL broken after a hyphen at a line end; the hyphen was kept "
        "(it may be a typesetting hyphen, RFC 3986 App. C)",
        Confidence.GUESS,
    )
    return Join(untrimmed, 0, repair, other=(untrimmed - 1, 0))


def _continues(token: str, rest: str, new: bool) -> bool:
    if new:
        return False  # the next line starts a new address
    if token.isdigit() and len(token) <= 4 and not rest:
        return False  # a page number
    if not any(ch.isalnum() for ch in token):
        return False  # a bullet or a dash
    # A plain word continues a URL only if it stands alone on its line.
    return not _WORD.fullmatch(token) or not rest or all(ch in _TRAIL or ch in ")]}" for ch in rest)


def _without_break(
    head: str, host: str, has_path: bool, token: str, is_domain: DomainTest
) -> Repair | None:
    """No break character: join only on strong evidence that the address goes on."""
    why = None
    if token[0] in "._" and len(token) > 1 and token[1].isalnum():
        why = f"the next line starts with {token[0]!r}"  # no sentence starts so
    elif not has_path and token[0] == "/" and len(token) > 1 and is_domain(host.lower()):
        why = "the path starts the next line"  # `github.com` / `/mozilla/pdf.js`
    elif _ESCAPE_END.search(head):
        why = "an address does not end with an escape"  # `INFORMATIVO%20` / `DAKLINZA...`
    elif not has_path and not is_domain(host.lower()):
        m = _HOSTISH.match(token)
        if m and is_domain(f"{host}{m.group(0)}".rstrip(".").lower()):
            why = "the host is completed by the next line"  # `github.c` / `om/...`
    elif has_path and _PATH_MARKS.search(token) and _DIGIT_OR_DOT.search(token):
        why = "the next line goes on with a path"  # `.../article/00` / `003/c-g/...`
    elif _HEX_END.search(head) and _HEX_START.match(token):
        why = "a long identifier goes on"
    if why is None:
        return None
    return Repair("line-break-joined", f"joined a URL broken across lines: {why}", Confidence.GUESS)
