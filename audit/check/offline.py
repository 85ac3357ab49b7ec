"""Is *our* network up? A failure while it is down says nothing about the resource.

Canary names that always exist are resolved once at the start of a run. If
most of them fail, the run is offline: CI machines without DNS fail every
name, which would otherwise look like thousands of dead domains. Hosts the
user mapped with `--resolve` do not need the network and keep real outcomes.

Names can resolve while nothing outside can be reached (a firewall, a dead
proxy): then every host fails the same way. `Silence` holds such failures
until some outside host answers; if none has by the end of the run, and
enough hosts failed, the run was offline after all.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from audit.check.classify import classify
from audit.check.errors import LinkFailure
from audit.check.resolve import Resolver
from audit.check.settings import CheckResult
from audit.models import ErrorKind, Network, Observation

log = logging.getLogger(__name__)

# Failures that a dead local network or resolver produces by itself.
NETWORK_FAILURES = frozenset(
    {
        ErrorKind.DNS_NXDOMAIN,
        ErrorKind.DNS_ERROR,
        ErrorKind.CONNECT,
        ErrorKind.RESET,
        ErrorKind.TIMEOUT,
        ErrorKind.TLS,
        ErrorKind.PROXY,
    }
)


# Failures that say a host did not answer us. Not NXDOMAIN: that is the DNS
# answering, so our resolver works, and a list of dead domains stays dead.
SILENT_FAILURES = NETWORK_FAILURES - {ErrorKind.DNS_NXDOMAIN}


def verdict(resolved: int, total: int) -> Network:
    """Online when more than half of the canaries resolve (no canaries: assume online)."""
    if total == 0 or resolved * 2 > total:
        return Network.ONLINE
    return Network.OFFLINE


class NetworkMonitor:
    def __init__(self, canaries: tuple[str, ...], resolver: Resolver) -> None:
        self._canaries = canaries
        self._resolver = resolver
        self._task: asyncio.Task[Network] | None = None
        self.detail = ""

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._probe())

    @property
    def current(self) -> Network:
        """The state as known now (online until the canaries say otherwise)."""
        if self._task is not None and self._task.done() and not self._task.cancelled():
            return self._task.result()
        return Network.ONLINE

    async def state(self) -> Network:
        self.start()
        assert self._task is not None
        return await asyncio.shield(self._task)

    async def _probe(self) -> Network:
        async def one(name: str) -> str | None:
            try:
                await self._resolver.lookup(name, 443)
            except LinkFailure as exc:
                return exc.detail
            return None

        failures = await asyncio.gather(*(one(n) for n in self._canaries))
        bad = [f for f in failures if f is not None]
        network = verdict(len(self._canaries) - len(bad), len(self._canaries))
        if network is Network.OFFLINE:
            self.detail = f"{len(bad)} of {len(self._canaries)} canary names fail ({bad[0]})"
            log.warning("network offline: %s", self.detail)
        return network

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def mark_offline(obs: Observation, why: str) -> Observation:
    """Re-label a failure that the dead network explains; keep the original as detail."""
    kind = obs.error.value if obs.error else "failure"
    return replace(
        obs,
        error=ErrorKind.OFFLINE,
        detail=f"network offline ({why}); {kind}: {obs.detail}",
    )


@dataclass(slots=True)
class Silence:
    """Did any outside host answer this run? Holds the silent failures until one does.

    `see` returns the results to pass on now; `finish` the ones still held at the
    end, re-labelled `offline` when at least `min_hosts` outside hosts failed and
    none answered (with `why`), else as they were. Results from `--resolve`
    mappings and local addresses (`outside` False) pass straight through and
    prove nothing either way.
    """

    min_hosts: int
    answered: bool = False
    held: list[CheckResult] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)

    def see(self, result: CheckResult, *, outside: bool) -> list[CheckResult]:
        obs = result.observation
        if self.answered or not outside or not self.min_hosts:
            return [result]
        if obs.status is not None:  # an answer from outside: our network works
            self.answered = True
            held, self.held = self.held, []
            return [*held, result]
        if obs.error in SILENT_FAILURES:
            self.held.append(result)
            self.hosts.add((urlsplit(obs.url).hostname or "").lower())
            return []
        return [result]

    def finish(self) -> tuple[list[CheckResult], str]:
        held, self.held = self.held, []
        if self.answered or not self.min_hosts or len(self.hosts) < self.min_hosts:
            return held, ""
        kinds = Counter(str(r.observation.error) for r in held)
        why = f"none of {len(self.hosts)} hosts answered: " + ", ".join(
            f"{n} {kind}" for kind, n in kinds.most_common()
        )
        log.warning("network offline: %s", why)
        return [_offline(r, why) for r in held], why


def _offline(result: CheckResult, why: str) -> CheckResult:
    obs = mark_offline(result.observation, why)
    return replace(result, observation=obs, classification=classify(obs, result.target.accept))
