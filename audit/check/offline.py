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
    """A canary as (host, port): "example.com" is port 443, "localhost:8080" names its port,
    "http://example.com" is port 80."""
    host, port, _ = _canary(canary)
    return host, port or 443


def places(canaries: tuple[str, ...], scheme: str) -> list[tuple[str, int]]:
    """Where to knock to learn whether `scheme`'s traffic leaves this machine: a bare name on
    the scheme's port (80, 443), NAME:PORT on its port, a URL canary only for its scheme."""
    default = 80 if scheme == "http" else 443
    found = []
    for canary in canaries:
        host, port, only = _canary(canary)
        if only is None or only == scheme:
            found.append((host, port or default))
    return found


def _canary(canary: str) -> tuple[str, int | None, str | None]:
    """(host, port or None, scheme or None) of `NAME`, `NAME:PORT` or `SCHEME://NAME[:PORT]`."""
    scheme: str | None = None
    text = canary
    if "://" in canary:
        u = urlsplit(canary)
        scheme = u.scheme.lower()
        try:
            return u.hostname or "", u.port, scheme
        except ValueError:
            return u.hostname or "", None, scheme
    host, sep, port = text.rpartition(":")
    if sep and port.isdigit() and host and not host.endswith(":"):
        return host.strip("[]"), int(port), scheme
    return text, None, scheme


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
                await self._resolver.addresses(*place(canary))  # --resolve rules first
            except LinkFailure as exc:
                return exc.detail
            return None

        failures = await asyncio.gather(*(one(n) for n in self._canaries))
        bad = [f for f in failures if f is not None]
        network = verdict(len(self._canaries) - len(bad), len(self._canaries))
        if network is Network.OFFLINE:
            self.detail = f"{len(bad)} of {len(self._canaries)} canary names fail ({bad[0]})"
            # only a suspicion until the run ends: hosts that answer make it online (the
            # CLI says OFFLINE for a run recorded so; no warning for one recorded online)
            log.info("canaries fail: %s", self.detail)
        return network

    async def unreachable(self, proxy: str | None, timeout: float, scheme: str = "https") -> str:
        """'' when a TCP connection opens to a canary on the port `scheme` uses (80 for
        http, 443 for https), or to the proxy when there is one: our side of the network
        works for it. Else why not (no canaries for the scheme: '')."""
        if proxy:
            u = urlsplit(proxy)
            default = {"https": 443, "socks5": 1080, "socks5h": 1080}.get(u.scheme, 80)
            targets = [(u.hostname or "", u.port or default)]
        else:
            targets = places(self._canaries, scheme)

        async def one(host: str, port: int) -> str:
            why = "no address"
            try:
                async with asyncio.timeout(timeout):
                    for address in await self._resolver.addresses(host, port):
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

        reasons = await asyncio.gather(*(one(h, p) for h, p in targets))
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
    """Did outside hosts answer this run, per scheme? Holds the silent failures until one does.

    An egress firewall may pass 443 and refuse 80: then https:// answers while
    every http:// host fails. So answers count per scheme (the port a scheme
    uses by default, 80 or 443, is what a firewall filters). `see` returns the
    results to pass on now. At the end, `finish` asks, for each scheme whose
    hosts all failed while another scheme answered, or when at least
    `min_hosts` outside hosts failed and none answered, whether our side can
    open a connection on that scheme's port (`unreachable(scheme)`): if not,
    that scheme's held failures become `offline` with the reason; else they
    stand as they were. Results from `--resolve` mappings and local addresses
    pass straight through and prove nothing either way.
    """

    min_hosts: int
    answered: set[str] = field(default_factory=set)  # schemes an outside host answered on
    held: list[CheckResult] = field(default_factory=list)
    hosts: dict[str, set[str]] = field(default_factory=dict)  # scheme -> silent hosts

    def see(self, result: CheckResult, outside: Callable[[Observation], bool]) -> list[CheckResult]:
        """`outside(obs)`: whether the check went beyond --resolve mappings and local
        addresses (asked only while some scheme has not been answered)."""
        obs = result.observation
        if not self.min_hosts or len(self.answered) == 2:
            return [result]
        scheme = _scheme(obs)
        if scheme in self.answered or not outside(obs):
            return [result]
        if obs.status is not None:  # an answer from outside: our network works for it
            self.answered.add(scheme)
            mine = [r for r in self.held if _scheme(r.observation) == scheme]
            self.held = [r for r in self.held if _scheme(r.observation) != scheme]
            self.hosts.pop(scheme, None)
            return [*mine, result]
        if obs.error in SILENT_FAILURES:
            self.held.append(result)
            self.hosts.setdefault(scheme, set()).add(host_of(obs.url))
            return []
        return [result]

    def suspects(self) -> dict[str, str]:
        """The schemes to ask about, each with its evidence."""
        if not self.min_hosts:
            return {}
        silent = {h for hosts in self.hosts.values() for h in hosts}
        if not self.answered and len(silent) < self.min_hosts:
            return {}
        found = {}
        for scheme in sorted(self.hosts):
            held = [r for r in self.held if _scheme(r.observation) == scheme]
            kinds = Counter(str(r.observation.error) for r in held)
            what = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
            if self.answered:
                did = " and ".join(f"{a}://" for a in sorted(self.answered))
                n = len(self.hosts[scheme])
                found[scheme] = f"none of {n} {scheme}:// hosts answered ({did} did): {what}"
            else:
                found[scheme] = what
        if not self.answered:  # the old question, asked per scheme
            head = f"none of {len(silent)} hosts answered: "
            found = {k: head + ", ".join(_merged(self.held)) for k in found}
        return found

    def suspect(self) -> str:
        return "; ".join(dict.fromkeys(self.suspects().values()))

    async def finish(
        self, unreachable: Callable[[str], Awaitable[str]]
    ) -> tuple[list[CheckResult], str]:
        """What is still held, and why (part of) the run was offline ('' if it was not):
        silence is only suspicion until `unreachable(scheme)` says our side cannot
        connect on that scheme's port either."""
        whys: dict[str, str] = {}
        for scheme, evidence in self.suspects().items():
            if cannot := await unreachable(scheme):
                whys[scheme] = f"{evidence}; {scheme}:// {cannot}"
        held, self.held = self.held, []
        self.hosts.clear()
        why = "; ".join(dict.fromkeys(whys.values()))
        if why:
            log.warning("network offline: %s", why)
        released = [
            _offline(r, whys[s]) if (s := _scheme(r.observation)) in whys else r for r in held
        ]
        return released, why

    def release(self, why: str = "") -> list[CheckResult]:
        held, self.held = self.held, []
        self.hosts.clear()
        if why:
            log.warning("network offline: %s", why)
            return [_offline(r, why) for r in held]
        return held


def _scheme(obs: Observation) -> str:
    """The scheme of the hop that failed (the last URL asked)."""
    url = obs.final_url or obs.url
    return "https" if url[:6].lower() == "https:" else "http"


def _merged(held: list[CheckResult]) -> list[str]:
    kinds = Counter(str(r.observation.error) for r in held)
    return [f"{n} {kind}" for kind, n in kinds.most_common()]


def _offline(result: CheckResult, why: str) -> CheckResult:
    obs = mark_offline(result.observation, why)
    return replace(result, observation=obs, classification=classify(obs, result.target.accept))
