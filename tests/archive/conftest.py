"""Fixtures for the archive step: the fake archive and fast settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from audit.archive import ArchiveSettings
from tests.servers.archive import FakeArchive

FAST = ArchiveSettings(
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
    settings = replace(FAST, **{**fake.endpoints(), **overrides})
    urls = [settings.wayback_url, settings.availability_url]
    urls += [u for _, u in settings.memento_timemaps + settings.memento_timegates]
    assert all(u.startswith("http://127.") for u in urls), urls  # never the internet
    return settings


@pytest.fixture(name="fake")
def _fake() -> Iterator[FakeArchive]:
    with FakeArchive() as server:
        yield server
