"""Orchestration: for each resource, ask every archive, merge, verify, maybe save.

Order per resource (docs/archive-protocols.md §8): Wayback CDX, else the
availability API; the Memento archives' TimeMaps (else their TimeGates); the
recommended snapshot replayed and classified; Save Page Now when asked.
An archive that cannot be asked makes the answer `unknown`, never
`not_archived`: only archives that all answered "none" make that.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Protocol

import httpx

from audit.archive import memento, wayback
from audit.archive._http import Endpoint, Unavailable
from audit.archive.guard import Breaker
from audit.archive.ratelimit import Limiter
from audit.archive.results import Finding, merge, verification_order
from audit.archive.save import SKIPPED, SaveClient
from audit.archive.settings import DEFAULT_FRESHNESS, ArchiveSettings
from audit.archive.timestamps import citation_instant, parse_timestamp
from audit.archive.verify import PageCheck, verify_snapshot
from audit.check.transport import resolving_transport
from audit.models import ArchiveLookup, ArchiveStatus, SaveResult, Snapshot
from audit.netpolicy import AddressPolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ArchiveRequest:
    """One resource to look up."""

    url: str
    cited_on: date | None = None  # or the `--date` override
    key: str | None = None  # the caller's opaque id (resource id), passed through
    live_ok: bool = False  # the live resource is fine: SPN may capture it
    verify: bool = True  # replay the recommended snapshot (for dead/suspect/moved)


class SnapshotCache(Protocol):
    """Where lookups are remembered (the lead's SQLite store implements it)."""

    def get(self, url: str, now: datetime) -> ArchiveLookup | None:
        """A lookup of `url` still fresh at `now`, else None."""
        ...

    def put(self, lookup: ArchiveLookup) -> None: ...


class MemoryCache:
    """A `SnapshotCache` in a dict (for tests and one-off runs)."""

    def __init__(self, freshness: timedelta = DEFAULT_FRESHNESS) -> None:
        self._window = freshness
        self._entries: dict[str, ArchiveLookup] = {}

    def get(self, url: str, now: datetime) -> ArchiveLookup | None:
        hit = self._entries.get(url)
        if hit is None or hit.checked_at is None or now - hit.checked_at > self._window:
            return None
        return hit

    def put(self, lookup: ArchiveLookup) -> None:
        self._entries[lookup.url] = lookup


class Archiver:
    """Looks resources up in the archives; an async context manager owning the client."""

    def __init__(
        self,
        settings: ArchiveSettings,
        cache: SnapshotCache | None = None,
        page_check: PageCheck | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.page_check = page_check
        self._client: httpx.AsyncClient | None = None
        self._endpoints: dict[str, Endpoint] = {}
        s = settings
        trusted = [s.wayback_url, s.availability_url]
        trusted += [u for _, u in s.memento_timemaps + s.memento_timegates]
        self._policy = AddressPolicy(trusted, allow_private=s.allow_private, timeout=s.timeout)

    @property
    def unreachable(self) -> dict[str, str]:
        """Endpoints whose breaker opened during this run, with the reason."""
        return {
            name: e.breaker.reason
            for name, e in self._endpoints.items()
            if e.breaker.reason is not None
        }

    async def __aenter__(self) -> Archiver:
        s = self.settings
        self._client = httpx.AsyncClient(
            timeout=s.timeout,
            headers={"User-Agent": s.user_agent},
            follow_redirects=False,  # archive redirects carry meaning: we walk them
            # Names through the checker's resolver, never getaddrinfo (the proxy's too).
            transport=resolving_transport(dns_server=s.dns_server, proxy=s.proxy),
        )
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _endpoint(self, name: str, per_minute: float) -> Endpoint:
        """One shared limiter per endpoint family (limits are per client, not per task)."""
        if name not in self._endpoints:
            if self._client is None:
                raise RuntimeError("Archiver used outside `async with`")
            s = self.settings
            self._endpoints[name] = Endpoint(
                self._client,
                Limiter(name, per_minute, max_wait=s.max_wait),
                retries=s.retries,
                backoff=s.backoff,
                default_pause=s.rate_limit_pause,
                max_wait=s.max_wait,
                deadline=s.timeout,
                max_body=_cap(name, s),
                breaker=Breaker(s.breaker_failures),
                policy=self._policy,
            )
        return self._endpoints[name]

    @property
    def _cdx(self) -> Endpoint:
        return self._endpoint("wayback-cdx", self.settings.cdx_per_minute)

    async def lookup_all(
        self, requests: Iterable[ArchiveRequest], now: datetime
    ) -> AsyncIterator[ArchiveLookup]:
        """Look every request up, a few at a time; one result per request, in order.

        Requests that differ only in `key` share one lookup (registries cite
        the same URL from several documents).
        """
        gate = asyncio.Semaphore(max(1, self.settings.concurrency))

        async def one(request: ArchiveRequest) -> ArchiveLookup:
            async with gate:
                return await self.lookup(request, now)

        shared: dict[ArchiveRequest, asyncio.Task[ArchiveLookup]] = {}
        tasks: list[asyncio.Task[ArchiveLookup]] = []
        for request in requests:
            same = replace(request, key=None)
            if same not in shared:
                shared[same] = asyncio.create_task(one(request))
            tasks.append(shared[same])
        try:
            for task in tasks:
                yield await task
        finally:
            for task in shared.values():
                task.cancel()
            await asyncio.gather(*shared.values(), return_exceptions=True)

    async def lookup(self, request: ArchiveRequest, now: datetime) -> ArchiveLookup:
        """One resource: the cache if fresh, else every archive, then verify and save."""
        if self.cache is not None:
            hit = self.cache.get(request.url, now)
            if hit is not None:
                log.debug("archive: %s fresh in cache", request.url)
                if not (self.settings.save and request.live_ok and hit.saved is None):
                    return hit
                # Asked to save: a fresh lookup needs no repeating, the capture does.
                saved = await self._save(request.url, hit, now, rate_limited=False)
                hit = replace(hit, saved=saved)
                self.cache.put(hit)
                return hit
        s = self.settings
        when = citation_instant(request.cited_on) if request.cited_on else None
        jobs = [self._wayback(request)]
        if s.memento:
            jobs += [
                self._memento(name, base, request.url, when or now)
                for name, base in s.memento_timemaps
            ]
        sources = await asyncio.gather(*jobs)
        result = merge(request.url, sources, when, now)
        if s.verify and request.verify and result.status is ArchiveStatus.ARCHIVED:
            found = [snap for src in sources for snap in src.snapshots]
            result = await self._verify(request, result, found, when)
        if s.save and request.live_ok:
            rate_limited = any(src.rate_limited for src in sources if src.archive == "wayback")
            result = replace(result, saved=await self._save(request.url, result, now, rate_limited))
        if self.cache is not None and result.status is not ArchiveStatus.UNKNOWN:
            self.cache.put(result)
        return result

    async def _wayback(self, request: ArchiveRequest) -> Finding:
        s = self.settings
        try:
            listing = await wayback.cdx_rows(
                self._cdx,
                s.cdx_endpoint,
                request.url,
                page_size=s.cdx_page_size,
                max_pages=s.cdx_max_pages,
            )
            snaps = [wayback.row_snapshot(s.wayback_url, r) for r in listing.rows]
            detail = ""
            if not listing.complete:
                detail = f"more than {len(listing.rows)} captures (count is a lower bound)"
                try:
                    latest = await wayback.cdx_latest(self._cdx, s.cdx_endpoint, request.url)
                except Unavailable as exc:  # keep what the listing gave
                    latest, detail = None, f"{detail}; latest unknown: {exc.reason}"
                if latest is not None and (not snaps or latest.timestamp > snaps[-1].timestamp):
                    snaps.append(wayback.row_snapshot(s.wayback_url, latest))
            return Finding("wayback", tuple(snaps), len(listing.rows), detail=detail)
        except Unavailable as cdx_failure:
            log.info(
                "archive: CDX failed for %s (%s); trying availability",
                request.url,
                cdx_failure.reason,
            )
            return await self._availability(request, cdx_failure)

    async def _availability(self, request: ArchiveRequest, cdx: Unavailable) -> Finding:
        s = self.settings
        endpoint = self._endpoint("availability", s.availability_per_minute)
        try:
            snap = await wayback.availability_snapshot(
                endpoint,
                s.availability_endpoint,
                s.wayback_url,
                request.url,
                request.cited_on,
                tries=s.availability_tries,
            )
        except Unavailable as exc:
            return Finding(
                "wayback",
                answered=False,
                detail=f"{cdx.reason}; {exc.reason}",
                rate_limited=cdx.rate_limited or exc.rate_limited,
            )
        if snap is None:
            # The availability API's "none" is soft (spurious empties): not conclusive.
            return Finding(
                "wayback",
                answered=False,
                rate_limited=cdx.rate_limited,
                detail=f"{cdx.reason}; availability API found none (not conclusive)",
            )
        return Finding(
            "wayback",
            (snap,),
            None,
            rate_limited=cdx.rate_limited,
            detail=f"{cdx.reason}; closest snapshot from the availability API",
        )

    async def _memento(self, name: str, base: str, url: str, when: datetime) -> Finding:
        s = self.settings
        endpoint = self._endpoint(f"memento:{name}", s.memento_per_minute)
        try:
            timemap = await memento.fetch_timemap(endpoint, base, url)
        except Unavailable as failure:
            gate = dict(s.memento_timegates).get(name)
            # The TimeGate is on the same host: after a 429 it would be refused too.
            if gate is None or failure.rate_limited:
                return Finding(
                    name, answered=False, detail=failure.reason, rate_limited=failure.rate_limited
                )
            try:
                found = await memento.negotiate(endpoint, gate, url, when)
            except Unavailable as exc:
                return Finding(
                    name,
                    answered=False,
                    detail=f"{failure.reason}; {exc.reason}",
                    rate_limited=exc.rate_limited,
                )
            if found is None:
                return Finding(name)
            return Finding(
                name,
                (memento.memento_snapshot(name, found),),
                None,
                detail=f"{failure.reason}; nearest memento from the TimeGate",
            )
        if timemap is None:
            return Finding(name)
        snaps = tuple(memento.memento_snapshot(name, m) for m in timemap.mementos)
        return Finding(name, snaps, len(snaps))

    def _replay_endpoint(self, archive: str) -> Endpoint:
        if archive == wayback.WAYBACK:
            return self._endpoint("wayback-replay", self.settings.replay_per_minute)
        return self._endpoint(f"memento:{archive}", self.settings.memento_per_minute)

    async def _verify(
        self,
        request: ArchiveRequest,
        result: ArchiveLookup,
        found: Sequence[Snapshot],
        when: datetime | None,
    ) -> ArchiveLookup:
        """Replay candidates, best first, until one is a real page; mark what was seen."""
        marks: dict[tuple[str, str], bool | None] = {}
        recommended: Snapshot | None = None
        notes: list[str] = []
        for snap in verification_order(found, when)[: self.settings.max_verify]:
            outcome = await verify_snapshot(
                self._replay_endpoint(snap.archive), snap, request.url, self.page_check
            )
            marks[(snap.archive, snap.timestamp)] = outcome.verified
            notes.append(f"{snap.archive} {snap.timestamp}: {outcome.detail}")
            if outcome.verified:
                chosen = outcome.replayed or snap
                recommended = replace(chosen, verified=True, status=outcome.status or snap.status)
                break
            if outcome.verified is None:
                break  # the archive cannot be asked now: don't hammer it

        def mark(snap: Snapshot | None) -> Snapshot | None:
            if snap is None or (snap.archive, snap.timestamp) not in marks:
                return snap
            return replace(snap, verified=marks[(snap.archive, snap.timestamp)])

        detail = "; ".join(filter(None, [result.detail, "verify: " + " | ".join(notes)]))
        return replace(
            result,
            first=mark(result.first),
            last=mark(result.last),
            nearest=mark(result.nearest),
            before=mark(result.before),
            after=mark(result.after),
            recommended=recommended,
            detail=detail,
        )

    async def _save(
        self, url: str, result: ArchiveLookup, now: datetime, rate_limited: bool
    ) -> SaveResult:
        s = self.settings
        if not (s.access_key and s.secret_key):
            return SaveResult(None, SKIPPED, "no IA_ACCESS_KEY / IA_SECRET_KEY")
        if rate_limited:
            return SaveResult(None, SKIPPED, "the Wayback Machine is rate-limiting us")
        latest = max(
            (x for x in (result.last, result.nearest) if x and x.archive == "wayback"),
            key=lambda x: x.timestamp,
            default=None,
        )
        latest_at = parse_timestamp(latest.timestamp) if latest else None
        if latest_at is not None and now - latest_at < s.if_not_archived_within:
            return SaveResult(
                None, SKIPPED, f"captured recently ({latest.timestamp if latest else ''})"
            )
        client = SaveClient(
            self._endpoint("spn-submit", s.save_per_minute),
            self._endpoint("spn-status", s.replay_per_minute),
            s.save_endpoint,
            access_key=s.access_key,
            secret_key=s.secret_key,
            within=s.if_not_archived_within,
            poll_interval=s.poll_interval,
            poll_limit=s.poll_limit,
            max_wait=s.max_wait,
        )
        return await client.save(url)


def _cap(name: str, s: ArchiveSettings) -> int:
    """The body cap of an endpoint family (replays ask for less themselves)."""
    if name == "wayback-cdx":
        return s.cdx_max_bytes
    if name.startswith("memento:"):  # TimeMaps, TimeGates and their replays
        return max(s.timemap_max_bytes, s.replay_max_bytes)
    if name == "wayback-replay":
        return s.replay_max_bytes
    return s.api_max_bytes
