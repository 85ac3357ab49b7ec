"""Find where each cited address starts and ends in plain text (url-repair.md §2.2, §6 stage 2-3).

The scanner only decides *spans*; repairing and normalising a span is the
repair engine's job (`audit.urls.normalize`).  A span may contain the damage
the engine knows how to mend (`http: www.x.ru`, `www.персональные данные.дети`);
line-wrapped URLs are joined here, because only the scanner sees the lines.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from audit.extract import hosts
from audit.models import Confidence, Repair

DomainTest = Callable[[str], bool]

# One DNS label as written: letters/digits, inner hyphens and underscores.
_LABEL = r"[^\W_](?:[\w\-]*[^\W_])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})+"
_WEB_SCHEMES = r"https?|hxxps?|htps?|htp|ttps?|hhttps?|htttps?|ftps?|sftp"

_ANCHOR = re.compile(
    rf"""
    (?P<scheme>(?<![^\W\d])(?<![+.\-])(?:{_WEB_SCHEMES})
        (?P<sep>:[ \t\u00a0]{{0,2}}/{{1,3}}\s{{0,3}}   # ://  :/  : //  ://<space>
              |[;.]//                                  # http;//  http.//
              |:\\{{1,4}}                              # http:\\x.ru
              |//                                      # http//x.ru
              |:\s{{1,3}}                              # http: www.x.ru
              |:(?=www\d{{0,3}}\.)
              |[ \t]://)                              # https ://x (a PDF's spacing)
        (?=[^\s/\\.\-_?#@:;,!'"()<>\[\]{{}}|]))
    |(?P<mailto>(?<![\w+.\-])mailto:(?=[^\s@]+@))
    |(?P<email>(?<![\w.+\-@%])[\w+\-](?:[\w.+\-%]*[\w+\-])?@{_HOST})
    |(?P<www>(?:(?<=\.\.)|(?<![0-9_.\-/@+]))www\d{{0,3}}\.(?=[^\W_]))
    |(?P<rel>(?<![\w/:\\.])//(?=[^\W_]))
    |(?P<host>(?:(?<=\.\.)|(?<![\w.:/@\-+]))(?P<hostname>{_HOST}))
    """,
    re.IGNORECASE | re.VERBOSE,
)

# What a URL body may contain: anything but whitespace and characters that are
# never part of a cited URL (wrappers such as guillemets, typographic quotes, pipes).
# Capped, so that a megabyte-long token costs little however many anchors it holds.
# A backslash only as a TeX escape (`File:Double\_torus`, from a LaTeX \url): no URL
# holds a backslash, so `\_` is the author's `_`.
_BODY = re.compile(r"(?:[^\s<>«»“”„‹›｜\\^`\x00-\x1f\x7f]|\\[_%#&~]){0,8192}")
# The same without escapes: one character class, many times faster; where it stops
# at anything but a backslash, _BODY stops there too.
_PLAIN_BODY = re.compile(r"[^\s<>«»“”„‹›｜\\^`\x00-\x1f\x7f]{0,8192}")
_TEX_ESCAPE = re.compile(r"\\([_%#&~])")
_HOST_RE = re.compile(_HOST)
_PATHY = re.compile(r"[/?#:@]")
_HOT = re.compile(r"[.@/](?=\S)|:")
_SPACE = re.compile(r"\s")
_SPACED_SCHEME = re.compile(r"(?:https?|ftp)[ \t]$", re.IGNORECASE)
_GLUE_WINDOW = 4096
_GLUED_WWW = re.compile(r"[^\x00-\x7f]+www\d{0,3}\.", re.IGNORECASE)  # B7: `сайтwww.x.ru`
_OPEN = {")": "(", "]": "[", "}": "{"}
_TRAIL = frozenset(".,;:!?…*|")
_QUOTES = frozenset("\"'’")
# Glued URLs (B7): a second scheme inside a token, unless it is a nested URL
# (Wayback /web/<ts>/http://..., redirectors ?url=http://...).
_INNER_SCHEME = re.compile(r"(?<=[\w.,;)\]])(?<![/=])(?:https?://|www\d{0,3}\.)", re.IGNORECASE)
# Its text without the look-behinds (slow at every position): the candidates to test.
_INNER_HINT = re.compile(r"https?://|www\d{0,3}\.", re.IGNORECASE)
_WORD_WWW = re.compile(r"[a-z]+www\d{0,3}\.", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Span:
    """One cited address found in text."""

    start: int  # offsets into the scanned text
    end: int
    raw: str  # exactly as written, line breaks included
    candidate: str  # what to hand to the repair engine
    repairs: tuple[Repair, ...] = ()  # boundary repairs made here (line joins)
    alternatives: tuple[str, ...] = ()  # the readings of its doubtful joins not taken


def scan(text: str, is_domain: DomainTest) -> Iterator[Span]:
    """Yield the citation spans of `text` in order; spans never overlap."""
    pos = 0
    done = [0]  # where the last span ended: the anchor search resumes there
    for m in _anchors(text, done):
        if m.start() < pos:
            continue
        span = _span_at(text, m, is_domain)
        if span is None:
            continue
        pos = done[0] = span.end
        yield span
        if _INNER_SCHEME.match(text, pos) and pos > 0 and text[pos - 1].isalnum():
            # B7 glued addresses (`http://a.ruhttp://b.ru`): the anchor's
            # look-behind must not see the first one.
            window = text[pos : pos + _GLUE_WINDOW]
            glued = _ANCHOR.match(window)
            second = _span_at(window, glued, is_domain) if glued else None
            if second is not None:
                yield dataclasses.replace(second, start=pos + second.start, end=pos + second.end)
                pos += second.end
                done[0] = pos


def _anchors(text: str, done: list[int]) -> Iterator[re.Match[str]]:
    """Every anchor match, found fast.

    Each address holds a `.`, `@`, `:` or `//`, rare in prose, so the anchor
    pattern (costly at every position) only runs on the tokens around those,
    and never again inside an address already found (`done[0]`, set by the caller).
    """
    pos = 0
    while (hot := _HOT.search(text, max(pos, done[0]))) is not None:
        at = hot.start()
        pos = max(pos, done[0])
        token_start = max(  # after the last white space before `at` (unrolled: hot)
            pos,
            text.rfind(" ", pos, at) + 1,
            text.rfind("\n", pos, at) + 1,
            text.rfind("\t", pos, at) + 1,
            text.rfind("\u00a0", pos, at) + 1,
        )
        if text.startswith("://", token_start):
            # `https ://x`: the scheme is the word before the space
            spaced = _SPACED_SCHEME.search(text, max(pos, token_start - 8), token_start)
            token_start = spaced.start() if spaced else token_start
        space = _SPACE.search(text, at)
        token_end = space.start() if space else len(text)
        # margin: `http: www.x.ru` continues past the token's end
        endpos = min(len(text), token_end + 4)
        inner = token_start
        while (m := _ANCHOR.search(text, inner, endpos)) is not None and m.start() <= token_end:
            yield m
            inner = max(m.start() + 1, done[0])
            if inner > token_end:
                break
        pos = token_end + 1


def _span_at(text: str, m: re.Match[str], is_domain: DomainTest) -> Span | None:
    kind = m.lastgroup
    start = m.start()
    if kind == "email":
        domain = m.group("email").rsplit("@", 1)[1]
        if not is_domain(domain):
            return None
        end = m.end()
        return Span(start, end, text[start:end], text[start:end])
    if kind == "host":
        nxt = text[m.end() : m.end() + 1]
        hostname = m.group("hostname")
        if nxt in {"@", "_"} or _GLUED_WWW.match(hostname) or _WORD_WWW.match(hostname):
            return None  # `onwww.x.com`: the address starts at its `www.`
        if hosts.after_broken_email(text, start):
            return None  # `...-Inquiry@` / `faa.gov`: the domain of a wrapped e-mail
        if not hosts.GLUED_WORD.search(hostname) and not hosts.domain_ok(hostname, is_domain):
            return None  # early: most host-shaped tokens are `par.1.3` or `report.pdf`
        if hosts.identifier_namespace(text, hostname, is_domain, start):
            return None
    elif kind == "www":
        www = _HOST_RE.match(text, start)
        if www is None or (
            not hosts.domain_ok(www.group(0), is_domain)
            and text[www.end() : www.end() + 1] not in (" ", "\u00a0", "\n")
            and text[www.end() : www.end() + 2] not in ("-\n", ".\n")
        ):
            return None  # early, unless a space or a line break splits the host (H6)
    body_end = _body_end(text, m.end())
    body = text[start:body_end]
    body = _cut_glued(body)
    body = _trim(body)
    if not body:
        return None

    if kind == "mailto":
        end = start + len(body)
        return Span(start, end, body, body)

    host_from = start + 2 if kind == "rel" else (m.end() if kind == "scheme" else start)
    # a host broken after a hyphen at a line end: `www.ppms.edu-` / `penzaa.ru`
    end, joins = _join_wrapped(text, start, start + len(body), is_domain, host_from=host_from)
    candidate = _unjoin(text[start:end], joins, start)
    if kind == "scheme" and not hosts.authority_ok(candidate[host_from - start :]):
        return None
    if kind != "scheme" or _has_space(m.group("sep")):
        # Scheme-less (or `http: ` followed by a space): the PSL decides.
        keep = hosts.check_host(candidate, host_from - start, kind=kind, is_domain=is_domain)
        if keep is None:
            return None
        if keep == hosts.SPLIT:
            host = candidate[host_from - start :]
            extended = None if joins else _split_host(text, end, host, is_domain)
            if extended is None:
                return None
            end = extended
        elif keep < len(candidate):
            end = start + keep + sum(j.length for j in joins if j.at - start < keep)
            joins = [j for j in joins if j.at < end]

    end, more_joins = _join_wrapped(text, start, end, is_domain)
    joins += more_joins
    raw = text[start:end]
    others = tuple(
        _unjoin(text[start : j.at], joins[:i], start)
        if j.other is None
        else _unjoin(raw, [*joins[:i], wrap.Join(*j.other, j.repair), *joins[i + 1 :]], start)
        for i, j in enumerate(joins)
        if j.repair.confidence is Confidence.GUESS
    )
    candidate = _unjoin(raw, joins, start)
    repairs = tuple(j.repair for j in joins)
    if "\\" in candidate:
        candidate = _TEX_ESCAPE.sub(r"\1", candidate)
        repairs += (Repair("tex-escape-removed", "TeX escapes (\\_) in the URL unescaped"),)
    return Span(start, end, raw, candidate, repairs, others)


def _unjoin(raw: str, joins: list[wrap.Join], start: int) -> str:
    """`raw` without the text its joins remove (line-break white space, a hyphen)."""
    for j in sorted(joins, key=lambda j: j.at, reverse=True) if joins else ():
        offset, length = j.at, j.length
        rel = offset - start
        raw = raw[:rel] + raw[rel + length :]
    return raw


def _has_space(sep: str | None) -> bool:
    # str.split() cuts at exactly the characters str.isspace() accepts
    return sep is not None and "".join(sep.split()) != sep


def _split_host(text: str, end: int, host: str, is_domain: DomainTest) -> int | None:
    """H6: `www.персональные данные.дети` – an IDN label split by one space.

    Only when the part before the space is a host without a valid suffix that
    ends the token, and the part after is a domain-like token (not `www.`)
    whose first letter is of the same non-Latin script as the last letter
    before the space: Latin words around a space are usually just words
    (`www.xxxxxxx.baz www.foo.co.uk` are two tokens).
    """
    name = host.rstrip(".")
    if "." not in name or end >= len(text) or text[end] not in " \u00a0\n":
        return None
    m = _HOST_RE.match(text, end + 1)
    if m is None or m.group(0).lower().startswith("www") or not is_domain(m.group(0).lower()):
        return None
    script = _script(name[-1])
    if script == "latin" or script != _script(m.group(0)[0]):
        return None
    body_end = _body_end(text, m.end())
    tail = _trim(text[m.start() : body_end])
    return m.start() + len(tail)


def _script(ch: str) -> str:
    if "\u0400" <= ch <= "\u04ff":
        return "cyrillic"
    if ch.isascii():
        return "latin"
    return "other"


def _body_end(text: str, pos: int) -> int:
    """Where the URL body starting at `pos` ends (`_BODY`)."""
    end = _PLAIN_BODY.match(text, pos).end()  # type: ignore[union-attr]
    if text[end : end + 1] != "\\":
        return end
    return _BODY.match(text, pos).end()  # type: ignore[union-attr]


def _cut_glued(body: str) -> str:
    # = _INNER_SCHEME.search(body, 1): its matches cannot overlap, so every one
    # starts at a match of its text without the look-behinds, and an ASCII body
    # without `http` or `www` after its start has none (the usual case)
    if body.isascii():
        low = body.lower()
        if low.find("http", 1) < 0 and low.find("www", 1) < 0:
            return body
    for hint in _INNER_HINT.finditer(body, 1):
        m = _INNER_SCHEME.match(body, hint.start())
        if m:
            return body[: m.start()]
    return body


def _trim(s: str) -> str:
    """B1-B3: cut at an unbalanced closing bracket, then strip trailing punctuation."""
    stack: list[str] = []
    closers = ")]}" if ")" in s or "]" in s or "}" in s else ""
    for i, ch in enumerate(s if closers else ""):
        if ch in "([{":
            stack.append(ch)
        elif ch in _OPEN:
            if stack and stack[-1] == _OPEN[ch]:
                stack.pop()
            else:
                s = s[:i]
                break
    while s:
        last = s[-1]
        if (
            last in _TRAIL
            or last in "([{"
            or (last in _QUOTES and (s.count(last) % 2 == 1 or s[-2:-1] in _TRAIL))
        ):
            s = s[:-1]
        else:
            break
    return s


def _join_wrapped(
    text: str, start: int, end: int, is_domain: DomainTest, *, host_from: int | None = None
) -> tuple[int, list[wrap.Join]]:
    """Join the lines an address is broken over (wrap.py decides each join).

    With `host_from`, only a host broken after a hyphen or a dot is joined (the
    host starts there).  Returns the new end and the joins.
    """
    joins: list[wrap.Join] = []
    if host_from is not None and _PATHY.search(text, host_from, end):
        return end, joins  # the host is whole: the first round below would stop here

    def anchor_at(pos: int) -> str | None:
        m = _ANCHOR.match(text, pos)
        if m is None:
            return None
        if m.lastgroup != "host":
            return "address"
        return "host" if is_domain(m.group("hostname").lower().rstrip(".")) else None

    for _ in range(8):
        candidate = _unjoin(text[start:end], joins, start)
        if host_from is not None and _PATHY.search(candidate, host_from - start):
            break
        step = wrap.next_join(
            text,
            start,
            end,
            candidate,
            host_phase=host_from is not None,
            is_domain=is_domain,
            trim=lambda s: _trim(_cut_glued(s)),
            anchor_at=anchor_at,
        )
        if step is None:
            break
        join, end = step
        joins.append(join)
    return end, joins


from audit.extract import wrap  # noqa: E402  (wrap.py uses this module's patterns)
