"""Shared fixtures: real loopback servers, each stopped by the test that started it."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers.web import WebServer


@pytest.fixture(name="web")
def _web() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test asks a real resolver (a DNS query could leave this machine): every name but
    "localhost" fails as on a machine without DNS; IP literals pass through. Tests that run
    `audit` in a subprocess use IP-literal URLs and `--canary localhost` instead."""
    original = asyncio.BaseEventLoop.getaddrinfo

    async def getaddrinfo(self: asyncio.BaseEventLoop, host: Any, *args: Any, **kw: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            if name != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return await original(self, host, *args, **kw)

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)
