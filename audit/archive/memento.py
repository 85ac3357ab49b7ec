"""Memento (RFC 7089): link-format parsing, TimeMaps with paging, TimeGates.

The parser follows RFC 8288's `Link` grammar, which `application/link-format`
TimeMaps share: `<URI>` then `;`-separated parameters whose values are tokens
or quoted strings (commas, semicolons and escapes allowed inside quotes),
multi-token `rel` values, any whitespace or newlines between parts, and a
trailing comma tolerated.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from audit.archive._http import Endpoint, Refused, Unavailable
from audit.archive.timestamps import (
    format_http_date,
    format_timestamp,
    parse_http_date,
    parse_timestamp,
)
from audit.models import Snapshot

log = logging.getLogger(__name__)

_TS_IN_URI = re.compile(r"/(\d{14})(?:[a-z]{2}_)?/")
MAX_TIMEMAP_PAGES = 20
_PEEK = 64 * 1024  # a TimeGate answer or a memento's head: the body is not needed


@dataclass(frozen=True, slots=True)
class Link:
    """One link-value: a target and its parameters (names lower-cased)."""

    target: str
    params: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        for key, value in self.params:
            if key == name:
                return value
        return None

    @property
    def rels(self) -> frozenset[str]:
        # RFC 8288 §3.3: only the first `rel` counts; relation types are case-insensitive.
        return frozenset((self.get("rel") or "").lower().split())

    @property
    def datetime(self) -> datetime | None:
        return parse_http_date(self.get("datetime"))


# Tokens of RFC 8288 link-values, matched in place (a per-character Python loop
# is several times slower on TimeMaps of 10^4-10^5 entries).
_SEPARATORS = re.compile(r"[\s,]*")
_TARGET = re.compile(r"<([^>]*)>")
_PARAM = re.compile(
    r"""\s*;\s*                      # the parameter separator
        ([^\s=;,]*)                  # name
        \s*(?:=\s*(?:
            "((?:[^"\\]|\\.)*)"?    # quoted-string (an unclosed one runs to the end)
            |([^\s;,]*)              # token
        ))?""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def parse_link_format(text: str) -> list[Link]:
    """All link-values of a `Link` header or an `application/link-format` body.

    Malformed pieces are skipped up to the next link-value, never raised:
    archives' TimeMaps vary and one bad entry must not lose the rest.
    """
    links: list[Link] = []
    pos = _skip_separators(text, 0)
    while pos < len(text):
        target = _TARGET.match(text, pos)
        if target is None:
            # Junk: skip to the next link-value start.
            nxt = text.find("<", pos + 1)
            if nxt < 0:
                break
            pos = nxt
            continue
        pos = target.end()
        params: list[tuple[str, str]] = []
        while (param := _PARAM.match(text, pos)) is not None and param.end() > pos:
            pos = param.end()
            name, quoted, token = param.groups()
            if name:
                value = _ESCAPE.sub(r"\1", quoted) if quoted is not None else token or ""
                params.append((name.lower(), value))
        links.append(Link(target.group(1).strip(), tuple(params)))
        pos = _skip_separators(text, pos)
    return links


def _skip_separators(text: str, pos: int) -> int:
    match = _SEPARATORS.match(text, pos)
    return match.end() if match else pos


@dataclass(frozen=True, slots=True)
class Memento:
    uri: str
    datetime: datetime


@dataclass(frozen=True, slots=True)
class TimeMap:
    original: str | None
    mementos: tuple[Memento, ...]  # sorted by datetime, de-duplicated
    timegate: str | None = None


