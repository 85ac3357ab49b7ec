"""Helpers for checker tests: run a Checker against loopback servers, synchronously."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace

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
