"""Helpers for checker tests: run a Checker against loopback servers, synchronously."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import pytest

from audit.check import Checker, CheckResult, CheckSettings, CheckTarget

# Tests reach only loopback servers; "localhost" as canary makes the run online
# on a machine without DNS, `*.invalid` canaries make it offline.
BASE = CheckSettings(
    allow_private=True,
    timeout=3.0,
    retries=0,
    min_interval=0.0,
    https_probe=False,
    sibling_probe=False,
    canaries=("localhost",),
    backoff=0.05,
)


def settings(**changes: object) -> CheckSettings:
    return replace(BASE, **changes)  # type: ignore[arg-type]


def check_all(
    urls: Iterable[str | CheckTarget], s: CheckSettings | None = None
) -> dict[str, CheckResult]:
    """Check every URL; results by URL."""

    async def go() -> dict[str, CheckResult]:
        targets = [u if isinstance(u, CheckTarget) else CheckTarget(u) for u in urls]
        out: dict[str, CheckResult] = {}
        async with Checker(s or BASE) as checker:
            async for result in checker.run(targets):
                out[result.target.url] = result
        return out

    return asyncio.run(go())


def check_one(url: str | CheckTarget, s: CheckSettings | None = None) -> CheckResult:
    results = check_all([url], s)
    assert len(results) == 1
    return next(iter(results.values()))


@pytest.fixture(autouse=True)
def _no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test asks a real resolver (a DNS query could leave this machine): every name
    but "localhost" fails as on a machine without DNS; IP literals pass through."""
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
