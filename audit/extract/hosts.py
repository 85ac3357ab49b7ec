"""Is a host-shaped token in text a host?  The Public Suffix List first, then the
evidence the text gives: how the name is written, what else the document writes
with the same first label, an e-mail address broken before it."""

from __future__ import annotations

import re
from collections.abc import Callable

DomainTest = Callable[[str], bool]

# a Latin host glued to the word after it, in another script: `www.x.ruи`, `foo.jp日本語`
GLUED_WORD = re.compile(r"[a-z](?:(?![a-z])[^\W\d_])+$", re.IGNORECASE)
_AUTHORITY_END = re.compile(r"[/?#]")
_PORT_PATH = re.compile(r"(?P<host>[^/?#:]*)(?::(?P<port>[^/?#]*))?(?P<rest>[/?#].*)?", re.DOTALL)
# Bare `name.tld` whose TLD is also a common file extension: `setup.py`, `notes.md`.
_FILE_TLDS = frozenset({"zip", "mov", "py", "md", "sh", "pm", "rs", "ps", "mp", "csv", "pl", "rar"})
_LEGACY_TLDS = frozenset({"com", "org", "net", "edu", "gov", "mil", "int", "info", "biz"})
_NAMESPACE_WINDOW = 50_000


SPLIT = -1  # check_host: a host without a public suffix; maybe split by a space (H6)


def check_host(s: str, host_from: int, *, kind: str | None, is_domain: DomainTest) -> int | None:
    """Validate the host of a scheme-less address `s` (PSL).

    Returns how much of `s` is the address (all of it, or up to the host when a
    colon is not a port), None when it is no address, or SPLIT.
    """
    hp = _PORT_PATH.fullmatch(s, host_from)
    if hp is None:
        return None
    host, port, rest = hp.group("host"), hp.group("port"), hp.group("rest")
    glued = GLUED_WORD.search(host)
    if glued and domain_ok(host[: glued.start() + 1], is_domain):
        return host_from + glued.start() + 1
    name = host.rstrip(".")
    if port is None and rest is None and kind != "host" and not domain_ok(name, is_domain):
        return SPLIT
    if not domain_ok(name, is_domain):
        return None
    if port is None and rest is None and kind == "host" and not bare_ok(name):
        return None
    if port is not None:
        if not port.isdigit():
            # `example.com:the` – the colon ends the address; it is not a port.
            return host_from + len(host)
        if int(port) > 65535:
            return None
    return len(s)


def authority_ok(rest: str) -> bool:
    """A host given with a scheme may be anything the engine accepts, but it
    does not end in `_` or `-` (`http://example.com_` is text, not a link)."""
    authority = _AUTHORITY_END.split(rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    if authority.startswith("["):
        return True
    host = authority.split(":", 1)[0]
    return bool(host) and host[-1] not in "_-"


def domain_ok(name: str, is_domain: DomainTest) -> bool:
    tld = name.rsplit(".", 1)[-1]
    if not any(ch.isalpha() for ch in tld):  # numbers, dates, section numbers
        return False
    return is_domain(name.lower())


def bare_ok(name: str) -> bool:
    tld = name.rsplit(".", 1)[-1]
    if tld.lower() in _FILE_TLDS:
        return False
    # A bare `name.tld` with nothing to show it is an address (no scheme, www. or
    # path) is an identifier unless its TLD is one people cite bare: a country code
    # or a legacy one.  `Outline.next`, `552.email`, `A.M.call`, `e.biz` are code and prose.
    ascii_tld = tld.isascii()
    country = len(tld) == 2 or not ascii_tld or tld.lower().startswith("xn--")
    if not country and (tld.lower() not in _LEGACY_TLDS or len(name.split(".", 1)[0]) < 2):
        return False
    # `...children.It was`: a sentence glued to the next one.  A TLD is written in
    # lower case, or the whole host in capitals.
    return not (tld[:1].isupper() and not name.isupper())


def identifier_namespace(text: str, hostname: str, is_domain: DomainTest, at: int = 0) -> bool:
    """`Outline.dest.lt` where the document also writes `Outline.next`, `Outline.dest.page`:
    a name whose first label, written with capitals as code is, heads dotted names
    elsewhere in the text that are no domains, is an identifier, not a host."""
    first = hostname.split(".", 1)[0]
    if first.islower() or first.isupper():
        return False  # hosts are written in lower case (or all capitals)
    # near it only: a long document with many such names must stay linear
    lo, hi = max(0, at - _NAMESPACE_WINDOW), at + _NAMESPACE_WINDOW
    for m in re.compile(rf"(?<![\w.]){re.escape(first)}\.[\w.]*\w").finditer(text, lo, hi):
        other = m.group(0)
        if other != hostname and not (domain_ok(other, is_domain) and bare_ok(other)):
            return True
    return False


def after_broken_email(text: str, start: int) -> bool:
    """The text just before `start` is a line break after `name@` or `name@host-`:
    what starts here is the rest of an e-mail address."""
    i = start
    while i > 0 and text[i - 1] in " \t\u00a0":
        i -= 1
    if i == 0 or text[i - 1] not in "\n\f":
        return False
    i -= 1
    while i > 0 and text[i - 1] in " \t\u00a0\r":
        i -= 1
    window = max(0, i - 256)  # an e-mail address is short; never scan the whole text back
    word_start = max(window - 1, *(text.rfind(ch, window, i) for ch in (" ", "\n", "\t"))) + 1
    word = text[word_start:i]
    return "@" in word and word[-1:] in ("@", "-", ".")
