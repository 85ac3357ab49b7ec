"""Running the archiver against the fake archive from synchronous tests."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from audit.archive import Archiver, ArchiveRequest, ArchiveSettings, SnapshotCache
from audit.archive.verify import PageCheck
from audit.models import ArchiveLookup

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


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
