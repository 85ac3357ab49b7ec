"""IDNA per label (url-repair.md §3.3): IDNA 2008 + UTS 46 with the `idna` package.

Never Python's built-in "idna" codec, which is IDNA 2003 (`ß` → `ss`, spaces
accepted).  Where the idna package is stricter than the URL Standard, the
browser's reading is kept and flagged (`_lenient`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import idna

# WHATWG forbidden domain code points (plus white space of any kind).
FORBIDDEN = re.compile(r"[\x00-\x20\x7f#/:<>?@\[\\\]^|%\s]")


class LabelError(ValueError):
    """A label that cannot be converted to an A-label."""


_HYPHENS_WARNING = "label with hyphens browsers accept but IDNA 2008 does not"
_SYMBOLS_WARNING = "label with symbols browsers accept but IDNA 2008 does not"


@lru_cache(maxsize=65536)
def label_to_ascii(label: str) -> tuple[str, str | None]:
    """(A-label, warning or None) for one non-ASCII label; raises LabelError.

    IDNA 2008 with UTS 46 mapping first.  Two refusals of the idna package
    are relaxed the way the URL Standard relaxes them (what a reader's browser
    requests): hyphens (CheckHyphens=false), label length (VerifyDnsLength=
    false; flagged separately) and symbols that UTS 46 keeps but IDNA 2008
    disallows (`☃`, `♥`, `≠`; kjd/idna#40).  Hyphens and symbols are flagged.
    """
    try:
        return idna.encode(label, uts46=True).decode("ascii"), None
    except idna.IDNAError as exc:
        message = str(exc)
        if label[:4].lower() == "xn--":
            raise LabelError(message) from exc
        relaxed = "hyphen" in message or "too long" in message.lower()
        if not relaxed and type(exc) is not idna.InvalidCodepoint:
            raise LabelError(message) from exc
    return _lenient(label)


def _lenient(label: str) -> tuple[str, str | None]:
    try:
        # UTS 46 mapping and validity: raises for what UTS 46 disallows.
        mapped = idna.uts46_remap(label, std3_rules=False, transitional=False)
        hyphens = mapped[:1] == "-" or mapped[-1:] == "-" or mapped[2:4] == "--"
        warning = _HYPHENS_WARNING if hyphens else None
        try:
            # Everything but the hyphens (and length: VerifyDnsLength=false)
            # must pass IDNA 2008 ...
            idna.check_label(mapped.replace("-", "a"))
        except idna.InvalidCodepoint:
            # ... or be a symbol UTS 46 keeps (checked below as browsers do).
            warning = _SYMBOLS_WARNING
        if not mapped or unicodedata.category(mapped[0]).startswith("M"):
            raise LabelError(f"label {label!r} starts with a combining mark")
        elif "\u200c" in mapped or "\u200d" in mapped:
            raise LabelError(f"joiner in label {label!r}")
        elif FORBIDDEN.search(mapped) or "." in mapped:  # `⩴` maps to `::=`
            raise LabelError(f"label {label!r} maps to forbidden characters {mapped!r}")
        else:
            idna.check_bidi(mapped)
    except idna.IDNAError as exc:
        raise LabelError(str(exc)) from exc
    # Punycode (RFC 3492) of the mapped label: the plain codec, not IDNA 2003.
    if mapped.isascii():
        return mapped, warning
    return "xn--" + mapped.encode("punycode").decode("ascii"), warning


@lru_cache(maxsize=65536)
def label_to_unicode(label: str) -> str | None:
    """The U-label for an A-label, or None if it is not valid Punycode/IDNA."""
    try:
        return idna.decode(label)
    except (idna.IDNAError, UnicodeError):
        return None


def bidi_domain(host: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL", "AN") for c in host if not c.isascii())


def scripts(label: str) -> set[str]:
    if label.isascii():  # the usual case, decided at C speed: a letter or none
        return {"Latin"} if label.lower() != label.upper() else set()
    found: set[str] = set()
    for c in label:
        o = ord(c)
        if c.isascii():
            if c.isalpha():
                found.add("Latin")
        elif 0x400 <= o <= 0x52F:
            found.add("Cyrillic")
        elif 0x370 <= o <= 0x3FF:
            found.add("Greek")
        elif 0xC0 <= o <= 0x24F:
            found.add("Latin")
    return found
