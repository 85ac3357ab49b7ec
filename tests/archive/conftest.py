"""Fixtures for the archive step: the fake archive and fast settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from audit.archive import ArchiveSettings
from tests.servers.archive import FakeArchive

FAST = ArchiveSettings(
    memento_timemaps=(),
    memento_timegates=(),
    timeout=5.0,
    cdx_per_minute=600_000.0,
    availability_per_minute=600_000.0,
    replay_per_minute=600_000.0,
    memento_per_minute=600_000.0,
    save_per_minute=600_000.0,
    rate_limit_pause=0.05,
    max_wait=5.0,
    backoff=0.01,
    poll_interval=0.01,
    poll_limit=10,
)


def settings_for(fake: FakeArchive, **overrides: Any) -> ArchiveSettings:
    """Fast settings with every endpoint on the fake archive."""
    return replace(
        FAST,
        wayback_url=fake.wayback_url,
        availability_url=fake.availability_url,
        **overrides,
    )


@pytest.fixture(name="fake")
def _fake() -> Iterator[FakeArchive]:
    with FakeArchive() as server:
        yield server
