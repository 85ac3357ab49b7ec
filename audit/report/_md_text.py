"""Untrusted text as inert GitHub-flavoured Markdown (the Markdown report's escaping).

Text from documents and remote pages gets no raw HTML, no links or emphasis it did
not intend, no table breakage, and no @-mentions that would notify strangers.
"""

from __future__ import annotations

import re

from audit.report import _view as v

# Backslash escapes cover Markdown syntax; `<`, `>` and `&` become entities so
# GitHub's HTML pass sees text, never tags.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MENTION = re.compile(r"@(?=\w)")
# GitHub's extended autolinks turn bare `http(s)://`, `www.` (and e-mail, handled by the
# "@" rule) into live links: a zero-width space after the scheme or `www` stops that.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|xmpp)(?=:)|\b(www)(?=\.)")
_SPACE = re.compile(r"\s+")


def md_text(text: str | None) -> str:
    """Untrusted text as inert inline Markdown on one line (safe in table cells)."""
    return no_autolink(_escape(text))


def _escape(text: str | None) -> str:
    if not text:
        return ""
    one_line = _SPACE.sub(" ", text).strip()
    escaped = _MD_SPECIAL.sub(r"\\\1", one_line)
    # Three C-level replaces, `&` first: a per-character join was the slowest step.
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A zero-width space after "@" keeps "@someone" from pinging a GitHub user.
    return _MENTION.sub("@\u200b", escaped)


def no_autolink(text: str) -> str:
    """Bare URLs and `www.` names in `text` stay text on GitHub (no extended autolink)."""
    return _AUTOLINK.sub(lambda m: m.group(0) + "\u200b", text)


def md_url(url: str) -> str:
    """A link destination: angle brackets forbid nothing useful, so percent-encode
    the few characters that could end or break it."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")


def md_link(text: str | None, url: str | None) -> str:
    if not v.is_web_url(url):
        return md_text(text or url)
    assert url is not None
    # Link text is never autolinked again: only mentions need neutralising there.
    return f"[{_escape(text or url)}]({md_url(url)})"
