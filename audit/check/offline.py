"""Is *our* network up? A failure while it is down says nothing about the resource.

Canary names that always exist are resolved once at the start of a run. If
most of them fail, the run is offline: CI machines without DNS fail every
name, which would otherwise look like thousands of dead domains. Hosts the
user mapped with `--resolve` do not need the network and keep real outcomes.

Names can resolve while nothing outside can be reached (a firewall, a dead
proxy): then every host fails the same way. `Silence` holds such failures
until some outside host answers. If none has by the end of the run and enough
hosts failed, one more question settles it: does a TCP connection to a
canary (or to the proxy) open? If not, the run was offline after all; if it
does, the failures are real (a run may well check only dead sites: the
re-checks that confirm them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from audit.check.classify import classify
from audit.check.errors import LinkFailure
from audit.check.resolve import Resolver
from audit.check.schedule import host_of
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


def place(canary: str) -> tuple[str, int]:
    """A canary as (host, port): "example.com" is port 443, "localhost:8080" names its port."""
    host, sep, port = canary.rpartition(":")
    if sep and port.isdigit() and host and not host.endswith(":"):
        return host.strip("[]"), int(port)
    return canary, 443


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
        async def one(canary: str) -> str | None:
            try:
                await self._resolver.lookup(*place(canary))
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

    async def unreachable(self, proxy: str | None, timeout: float) -> str:
        """'' when a TCP connection opens to a canary, or to the proxy when there is
        one: our side of the network works. Else why not (no canaries: '')."""
        if proxy:
            u = urlsplit(proxy)
            places = [(u.hostname or "", u.port or (443 if u.scheme == "https" else 80))]
        else:
            places = [place(c) for c in self._canaries]

        async def one(host: str, port: int) -> str:
            why = "no address"
            try:
                async with asyncio.timeout(timeout):
                    for address in await self._resolver.lookup(host, port):
                        try:
                            _, writer = await asyncio.open_connection(address, port)
                        except OSError as exc:
                            why = str(exc)
                            continue
                        writer.close()
                        with contextlib.suppress(OSError):
                            await writer.wait_closed()
                        return ""
            except LinkFailure as exc:
                return exc.detail
            except TimeoutError:
                why = "no answer in time"
            return f"{host}:{port}: {why}"

        reasons = await asyncio.gather(*(one(h, p) for h, p in places))
        if not reasons or "" in reasons:
            return ""
        what = "the proxy" if proxy else f"{len(reasons)} of {len(reasons)} canaries"
        return f"{what} cannot be reached ({reasons[0]})"

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

    `see` returns the results to pass on now. At the end, `finish` asks
    `suspect` whether at least `min_hosts` outside hosts failed and none
    answered (the evidence, or ''), confirms it, and `release`s what is still
    held: re-labelled `offline` with the reason, else as it was. Results from `--resolve` mappings
    and local addresses pass straight through and prove nothing either way.
    """

    min_hosts: int
    answered: bool = False
    held: list[CheckResult] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)

    def see(self, result: CheckResult, outside: Callable[[Observation], bool]) -> list[CheckResult]:
        """`outside(obs)`: whether the check went beyond --resolve mappings and local
        addresses (asked only until an outside host has answered)."""
        obs = result.observation
        if self.answered or not self.min_hosts or not outside(obs):
            return [result]
        if obs.status is not None:  # an answer from outside: our network works
            self.answered = True
            held, self.held = self.held, []
            return [*held, result]
        if obs.error in SILENT_FAILURES:
            self.held.append(result)
            self.hosts.add(host_of(obs.url))
            return []
        return [result]

    def suspect(self) -> str:
        if self.answered or not self.min_hosts or len(self.hosts) < self.min_hosts:
            return ""
        kinds = Counter(str(r.observation.error) for r in self.held)
        return f"none of {len(self.hosts)} hosts answered: " + ", ".join(
            f"{n} {kind}" for kind, n in kinds.most_common()
        )

    async def finish(
        self, unreachable: Callable[[], Awaitable[str]]
    ) -> tuple[list[CheckResult], str]:
        """What is still held, and why the run was offline ('' if it was not): silence
        is only suspicion until `unreachable()` says our side cannot connect either."""
        why = ""
        if (evidence := self.suspect()) and (cannot := await unreachable()):
            why = f"{evidence}; {cannot}"
        return self.release(why), why

    def release(self, why: str = "") -> list[CheckResult]:
        held, self.held = self.held, []
        if why:
            log.warning("network offline: %s", why)
            return [_offline(r, why) for r in held]
        return held


def _offline(result: CheckResult, why: str) -> CheckResult:
    obs = mark_offline(result.observation, why)
    return replace(result, observation=obs, classification=classify(obs, result.target.accept))