def read_timemap(links: list[Link], base: str) -> tuple[TimeMap, list[str]]:
    """Mementos of one TimeMap page, and the further pages it points to.

    Further pages: `rel="timemap"` entries of a TimeMap index, and a
    `rel="next"` that is not a memento (a paged TimeMap).  Relative targets
    are resolved against the page's own URL.
    """
    original = None
    timegate = None
    mementos: list[Memento] = []
    more: list[str] = []
    for link in links:
        rels = link.rels
        target = urljoin(base, link.target)
        if "memento" in rels:
            when = link.datetime
            if when is not None:
                mementos.append(Memento(target, when))
        elif "timemap" in rels or ("next" in rels and "self" not in rels):
            more.append(target)
        elif "original" in rels and original is None:
            original = link.target
        elif "timegate" in rels and timegate is None:
            timegate = target
    return TimeMap(original, tuple(mementos), timegate), more


async def fetch_timemap(endpoint: Endpoint, timemap_base: str, url: str) -> TimeMap | None:
    """The whole TimeMap of `url` (following pages), or None if it has no mementos.

    404 (archive.today, UKWA) and an empty 200 both mean "no mementos".
    """
    first = timemap_base + url
    queue = [first]
    seen: set[str] = set()
    original: str | None = None
    timegate: str | None = None
    found: dict[str, Memento] = {}
    while queue and len(seen) < MAX_TIMEMAP_PAGES:
        page_url = queue.pop(0)
        if page_url in seen:
            continue
        seen.add(page_url)
        try:
            answer = await endpoint.request(
                "GET", page_url, headers={"Accept": "application/link-format"}
            )
        except Refused as exc:
            if page_url == first:
                raise
            log.warning("%s", exc.reason)  # a further page pointing inward: skip it
            continue
        if answer.status in (404, 410):
            if page_url == first:
                return None
            continue
        if answer.status != 200:
            raise Unavailable(f"{endpoint.limiter.name}: TimeMap HTTP {answer.status}")
        page, more = read_timemap(parse_link_format(answer.text), page_url)
        original = original or page.original
        timegate = timegate or page.timegate
        for m in page.mementos:
            found.setdefault(m.uri, m)
        queue.extend(u for u in more if u not in seen)
    if not found:
        return None
    ordered = tuple(sorted(found.values(), key=lambda m: m.datetime))
    return TimeMap(original, ordered, timegate)


async def negotiate(
    endpoint: Endpoint, timegate_base: str, url: str, when: datetime
) -> Memento | None:
    """TimeGate negotiation (RFC 7089 pattern 2.1): the memento nearest `when`."""
    answer = await endpoint.request(
        "GET",
        timegate_base + url,
        headers={"Accept-Datetime": format_http_date(when)},
        max_bytes=_PEEK,
    )
    if answer.status in (404, 410):
        return None
    if 200 <= answer.status < 300 and answer.memento_datetime:
        # Pattern 1/3: the TimeGate is itself the memento.
        dt = parse_http_date(answer.memento_datetime)
        return Memento(answer.url, dt) if dt else None
    location = answer.headers.get("location")
    if answer.status not in (301, 302, 303, 307, 308) or not location:
        raise Unavailable(f"{endpoint.limiter.name}: TimeGate HTTP {answer.status}")
    uri = urljoin(answer.url, location)
    for link in parse_link_format(answer.headers.get("link", "")):
        if "memento" in link.rels and urljoin(answer.url, link.target) == uri and link.datetime:
            return Memento(uri, link.datetime)
    match = _TS_IN_URI.search(uri)
    dt = parse_timestamp(match.group(1)) if match else None
    if dt is None:
        # archive.today-style URI-Ms (`/AbCd1`) carry no date: ask the memento itself.
        memento = await endpoint.request("GET", uri, max_bytes=_PEEK)
        dt = parse_http_date(memento.memento_datetime)
    if dt is None:
        raise Unavailable(f"{endpoint.limiter.name}: TimeGate gave an undated memento {uri}")
    return Memento(uri, dt)


def memento_snapshot(archive: str, m: Memento) -> Snapshot:
    return Snapshot(archive=archive, url=m.uri, timestamp=format_timestamp(m.datetime))
