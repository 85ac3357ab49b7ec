"""RFC 3986 §6 normalisation of a path or query, for the dedup key only.

The request URL keeps the bytes a browser would send (WHATWG keeps hex case
and `%7e`); the key applies only what RFC 3986 §6.2.2 and RFC 9110 §4.2.3
call equivalent: upper-case escape hex, decode escapes of *unreserved*
characters, remove dot segments.  Reserved escapes (`%2F`, `%3F`, `%26`) and
`//` are kept: decoding or merging them changes which resource is meant.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


# Only the escapes that change: lower-case hex, or an unreserved character
# (`-` `.` digits letters `_` `~`) in upper-case hex.  Most paths have none.
_CHANGING = re.compile(
    r"%(?:[0-9A-Fa-f][a-f]|[a-f][0-9A-F]|2[DE]|3[0-9]|4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE])"
)


def normalize_escapes(text: str) -> str:
    """§6.2.2.1-6.2.2.2: upper-case escape hex; decode escaped unreserved characters."""
    if "%" not in text or not _CHANGING.search(text):
        return text
    return _ESCAPE.sub(_escape, text)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, on a path that starts with `/`."""
    if "." not in path:
        return path
    segments = path.split("/")
    if not any(s in (".", "..") for s in segments):
        return path
    out: list[str] = []
    for i, segment in enumerate(segments[1:], start=1):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if out:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)


def normalize_path(path: str) -> str:
    """Key form of an absolute path: escapes normalised, dot segments removed, `/` if empty."""
    return remove_dot_segments(normalize_escapes(path)) or "/"
