"""archive step: where archived copies of a resource live, and which to recommend.

async with Archiver(settings, cache, page_check) as archiver:
    async for lookup in archiver.lookup_all(requests, now):
        print(lookup_to_json(lookup), best_replacement(lookup))
"""

from audit.archive.lookup import Archiver, ArchiveRequest, MemoryCache, SnapshotCache
from audit.archive.results import best_replacement, lookup_to_json, snapshot_to_json
from audit.archive.settings import ArchiveSettings
from audit.archive.verify import PageCheck

__all__ = [
    "ArchiveRequest",
    "ArchiveSettings",
    "Archiver",
    "MemoryCache",
    "PageCheck",
    "SnapshotCache",
    "best_replacement",
    "lookup_to_json",
    "snapshot_to_json",
]
