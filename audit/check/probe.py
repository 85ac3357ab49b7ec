"""One URL -> one Observation: resolve, GET (streamed, capped), follow redirects hop by hop.

Everything a check learns is recorded as facts (status, hops, headers that
matter, fingerprint, content signals, sibling similarity, https answer);
nothing here decides an outcome (classify.py does).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import string
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit

import idna

from audit.check import placeholders, signatures
from audit.check.body import ACCEPT_ENCODING, read_capped
from audit.check.bounds import bounded_hop, bounded_observation, cache_short
from audit.check.client import Answer, Pools
from audit.check.errors import LinkFailure, describe
from audit.check.fingerprint import (
    PageText,
    binary_fingerprint,
    decode,
    fingerprint,
    quick_page,
    read_page,
    text_similarity,
)
from audit.check.location import header_text, redirect_target
from audit.check.resolve import Resolver
from audit.check.robots import MAX_ROBOTS, Robots
from audit.check.settings import CheckSettings, CheckTarget
from audit.check.sigdata import load as load_signatures
from audit.models import ErrorKind, Fingerprint, Hop, Observation

log = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "etag",
        "last-modified",
        "retry-after",
        "server",
        "location",
        "cf-mitigated",
        "x-vercel-mitigated",
        "x-amzn-waf-action",
        "x-datadome",
    }
)
KEPT_HEADERS |= load_signatures().header_names  # the headers signatures.toml reads
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BAD_HOST = re.compile(r"[ \t\r\n/\\@]")
_BAD_TARGET = re.compile(r"[ \r\n\t]")
# Where walls and block pages appear (a 451 page is sometimes served as 404 or 410).
_WALL_STATUSES = frozenset({401, 403, 404, 410, 429, 451, 503, 999})
_THIN = 64  # characters of visible text below which "identical to a sibling" proves nothing


@dataclass(slots=True)
class Fetched:
    """The end of one redirect chain."""

    url: str  # the URL that gave the final answer (or failed)
    hops: list[Hop] = field(default_factory=list)
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    truncated: bool = False
    error: ErrorKind | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class _Sibling:
    status: int | None
    final_url: str
    hops: int
    fingerprint: Fingerprint | None


@cache_short(maxsize=8192)
def split(url: str) -> tuple[str, str, int, str]:
    """(scheme, ascii host, port, request target); raises LinkFailure for unusable URLs."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise LinkFailure(ErrorKind.INVALID_URL, f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise LinkFailure(
            ErrorKind.UNSUPPORTED, f"{scheme or 'no'} scheme is not checked over HTTP"
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise LinkFailure(ErrorKind.INVALID_URL, "no host in URL")
    if not host.isascii():  # e.g. a Location header with a Unicode host
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise LinkFailure(ErrorKind.INVALID_URL, f"bad host {host!r}: {exc}") from None
    host = host.lower()
    if _BAD_HOST.search(host):
        raise LinkFailure(ErrorKind.INVALID_URL, f"bad host {host!r}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if not target.isascii() or _BAD_TARGET.search(target):
        target = "".join(c if c.isascii() and c > " " else _quote(c) for c in target)
    return scheme, host, port or _DEFAULT_PORTS[scheme], target


def _usable_redirect(url: str, location: str) -> None:
    """A redirect target we cannot request is the server's error, not a bad citation."""
    try:
        split(url)
    except LinkFailure as exc:
        if exc.kind is ErrorKind.INVALID_URL:
            raise LinkFailure(
                ErrorKind.INVALID_REDIRECT,
                f"redirect to an unusable URL {location!r}: {exc.detail}",
            ) from None


def _quote(c: str) -> str:
    return "".join(f"%{b:02X}" for b in c.encode("utf-8"))


def _origin_key(scheme: str, host: str, port: int) -> tuple[str, str, int]:
    return (scheme, host, port)


class Prober:
    """Checks single URLs; keeps the per-host, per-run probes (sibling, https) it shares."""

    def __init__(self, settings: CheckSettings, resolver: Resolver, pools: Pools) -> None:
        self.settings = settings
        self.resolver = resolver
        self.pools = pools
        self._base_headers = [
            ("User-Agent", settings.user_agent),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", settings.accept_language),
            ("Accept-Encoding", ACCEPT_ENCODING),
        ]
        self._robots = Robots(settings.user_agent, self._fetch_robots, settings.max_hosts)
        self._siblings: OrderedDict[tuple[str, str, int], asyncio.Task[_Sibling]] = OrderedDict()
        self._https: OrderedDict[tuple[str, int], asyncio.Task[tuple[int | None, str]]] = (
            OrderedDict()
        )

    # -- the public entry ------------------------------------------------------
    async def observe(self, target: CheckTarget) -> Observation:
        started = time.monotonic()
        checked_at = datetime.now(UTC)
        timeout = target.timeout or self.settings.timeout
        deadline = started + timeout
        fetched = Fetched(target.url)
        https_task: asyncio.Task[tuple[int | None, str]] | None = None
        try:
            scheme, host, port, _ = split(target.url)
            if scheme == "http" and self.settings.https_probe and self._may_probe_https(host, port):
                https_task = self._https_probe(target.url, host, port)
            async with asyncio.timeout(timeout):
                if self.settings.robots and await self._robots.disallowed(target.url, deadline):
                    raise LinkFailure(ErrorKind.POLICY, "disallowed by robots.txt (--robots)")
                await self._fetch(fetched, target, deadline)
        except TimeoutError:
            fetched.error, fetched.detail = (
                ErrorKind.TIMEOUT,
                f"no complete answer in {timeout:g} s",
            )
        except Exception as exc:  # every failure of a link is data
            fetched.error, fetched.detail = describe(exc)
        elapsed_ms = int((time.monotonic() - started) * 1000)  # the answer, not our analysis
        fp, signals, similarity = await self._enrich(fetched, target, deadline)
        https_status = None
        if https_task is not None and (answer := await self._https_answer(https_task, deadline)):
            https_status, https_error = answer
            if https_status is None:
                signals.append(f"https-error:{https_error}")
        obs = Observation(
            url=target.url,
            checked_at=checked_at,
            status=fetched.status,
            error=fetched.error,
            detail=fetched.detail,
            final_url=fetched.url,
            redirects=tuple(fetched.hops),
            elapsed_ms=elapsed_ms,
            headers=tuple(fetched.headers),
            fingerprint=fp,
            signals=tuple(signals),
            sibling_similarity=similarity,
            https_status=https_status,
            proxy=self.settings.proxy,
            not_modified=fetched.status == 304 and bool(target.etag or target.last_modified),
        )
        if obs.error is ErrorKind.TLS and self.settings.tls_insecure_probe:
            obs = await self._insecure_probe(obs, fetched.url, deadline)
        return bounded_observation(obs)  # what an answer chose to send, within caps

    # -- fetching ----------------------------------------------------------------
    def _headers(
        self, host: str, target: CheckTarget | None, cookies: dict[str, str]
    ) -> list[tuple[str, str]]:
        headers = list(self._base_headers)
        # the user's own headers for this host (a token for an intranet): never sent to
        # another host a redirect leads to, never recorded
        headers += self.settings.headers_for(host)
        if target is not None:
            if target.etag:
                headers.append(("If-None-Match", target.etag))
            if target.last_modified:
                headers.append(("If-Modified-Since", target.last_modified))
        if cookies:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
        return headers

    async def _fetch(
        self,
        fetched: Fetched,
        target: CheckTarget | None,
        deadline: float,
        *,
        max_redirects: int | None = None,
        verify: bool = True,
        cap: int | None = None,
    ) -> None:
        """Follow the chain from fetched.url, recording hops into `fetched` as it goes."""
        limit = self.settings.max_redirects if max_redirects is None else max_redirects
        cookies: dict[str, dict[str, str]] = {}
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        url = fetched.url
        conditional = target
        while True:
            scheme, host, port, request_target = split(url)
            jar = cookies.setdefault(host, {})
            state = (url, tuple(sorted(jar.items())) if jar else ())
            if state in seen:
                raise LinkFailure(ErrorKind.REDIRECT_LOOP, f"redirect loop: {url} again")
            seen.add(state)
            resolution = await self.resolver.resolve(host, port)
            answer = await self.pools.request(
                "GET",
                scheme=scheme,
                host=host,
                port=port,
                target=request_target,
                headers=self._headers(host, conditional, jar),
                addresses=resolution.addresses,
                timeout=max(0.001, deadline - time.monotonic()),
                verify=verify,
            )
            conditional = None  # validators belong to the cited URL only
            try:
                location = answer.header("location")
                if answer.status in REDIRECT_STATUSES and location:
                    _keep_cookies(answer, jar)
                    await _drain_small(answer)
                    fetched.hops.append(bounded_hop(Hop(url, answer.status, header_text(location))))
                    nxt = redirect_target(url, location)
                    _usable_redirect(nxt, location)
                    if len(fetched.hops) > limit:
                        fetched.url = nxt
                        raise LinkFailure(
                            ErrorKind.TOO_MANY_REDIRECTS, f"more than {limit} redirects"
                        )
                    url = fetched.url = nxt
                    continue
                fetched.status = answer.status
                fetched.headers = [(k, v) for k, v in answer.headers if k in KEPT_HEADERS]
                if answer.status >= 200 and answer.status not in (204, 304):
                    fetched.body, fetched.truncated = await read_capped(
                        answer.chunks(),
                        answer.header("content-encoding"),
                        cap or self.settings.body_cap,
                    )
                return
            finally:
                await answer.aclose()

    # -- content analysis ------------------------------------------------------------
    async def _enrich(
        self, fetched: Fetched, target: CheckTarget, deadline: float
    ) -> tuple[Fingerprint | None, list[str], float | None]:
        """Fingerprint, content signals and sibling similarity of an answered check."""
        if fetched.status is None:
            return None, [], None
        content_type = _header(fetched.headers, "content-type") or ""
        final = fetched.url
        page: PageText | None = None
        status = fetched.status
        ok = 200 <= status < 300
        if fetched.body and _is_markup(content_type, fetched.body):
            if ok:
                page = read_page(fetched.body, content_type)
            elif status in _WALL_STATUSES:
                # An error answer is only searched for bot-wall markers: no full parse.
                page = quick_page(decode(fetched.body[:65536], content_type))
        signals: list[str] = []
        if page is not None:
            host = _host(final)
            signals += signatures.challenge_cues(page, fetched.headers)
            signals += placeholders.content_cues(page, fetched.headers, host, ok)
            if ok:
                signals += signatures.soft404_cues(page)
                signals += signatures.parked_cues(page, host)
        else:
            signals += signatures.challenge_cues(None, fetched.headers)
        signals += signatures.url_cues(target.url, final, bool(fetched.hops))
        if not ok or not fetched.body:
            return None, signals, None
        if page is not None:
            fp = fingerprint(final, page)
        else:
            fp = binary_fingerprint(final, fetched.body)
        path = target.url.lower().rsplit("?", 1)[0]
        if path.endswith(".pdf") and "html" in content_type.lower():
            signals.append(f"type-mismatch:cited as PDF, now {content_type.split(';')[0]}")
        similarity: float | None = None
        if self.settings.sibling_probe and page is not None and _is_deep(target.url):
            sibling = await self._sibling(target.url, deadline)
            if sibling is not None:
                similarity, more = _compare(fp, fetched, sibling)
                signals += more
        return fp, signals, similarity

    # -- per-host probes ------------------------------------------------------------
    async def _sibling(self, url: str, deadline: float) -> _Sibling | None:
        scheme, host, port, target = split(url)
        key = _origin_key(scheme, host, port)
        task = self._siblings.get(key)
        if task is None:
            directory = target.split("?", 1)[0].rsplit("/", 1)[0]
            name = "".join(random.choices(string.ascii_lowercase, k=25))
            sibling_url = f"{scheme}://{urlsplit(url).netloc}{directory}/{name}"
            task = asyncio.ensure_future(self._fetch_sibling(sibling_url))
            task.add_done_callback(_retrieve)
            self._siblings[key] = task
            _trim(self._siblings, self.settings.max_hosts)
        try:
            if task.done():  # the usual case, once per host: no timer, no shield
                return task.result()
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                return await asyncio.shield(task)
        except (TimeoutError, Exception):
            return None

    async def _fetch_sibling(self, url: str) -> _Sibling:
        fetched = Fetched(url)
        timeout = min(self.settings.timeout, self.settings.probe_timeout)
        try:
            async with asyncio.timeout(timeout):
                await self._fetch(fetched, None, time.monotonic() + timeout)
        except Exception as exc:
            fetched.error, fetched.detail = describe(exc)
        fp = None
        if fetched.status is not None and 200 <= fetched.status < 300:
            content_type = _header(fetched.headers, "content-type") or ""
            if _is_markup(content_type, fetched.body):
                fp = fingerprint(fetched.url, read_page(fetched.body, content_type))
            else:
                fp = binary_fingerprint(fetched.url, fetched.body)
        return _Sibling(fetched.status, fetched.url, len(fetched.hops), fp)

    async def _fetch_robots(self, url: str) -> tuple[int | None, bytes]:
        fetched = Fetched(url)
        timeout = min(self.settings.timeout, self.settings.probe_timeout)
        try:
            async with asyncio.timeout(timeout):
                await self._fetch(
                    fetched, None, time.monotonic() + timeout, max_redirects=5, cap=MAX_ROBOTS
                )
        except Exception:
            return None, b""
        return fetched.status, fetched.body

    def _may_probe_https(self, host: str, port: int) -> bool:
        """Not for a name the user mapped for http only: it would go to the real host."""
        return not self.resolver.is_mapped(host, port) or self.resolver.is_mapped(
            host, self.settings.https_port
        )

    def forget(self) -> None:
        """A new run: probe hosts afresh (finished probes only; running ones finish)."""
        self._siblings = OrderedDict((k, t) for k, t in self._siblings.items() if not t.done())
        self._https = OrderedDict((k, t) for k, t in self._https.items() if not t.done())

    async def aclose(self) -> None:
        await self._robots.aclose()
        tasks = [*self._siblings.values(), *self._https.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _https_probe(self, url: str, host: str, port: int) -> asyncio.Task[tuple[int | None, str]]:
        key = (host, port)
        task = self._https.get(key)
        if task is None:
            parts = urlsplit(url)
            netloc = f"[{host}]" if ":" in host else host
            if self.settings.https_port != 443:
                netloc += f":{self.settings.https_port}"
            https_url = parts._replace(scheme="https", netloc=netloc).geturl()
            task = asyncio.ensure_future(self._fetch_https(https_url))
            task.add_done_callback(_retrieve)
            self._https[key] = task
            _trim(self._https, self.settings.max_hosts)
        return task

    async def _fetch_https(self, url: str) -> tuple[int | None, str]:
        fetched = Fetched(url)
        timeout = min(self.settings.timeout, self.settings.probe_timeout)
        try:
            async with asyncio.timeout(timeout):
                await self._fetch(fetched, None, time.monotonic() + timeout, max_redirects=0, cap=1)
        except LinkFailure as exc:
            if exc.kind is ErrorKind.TOO_MANY_REDIRECTS and fetched.hops:
                return fetched.hops[0].status, ""
            return None, f"{exc.kind.value}: {exc.detail}"
        except TimeoutError:
            return None, "timeout"
        except Exception as exc:
            kind, detail = describe(exc)
            return None, f"{kind.value}: {detail}"
        return fetched.status, ""

    async def _https_answer(
        self, task: asyncio.Task[tuple[int | None, str]], deadline: float
    ) -> tuple[int | None, str] | None:
        """The host's https:// answer (status or error), None if it did not come in time."""
        if task.done():  # the usual case, once per host: no timer, no shield
            return task.result()
        try:
            async with asyncio.timeout(max(0.05, deadline - time.monotonic())):
                return await asyncio.shield(task)
        except TimeoutError:
            return None

    async def _insecure_probe(self, obs: Observation, url: str, deadline: float) -> Observation:
        """After a certificate failure: does the site answer unverified? Evidence only."""
        fetched = Fetched(url)
        remaining = max(0.5, min(5.0, deadline - time.monotonic() + 1.0))
        try:
            async with asyncio.timeout(remaining):
                await self._fetch(
                    fetched,
                    None,
                    time.monotonic() + remaining,
                    verify=False,
                    max_redirects=0,
                    cap=1,
                )
            note = f"HTTP {fetched.status}"
        except LinkFailure as exc:
            note = (
                f"HTTP {fetched.hops[0].status}"
                if exc.kind is ErrorKind.TOO_MANY_REDIRECTS and fetched.hops
                else f"fails too ({exc.detail})"
            )
        except Exception as exc:
            note = f"fails too ({describe(exc)[1]})"
        return replace(obs, signals=(*obs.signals, f"tls-insecure:{note}"))


def _compare(
    fp: Fingerprint, fetched: Fetched, sibling: _Sibling
) -> tuple[float | None, list[str]]:
    if sibling.status is None:
        return None, []
    if not 200 <= sibling.status < 300 or sibling.fingerprint is None:
        return None, [f"sibling-status:{sibling.status}"]
    signals: list[str] = []
    if sibling.hops and fetched.hops and sibling.final_url == fetched.url:
        signals.append(f"sibling-same-final-url:{fetched.url[:120]}")
    similarity = text_similarity(fp, sibling.fingerprint)
    if fp.length < _THIN and sibling.fingerprint.length < _THIN:
        signals.append("sibling-thin")
    return round(similarity, 3), signals


def _is_deep(url: str) -> bool:
    path, _, query = split(url)[3].partition("?")
    return not signatures.is_root_path(path, query)


def _host(url: str) -> str:
    try:
        return split(url)[1]
    except LinkFailure:
        return ""


def _is_markup(content_type: str, body: bytes) -> bool:
    ct = content_type.lower()
    if "html" in ct or "xml" in ct:
        return True
    if ct and not ct.startswith("text/"):
        return False
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<title", b"<body", b"<"))


async def _drain_small(answer: Answer) -> None:
    """Read a short redirect body to its end, so the connection can be reused."""
    length = answer.header("content-length")
    if length is not None and length.isdigit() and int(length) <= 65536:
        async for _ in answer.chunks():
            pass


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def _keep_cookies(answer: Answer, jar: dict[str, str]) -> None:
    for raw in answer.header_all("set-cookie")[:20]:
        pair = raw.split(";", 1)[0]
        name, sep, value = pair.partition("=")
        if sep and name.strip():
            jar[name.strip()] = value.strip()


def _trim(cache: OrderedDict[K, V], n: int) -> None:
    while len(cache) > n:
        cache.popitem(last=False)


def _retrieve(task: asyncio.Future[V]) -> None:
    if not task.cancelled():
        task.exception()  # failures are recorded as data by the awaiting check
