"""The checker: settings in, a stream of CheckResults out (`async with Checker(s) as c`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable
from types import TracebackType

from audit.check.classify import classify
from audit.check.client import Pools
from audit.check.errors import LinkFailure
from audit.check.offline import NETWORK_FAILURES, NetworkMonitor, Silence, mark_offline
from audit.check.probe import Prober, split
from audit.check.resolve import Resolver, literal, refusal
from audit.check.schedule import Scheduler
from audit.check.settings import CheckResult, CheckSettings, CheckTarget
from audit.models import ErrorKind, Network, Observation

log = logging.getLogger(__name__)


class Checker:
    """Checks URLs politely and concurrently; one instance per run."""

    def __init__(self, settings: CheckSettings | None = None) -> None:
        self.settings = settings or CheckSettings()
        self._resolver = Resolver(
            self.settings.resolve,
            allow_private=self.settings.allow_private,
            timeout=self.settings.dns_timeout,
            max_entries=self.settings.max_hosts * 2,
            proxied=self.settings.proxy is not None,
            dns_server=self.settings.dns_server,
            hosts_file=self.settings.hosts_file,
        )
        self._pools: Pools | None = None
        self._prober: Prober | None = None
        self._monitor = NetworkMonitor(self.settings.canaries, self._resolver)
        self.marked_offline = 0  # results re-labelled `offline` so far in this checker's runs
        self._silent = ""  # why no outside host answered the last run ("" when some did)
        self._proxy_lost = ""  # why the proxy took no connection in the last run, if it did not
        self._runs = 0
        self._proxy_probe: tuple[float, asyncio.Future[str]] | None = None

    async def __aenter__(self) -> Checker:
        self._pools = Pools(self.settings, self._resolver.addresses)
        self._prober = Prober(self.settings, self._resolver, self._pools)
        self._monitor.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._monitor.aclose()
        if self._prober is not None:
            await self._prober.aclose()
        if self._pools is not None:
            await self._pools.aclose()

    @property
    def network(self) -> Network:
        """Whether our own network worked (as far as known so far; settled when run() ends).

        OFFLINE says the canaries failed, or no outside host answered; results from
        `--resolve` mappings and local addresses are still real then (see
        `marked_offline` for how many results the dead network made inconclusive).
        """
        if self._silent or self._proxy_lost:
            return Network.OFFLINE
        return self._monitor.current

    @property
    def network_detail(self) -> str:
        return self._silent or self._proxy_lost or self._monitor.detail

    async def run(self, targets: Iterable[CheckTarget]) -> AsyncIterator[CheckResult]:
        """Check every target; results stream out as they finish (not in input order)."""
        if self._prober is None:
            raise RuntimeError("use `async with Checker(settings) as checker`")
        if self._runs:
            # A later run of a long-lived checker (`audit watch`): DNS answers, the
            # network and the per-host probes may all have changed since.
            self._resolver.clear()
            self._prober.forget()
            await self._monitor.aclose()
            self._monitor = NetworkMonitor(self.settings.canaries, self._resolver)
            self._monitor.start()
        self._runs += 1
        self._silent = self._proxy_lost = ""
        scheduler = Scheduler(self.settings, self._observe)
        silence = Silence(self.settings.silent_hosts)
        async for target, obs in scheduler.run(targets):
            result = CheckResult(target, obs, classify(obs, target.accept))
            for r in silence.see(result, self.needs_network):
                yield r
        held, self._silent = await silence.finish(self.unreachable)
        if self._silent:
            self.marked_offline += len(held)
        for r in held:
            yield r
        await self._monitor.state()  # so that `network` is settled when the run ends

    async def unreachable(self, scheme: str = "https") -> str:
        """'' when our side of the network works for `scheme` (a canary takes a TCP
        connection on its port, 80 or 443, or the proxy does); else why not. Asked when
        no outside host answered a run, or none on this scheme while another did."""
        return await self._monitor.unreachable(
            self.settings.proxy, self.settings.dns_timeout, scheme
        )

    async def check(self, target: CheckTarget) -> CheckResult:
        """Check one target now (no scheduling, no retries)."""
        obs = await self._observe(target)
        return CheckResult(target, obs, classify(obs, target.accept))

    async def _observe(self, target: CheckTarget) -> Observation:
        assert self._prober is not None
        obs = await self._prober.observe(target)
        if self.settings.proxy and (obs.error in NETWORK_FAILURES or obs.error is ErrorKind.PROXY):
            # Through a proxy our own network is the way to the proxy: when it does not
            # take a connection, this vantage is offline (the others are not).
            why = await self._proxy_down()
            if why:
                self._proxy_lost = why
                obs = mark_offline(obs, why)
                self.marked_offline += 1
            return obs
        if (
            obs.error in NETWORK_FAILURES
            and self.needs_network(obs)
            and await self._monitor.state() is Network.OFFLINE
        ):
            obs = mark_offline(obs, self._monitor.detail)
            self.marked_offline += 1
        return obs

    async def _proxy_down(self) -> str:
        """'' when the proxy takes a TCP connection. Failures arriving together share one
        probe; a "down" answer holds for a second, an "up" one only for its own failures
        (a proxy that dies may still take a connection in its last moments)."""
        now = time.monotonic()
        probe = self._proxy_probe
        if probe is None or (
            probe[1].done()
            and (probe[1].cancelled() or not probe[1].result() or now - probe[0] > 1.0)
        ):
            probe = self._proxy_probe = (now, asyncio.ensure_future(self.unreachable()))
        return await asyncio.shield(probe[1])

    def needs_network(self, obs: Observation) -> bool:
        """False when the failing hop went to a --resolve mapping or a local address."""
        try:
            _, host, port, _ = split(obs.final_url or obs.url)
        except LinkFailure:
            return False
        if self._resolver.is_mapped(host, port):
            return False
        address = literal(host)
        return address is None or refusal(address) is None
