"""White space broken into a URL by PDF wrapping (url-repair.md §2.2 B4-B6, §2.4 H4/H6).

RFC 3986 Appendix C: white space added to break a long URI across lines
"should be ignored when the URI is extracted".  A space inside the host is
joined only when the joined host is a domain under a public suffix and the
left part is not one already (`www.персональные данные.дети`); a space in a
path only when what follows looks like more URL, not prose.
"""

from __future__ import annotations

import re

from audit.models import Confidence

from ._log import RepairLog
from .clean import trim_trailing
from .host import is_domain_like

AUTHORITY_END = re.compile(r"[/\\?#]")
_NEW_URL = re.compile(r"(?i)(?:h[tx]{2}ps?|ftp)[:;]|www\.")
_PUNCT = ".,;:!?"
_WS_SPLIT = re.compile(r"([ \n]+)")
# A piece after white space that can continue a path: URL characters only.
_URLISH = re.compile(r"[\w%~./?#=&+:;,@!$'*\-\[\]()]+")


def _continues(current: str, nxt: str) -> bool:
    """B4/B6: does the piece after white space continue the URL's path or query?"""
    if not _URLISH.fullmatch(nxt) or nxt[0] in "([" or not any(c.isalnum() for c in nxt):
        return False
    if nxt[0] in "/?#&=" or current[-1] in "-_=&?~%+":
        return True
    if current[-1] == "/":  # `…greifswald.de/ webaugustus/`, not `…/ site`
        return nxt[0].isdigit() or any(c in nxt for c in "/._=-")
    return ("/" in nxt or "=" in nxt) and not nxt[0].isupper()


def _same_script_edge(left: str, right: str) -> bool:
    """H6: only join a split label if both sides of the space are of one script."""
    a, b = left[-1], right[0]
    if b in ".-" or a in ".-":
        return True
    if not (a.isalnum() and b.isalnum()):
        return False
    return a.isascii() == b.isascii()


def _host_of(authority: str) -> str:
    return authority.rpartition("@")[2].partition(":")[0]


def join_pieces(rest: str, scheme: str, log: RepairLog, *, strict: bool) -> str | None:
    """Join white space broken into the URL by PDF wrapping; drop prose after it.

    None when a space splits the host and no joined reading is a domain
    (`strict`: only for an explicit scheme; without one, the token is prose).
    """
    pieces = _WS_SPLIT.split(rest)
    current = pieces[0]
    i = 1
    host_done = AUTHORITY_END.search(current) or is_domain_like(_host_of(current.rstrip(_PUNCT)))
    if i < len(pieces) and not host_done:
        # H6/H4: a space inside the host (`www.персональные данные.дети`,
        # `example .ru`), decided with the PSL: join only if the result is a
        # domain under a public suffix and the left part is not one already.
        nxt = pieces[i + 1]
        m = AUTHORITY_END.search(nxt)
        nxt_host = nxt[: m.start()] if m else nxt
        joined = current + nxt_host
        if nxt_host and _same_script_edge(current, nxt_host) and is_domain_like(joined):
            other = ""
            if is_domain_like(nxt_host):
                other = f"; {nxt_host!r} alone is the other reading"
                log.alternative(f"{scheme}://" + "".join(pieces[i + 1 :]))
            log.add(
                "host-space-joined",
                f"space inside the host removed: {current + ' ' + nxt_host!r} → {joined!r}{other}",
                Confidence.GUESS,
            )
            current += nxt
            i += 2
        elif (
            strict
            and _URLISH.fullmatch(nxt)
            and any(c in "/:." for c in nxt)
            and not _NEW_URL.match(nxt)
        ):
            return None  # `http://a b/`: the URL goes on after a space inside its host
    while i < len(pieces):
        sep, nxt = pieces[i], pieces[i + 1]
        if (nxt[0] in "/?#" or AUTHORITY_END.search(current)) and _continues(current, nxt):
            if "\n" in sep and current.endswith("-"):
                log.alternative(f"{scheme}://{current[:-1]}{nxt}" + "".join(pieces[i + 2 :]))
                log.add(
                    "hyphen-at-line-break",
                    f"line break after '-' removed before {nxt!r}, hyphen kept; "
                    "without it is the other reading",
                    Confidence.GUESS,
                )
            elif "\n" in sep:
                log.add("line-break-joined", f"line break inside the URL removed before {nxt!r}")
            else:
                log.add(
                    "path-space-joined",
                    f"space inside the URL removed before {nxt!r} (PDF wrapping)",
                    Confidence.GUESS,
                )
            current += nxt
            i += 2
            continue
        dropped = "".join(pieces[i:]).strip()
        log.add("trailing-text-removed", f"text after the URL removed: {dropped!r}")
        current = trim_trailing(current, log)
        break
    return current
