"""Running the archiver against the fake archive from synchronous tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import httpx

from audit.archive import Archiver, ArchiveRequest, ArchiveSettings, SnapshotCache
from audit.archive._http import Endpoint
from audit.archive.ratelimit import Limiter
from audit.archive.verify import PageCheck
from audit.models import ArchiveLookup

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
T = TypeVar("T")


def lookup_all(
    settings: ArchiveSettings,
    requests: Sequence[ArchiveRequest],
    *,
    cache: SnapshotCache | None = None,
    page_check: PageCheck | None = None,
    now: datetime = NOW,
) -> list[ArchiveLookup]:
    async def go() -> list[ArchiveLookup]:
        async with Archiver(settings, cache, page_check) as archiver:
            return [x async for x in archiver.lookup_all(requests, now)]

    return asyncio.run(asyncio.wait_for(go(), 30))


def lookup(settings: ArchiveSettings, request: ArchiveRequest, **kw: object) -> ArchiveLookup:
    return lookup_all(settings, [request], **kw)[0]  # type: ignore[arg-type]


def with_endpoint(call: Callable[[Endpoint], Awaitable[T]]) -> T:
    """Run `call` with a bare, unlimited `Endpoint` (for module-level functions)."""

    async def go() -> T:
        async with httpx.AsyncClient(follow_redirects=False, timeout=5) as client:
            limiter = Limiter("test", 0, max_wait=5)
            endpoint = Endpoint(
                client, limiter, retries=0, backoff=0.01, default_pause=0.05, max_wait=5
            )
            return await call(endpoint)

    return asyncio.run(asyncio.wait_for(go(), 30))
