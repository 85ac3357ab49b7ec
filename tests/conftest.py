"""Shared fixtures: real loopback servers, each stopped by the test that started it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.web import WebServer


@pytest.fixture(name="web")
def _web() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server
