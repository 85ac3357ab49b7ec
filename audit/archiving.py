"""The archive step: one lookup per resource, cached in the store."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from audit.archive import Archiver, ArchiveRequest, ArchiveSettings
from audit.check import classify_page
from audit.models import ArchiveLookup, ArchiveStatus, Judgement, Resource, Verdict
from audit.store import Store

log = logging.getLogger(__name__)


class _StoreCache:
    """The archive step's cache, kept in the store (fresh entries only).

    A cached lookup made without replay verification is not good enough for a
    resource that now needs a replacement (`verify`): it is asked again.
    """

    def __init__(self, store: Store, freshness: timedelta, verify: frozenset[str]) -> None:
        self._store, self._freshness, self._verify = store, freshness, verify

    def get(self, url: str, now: datetime) -> ArchiveLookup | None:
        hit = self._store.get_snapshot(url)
        if hit is None:
            return None
        at, lookup = hit
        if lookup.status is ArchiveStatus.UNKNOWN or now - at > self._freshness:
            return None
        if (
            url in self._verify
            and lookup.status is ArchiveStatus.ARCHIVED
            and not (lookup.recommended and lookup.recommended.verified is not None)
        ):
            return None
        return lookup

    def put(self, lookup: ArchiveLookup) -> None:
        self._store.put_snapshot(lookup, lookup.checked_at or datetime.now(UTC))


def archive_requests(
    resources: Iterable[Resource],
    judgements: dict[str, Judgement] | None = None,
    verdicts: Mapping[str, Verdict] | None = None,
) -> list[ArchiveRequest]:
    """One lookup per resource with an address; the verdict decides verify and save.

    `verdicts` (the store's latest, for `audit archive`) stand in for judgements.
    """
    out = []
    for r in resources:
        if not r.url:
            continue
        verdict = judgements[r.id].verdict if judgements and r.id in judgements else None
        if verdict is None and verdicts:
            verdict = verdicts.get(r.id)
        out.append(
            ArchiveRequest(
                url=r.url,
                cited_on=date.fromisoformat(r.cited_on) if r.cited_on else None,
                key=r.id,
                live_ok=verdict is Verdict.ALIVE,
                # the snapshot a report will recommend is replayed and checked
                verify=verdict in (None, Verdict.DEAD, Verdict.SUSPECT, Verdict.MOVED),
            )
        )
    return out


async def lookup_archives(
    requests: Iterable[ArchiveRequest],
    settings: ArchiveSettings,
    now: datetime,
    store: Store | None,
    unreachable: dict[str, str] | None = None,
) -> AsyncIterator[ArchiveLookup]:
    """Lookups in request order; `unreachable` receives the endpoints found unreachable."""
    wanted = list(requests)
    verify = frozenset(r.url for r in wanted if r.verify)
    cache = _StoreCache(store, settings.freshness, verify) if store else None
    async with Archiver(settings, cache=cache, page_check=classify_page) as archiver:
        try:
            async for lookup in archiver.lookup_all(wanted, now):
                yield lookup
        finally:
            if unreachable is not None:
                unreachable.update(archiver.unreachable)


def unreachable_note(unreachable: Mapping[str, str]) -> str | None:
    """The one line output and reports carry when archive endpoints could not be reached."""
    if not unreachable:
        return None
    return "archives unreachable: " + "; ".join(
        f"{name} ({why})" for name, why in sorted(unreachable.items())
    )


async def archive_into_store(
    requests: Iterable[ArchiveRequest], settings: ArchiveSettings, store: Store, now: datetime
) -> str | None:
    unreachable: dict[str, str] = {}
    async for lookup in lookup_archives(requests, settings, now, store, unreachable):
        log.debug("archive %s: %s", lookup.url, lookup.status)
    return unreachable_note(unreachable)
