"""Where a dead site went, as the archive saw it: captured redirects and "we moved" pages.

    async with MoveFinder(settings) as finder:
        moves = await finder.find(url)      # [Move], most recent first

Two kinds of evidence: CDX rows with a 3xx status, whose replay (`id_`) gives the
Location the site answered; and the last 2xx capture, when its text says the
site moved and names an address.  Nothing here checks the new address live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from audit.archive._http import Endpoint, Unavailable
from audit.archive.ratelimit import Limiter
from audit.archive.settings import ArchiveSettings
from audit.archive.wayback import CDX_FIELDS, UnexpectedFormat, parse_cdx_json, replay_url

_REPLAY = re.compile(r"/web/(\d{1,14})(?:[a-z]{2}_)?/(.+)$")
_MOVED = re.compile(
    r"(?:we(?:'ve| have)? moved|has moved|have moved|moved to|new address|new website|"
    r"переех\w*|новый адрес|новом адресе|новый сайт|перенесен\w*)",
    re.IGNORECASE,
)
_URLISH = re.compile(r"(?:https?://|www\.)[^\s\"'<>()]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/?")
_TAGS = re.compile(r"<(?:script|style)\b.*?</(?:script|style)>|<[^>]+>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Move:
    url: str  # the new address as the archive shows it
    timestamp: str  # of the capture that says so
    how: str  # "redirect" | "notice"
    detail: str  # one sentence of evidence


class MoveFinder:
    def __init__(self, settings: ArchiveSettings, *, captures: int = 3) -> None:
        self.settings = settings
        self.captures = captures  # the last N redirect captures are read
        self._client: httpx.AsyncClient | None = None
        self._cdx: Endpoint | None = None
        self._replay: Endpoint | None = None

    async def __aenter__(self) -> MoveFinder:
        s = self.settings
        self._client = httpx.AsyncClient(
            timeout=s.timeout,
            headers={"User-Agent": s.user_agent},
            follow_redirects=False,  # a captured redirect is the evidence itself
            proxy=s.proxy,
        )

        def endpoint(name: str, per_minute: float) -> Endpoint:
            assert self._client is not None
            return Endpoint(
                self._client,
                Limiter(name, per_minute, max_wait=s.max_wait),
                retries=s.retries,
                backoff=s.backoff,
                default_pause=s.rate_limit_pause,
                max_wait=s.max_wait,
            )

        self._cdx = endpoint("wayback-cdx", s.cdx_per_minute)
        self._replay = endpoint("wayback-replay", s.replay_per_minute)
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def find(self, url: str) -> list[Move]:
        """Moves to another host seen for `url`; [] when none (or the archive is unreachable)."""
        try:
            moves = await self._redirects(url)
            notice = await self._notice(url)
        except Unavailable:
            return []
        if notice is not None:
            moves.append(notice)
        host = _host(url)
        return [m for m in moves if _host(m.url) not in ("", host)]

    async def _rows(self, url: str, status_filter: str, limit: int) -> list[tuple[str, str]]:
        assert self._cdx is not None
        params = [
            ("url", url),
            ("output", "json"),
            ("fl", ",".join(CDX_FIELDS)),
            ("filter", f"statuscode:{status_filter}"),
            ("limit", str(-limit)),  # the last captures
        ]
        answer = await self._cdx.request(
            "GET", f"{self.settings.wayback_url}/cdx/search/cdx", params=params
        )
        if answer.status != 200:
            raise Unavailable(f"CDX: HTTP {answer.status}")
        try:
            page = parse_cdx_json(answer.text) if answer.text.strip() else None
        except UnexpectedFormat as exc:
            raise Unavailable(str(exc)) from exc
        rows = sorted(page.rows, key=lambda r: r.timestamp, reverse=True) if page else []
        return [(r.timestamp, r.original) for r in rows]

    async def _redirects(self, url: str) -> list[Move]:
        assert self._replay is not None
        out: list[Move] = []
        for timestamp, original in await self._rows(url, "3..", self.captures):
            replay = replay_url(self.settings.wayback_url, timestamp, original, "id_")
            answer = await self._replay.request("GET", replay, max_bytes=4096)
            location = answer.headers.get("location", "")
            m = _REPLAY.search(urlsplit(location).path + _query(location)) if location else None
            target = m.group(2) if m else location
            if target.startswith(("http://", "https://")):
                day = f"{timestamp[:4]}-{timestamp[4:6]}-{timestamp[6:8]}"
                detail = f"archived {day}: HTTP {answer.status} redirect to {target}"
                out.append(Move(target, timestamp, "redirect", detail))
        return out

    async def _notice(self, url: str) -> Move | None:
        assert self._replay is not None
        rows = await self._rows(url, "2..", 1)
        if not rows:
            return None
        timestamp, original = rows[0]
        replay = replay_url(self.settings.wayback_url, timestamp, original, "id_")
        answer = await self._replay.request("GET", replay, max_bytes=256 * 1024)
        if answer.status != 200:
            return None
        found = moved_notice(answer.text)
        if found is None:
            return None
        target, sentence = found
        day = f"{timestamp[:4]}-{timestamp[4:6]}-{timestamp[6:8]}"
        return Move(target, timestamp, "notice", f"last capture ({day}) says: {sentence!r}")


def moved_notice(page: str) -> tuple[str, str] | None:
    """(address, the words around it) when a page says it moved and names where (pure)."""
    text = " ".join(_TAGS.sub(" ", page).split())
    for m in _MOVED.finditer(text):
        after = text[m.end() : m.end() + 200]
        u = _URLISH.search(after)
        if u is None:
            continue
        address = u.group(0).rstrip(".,;:!?")
        if not address.startswith(("http://", "https://")):
            address = f"http://{address}"
        sentence = text[max(0, m.start() - 40) : m.end() + u.end()].strip()
        return address, sentence
    return None


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return ""


def _query(url: str) -> str:
    q = urlsplit(url).query
    return f"?{q}" if q else ""
