"""Scheme repairs (docs/url-repair.md §2.3, rules S2-S9).

`urlsplit('http: www.viro.edu.ru')` yields an empty host, and no URL
library repairs `http//`, `http;//` or doubled schemes, so the scheme and its
separator are recognised here with a permissive pattern and rewritten to
`scheme://` before anything parses the string.
"""

from __future__ import annotations

import re

from audit.models import Confidence

from ._log import RepairLog

WEB_SCHEMES = frozenset({"http", "https"})

# Firefox URIFixup's typo table, plus doubled and dropped letters seen in
# documents.  Only applied when the separator has `//`.
_TYPOS = {
    "htp": "http",
    "ttp": "http",
    "htttp": "http",
    "hhtp": "http",
    "htpp": "http",
    "httpp": "http",
    "hhttp": "http",
    "hyyp": "http",
    "hppt": "http",
    "htpt": "http",
    "hptt": "http",
    "hppts": "https",
    "htpts": "https",
    "ttps": "https",
    "tps": "https",
    "ps": "https",
    "htps": "https",
    "htttps": "https",
    "hhtps": "https",
    "httpss": "https",
    "htpps": "https",
    "hhttps": "https",
}
# S6: "defanged" schemes of threat reports.
_DEFANGED = {"hxxp": "http", "hxxps": "https", "hxtp": "http", "hxtps": "https", "hxp": "http"}

_WORD_SEP = re.compile(
    r"(?P<word>[A-Za-z]{2,8})"
    r"(?P<sep>[ \n]*(?:[:;]{2,3}[ \n]*[/\\]{1,4}|[:;][ \n]*[/\\]{0,4}|\.?[/\\]{2,4})[ \n]*)"
)
_DEFANG_MARKS = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\[:\]|\[://\]", re.IGNORECASE)
_DEFANG_MAP = {"[.]": ".", "(.)": ".", "{.}": ".", "[dot]": ".", "(dot)": ".", "[:]": ":"}

# S10: schemes that are not fetched over HTTP but are real references.
OTHER_SCHEMES = frozenset(
    {
        "ftp",
        "ftps",
        "sftp",
        "file",
        "ws",
        "wss",
        "mailto",
        "tel",
        "sms",
        "fax",
        "news",
        "nntp",
        "irc",
        "ircs",
        "git",
        "ssh",
        "svn",
        "urn",
        "doi",
        "data",
        "about",
        "blob",
        "magnet",
        "xmpp",
        "skype",
        "geo",
        "ldap",
        "ldaps",
        "telnet",
        "gopher",
        "rtsp",
        "rtmp",
        "mms",
        "webcal",
        "feed",
        "sip",
        "sips",
        "callto",
        "bitcoin",
        "tg",
        "viber",
        "whatsapp",
        "market",
        "intent",
        "chrome",
        "view-source",
    }
)
# Never a resource to check: executable pseudo-URLs.
REFUSED_SCHEMES = frozenset({"javascript", "vbscript", "livescript"})
# Special schemes in the WHATWG sense (they have a host), besides http(s).
SPECIAL_OTHER = frozenset({"ftp", "ws", "wss"})

_GENERIC = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,31}):")


def refang(text: str, log: RepairLog) -> str:
    """S6: undo `[.]`, `(.)`, `[dot]` and `[:]` defanging (the scheme is done in `split_web`)."""
    if "[" not in text and "(" not in text and "{" not in text:
        return text
    fanged = _DEFANG_MARKS.sub(lambda m: _DEFANG_MAP.get(m.group(0).lower(), "://"), text)
    if fanged != text:
        log.add("refanged", f"defanged notation undone: {text!r} → {fanged!r}")
        log.warn("refanged: do not fetch blindly")
    return fanged


