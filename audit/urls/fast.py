"""The fast path of `normalize`: a citation already in canonical form (issue 14).

Most addresses a link list cites need no repair: `https://` or `http://` in lower
case (or no scheme before `www.`: then the one repair is adding `http://`), an
ASCII host of lower-case LDH labels under an alphabetic TLD, and a path of
characters that no stage of the repair pipeline touches.  For such a string
every stage is the identity (no clean-up, trimming, scheme repair, join, IDNA,
host rule, or WHATWG re-serialisation applies), so the result is built directly.

The shape is deliberately narrower than "valid": anything a stage could change or
flag (upper case, `xn--`, `%2e`, dot segments, a port, userinfo, brackets,
quotes, `;` entities, a trailing punctuation mark, `.localhost`) is left to the
full pipeline.  tests/urls/test_fast.py proves equality on the realdocs
addresses and on generated ones.
"""

from __future__ import annotations

import re

from audit.models import Confidence, Normalized, Repair

from .host import MAX_HOST, is_domain_like
from .keys import KEY_VERSION, web_key

_LABEL = r"(?!xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# Characters of a path, query or fragment that WHATWG serialises unchanged and that
# neither the clean-up (`&…;` entities need `;`), refanging (brackets) nor the
# trimming (quotes, closers) looks at; the last one is never punctuation.
_TAIL_CHARS = r"A-Za-z0-9\-._~/?=&+%,!$*:#"
# With a scheme, or without one but starting with `www.` (`http://` is then added).
_CANONICAL = re.compile(
    rf"(?:(https?)://|(?=www\.))((?:{_LABEL}\.)+[a-z]{{2,63}})"
    rf"((?:/(?:[{_TAIL_CHARS}]*[A-Za-z0-9/\-_~=&+])?)?)"
)
# What WHATWG resolves in the tail (dot segments, also escaped), and what is left to
# the full pipeline to be safe: a `%` that starts no escape, `#` or `?` in a fragment.
_REWRITTEN = re.compile(
    r"/\.(?:\.|%2e)?(?:[/?#]|$)|/%2e(?:\.|%2e)?(?:[/?#]|$)|%(?![0-9A-Fa-f]{2})|#.*[#?]",
    re.IGNORECASE,
)
# Browsers cap URLs around 2 MB, but a cited URL beyond this is extraction garbage;
# the cap also bounds the work one call can do (the full pipeline refuses it).
MAX_CITATION = 16_384
_SCHEME_ADDED: tuple[Repair, ...] = (
    Repair("scheme-added", "no scheme: 'http://' added", Confidence.REPAIRED),
)


def canonical(text: str) -> Normalized | None:
    """The result of `normalize(text)` if `text` is already canonical, else None."""
    if len(text) > MAX_CITATION:
        return None
    m = _CANONICAL.fullmatch(text)
    if m is None:
        return None
    scheme, host, tail = m.groups()
    if len(host) > MAX_HOST or host.endswith(".localhost"):
        return None
    if tail and _REWRITTEN.search(tail):
        return None
    if scheme is None:
        # `www.x.ru`: a web address only under a public suffix; `a:https://b` after
        # it would be a glued second address (both decided by the full pipeline)
        if not is_domain_like(host) or "://" in tail:
            return None
        scheme, cited = "http", f"http://{text}"
        repairs, confidence = _SCHEME_ADDED, Confidence.REPAIRED
    else:
        cited, repairs, confidence = text, (), Confidence.EXACT
    if not tail:
        tail = "/"  # a special scheme always serialises a path
        url = f"{cited}/"
    else:
        url = cited
    path_query = tail.split("#", 1)[0]
    if "%" not in path_query:
        # no escape to normalise and (see _REWRITTEN) no dot segment: web_key's identity
        key = f"{KEY_VERSION}:{scheme}://{host}{path_query}"
    else:
        path, question, query = path_query.partition("?")
        key = web_key(scheme, userinfo="", host=host, port="", path=path, query=question + query)
    return Normalized(
        input=text, url=url, display=url, key=key, repairs=repairs, confidence=confidence
    )