def _damerau1(a: str, b: str) -> bool:
    """True if a and b are at Damerau-Levenshtein distance exactly 1."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def split_web(text: str, log: RepairLog) -> tuple[str, str] | None:
    """Recognise an http(s) scheme however mangled; return (scheme, rest after `://`)."""
    found = _match_web(text)
    if found is None:
        return None
    scheme, rest = _log_match(text, found, log)
    # S7: doubled or nested scheme at the very start (`http://http://x.ru`):
    # keep the innermost.  Wayback's `/web/<ts>/http://` is never at the start.
    while True:
        inner = _match_web(rest)
        # Only an unmistakable inner scheme (`http//`, `htp://`), not a host
        # that happens to start like one (`http://htp//`).
        if inner is None or "//" not in inner[2].replace("\\", "/"):
            return scheme, rest
        if ":" not in inner[2] and inner[0] != inner[1].lower():
            return scheme, rest
        if len(inner[1]) + len(inner[2]) == len(rest):
            return scheme, rest  # nothing after the inner scheme: it is the host
        log.add("scheme-doubled", f"doubled scheme {text[: len(text) - len(rest)]!r} dropped")
        text = rest
        scheme, rest = _log_match(rest, inner, log)


def _match_web(text: str) -> tuple[str, str, str, Confidence | None, str] | None:
    """(scheme, word, separator, typo confidence or None, rule) for a web scheme at the start."""
    m = _WORD_SEP.match(text)
    if m is None:
        return None
    word, sep = m.group("word"), m.group("sep")
    low = word.lower()
    slashed = "//" in sep.replace("\\", "/")
    if low in WEB_SCHEMES:
        return low, word, sep, None, ""
    if low in _DEFANGED:
        return _DEFANGED[low], word, sep, Confidence.REPAIRED, "refanged"
    if not slashed:
        return None
    if low in _TYPOS:
        return _TYPOS[low], word, sep, Confidence.REPAIRED, "scheme-typo"
    if ":" in sep and len(low) >= 3:
        for target in ("http", "https"):
            if _damerau1(low, target) and low not in OTHER_SCHEMES:
                return target, word, sep, Confidence.GUESS, "scheme-typo"
    return None


def _log_match(
    text: str, found: tuple[str, str, str, Confidence | None, str], log: RepairLog
) -> tuple[str, str]:
    scheme, word, sep, typo, rule = found
    rest = text[len(word) + len(sep) :]
    if typo is not None:
        log.add(rule, f"scheme {word!r} read as {scheme!r}", typo)
        if rule == "refanged":
            log.warn("refanged: do not fetch blindly")
    elif word != scheme:
        log.add("scheme-lowercased", f"scheme {word!r} lower-cased", Confidence.EXACT)
    core = sep.replace(" ", "").replace("\n", "")
    if core != sep:
        log.add("space-after-scheme", f"{word + sep!r} read as {scheme + '://'!r}")
    if core == "://" or (core != sep and core == ":"):
        pass  # S2 `http: www.x.ru` is fully explained by space-after-scheme
    elif core.replace("\\", "/") == "//" or core == ".//":
        log.add("scheme-colon-missing", f"{word + core!r} read as {scheme + '://'!r}")
    elif core[0] == ";" or core.startswith("::") or core[0] == ".":
        log.add("scheme-separator-fixed", f"{word + core!r} read as {scheme + '://'!r}")
    else:
        log.add("scheme-slashes-fixed", f"{word + core!r} read as {scheme + '://'!r}")
    return scheme, rest


def generic_scheme(text: str) -> str | None:
    """The lower-cased scheme of `text` if it starts with a known non-web or refused one."""
    m = _GENERIC.match(text)
    if m is None:
        return None
    scheme = m.group(1).lower()
    if scheme in OTHER_SCHEMES or scheme in REFUSED_SCHEMES:
        return scheme
    # An unknown scheme is accepted only in its `scheme://` form, and never
    # when it is really `host:port` (`www.x.ru:8080/`).
    after = text[m.end() :]
    if after.startswith("//") and "." not in scheme:
        return scheme
    return None
