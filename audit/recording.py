"""Checks recorded into the store as they come: the primary's, then confirmations
from the other vantages, each folded into its resource's judge state."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from audit import __version__, confirm
from audit.check import CheckResult, CheckSettings, CheckTarget, rules_stamp
from audit.check.vantage import Vantage, vantages_for
from audit.history import Ledgers, Recorder
from audit.judge import Policy
from audit.models import Network
from audit.store import Store

Progress = Callable[[int, int], None]  # (done, total)
Now = Callable[[], datetime]


def vantage(settings: CheckSettings, vantages: Sequence[Vantage] = ()) -> str:
    """Where a run checks from: this machine (and proxy), or its named vantages."""
    if len(vantages) > 1:
        return "; ".join(f"{v.name} ({v.where})" for v in vantages)
    where = socket.gethostname()
    return f"{where} via proxy {settings.proxy}" if settings.proxy else where


def where(tally: Tally) -> str | None:
    """The run's vantages and whether each was reachable (None: one vantage, as started)."""
    return confirm.describe(tally.vantages) if len(tally.vantages) > 1 else None


@dataclass(slots=True)
class Tally:
    network: Network = Network.ONLINE
    vantages: list[confirm.VantageState] = field(default_factory=list)  # primary first

    @property
    def checked(self) -> int:  # by the primary: the others only confirm its failures
        return self.vantages[0].checked if self.vantages else 0


async def _results(
    targets: Sequence[CheckTarget],
    settings: CheckSettings,
    vantages: Sequence[Vantage],
    now: Now,
    tally: Tally,
) -> AsyncIterator[CheckResult]:
    """The checkers' results (the primary's, then confirmations), stamped with the
    run's clock, counted into `tally`. The run's network is the primary's."""
    async for result in confirm.results(targets, settings, vantages, tally.vantages):
        yield dataclasses.replace(
            result,
            observation=dataclasses.replace(result.observation, checked_at=now()),
        )
    primary = tally.vantages[0]
    tally.network = run_network(primary.network, primary.checked, primary.offline)


async def check_into_store(  # noqa: PLR0917 - the run's parts, passed along once
    targets: Sequence[CheckTarget],
    settings: CheckSettings,
    vantages: Sequence[Vantage],
    recorder: Recorder,
    now: Now,
    progress: Progress | None,
    tally: Tally,
    *,
    twins: Mapping[str, Sequence[str]] | None = None,
) -> Network:
    loop = asyncio.get_running_loop()
    timer: asyncio.TimerHandle | None = None

    def flush() -> None:
        nonlocal timer
        timer = None
        recorder.flush()

    try:
        async for result in _results(targets, settings, vantages, now, tally):
            key = _key(result)
            # one URL under two ids (warned about on loading) is checked once, for both
            for resource_id in (key, *((twins or {}).get(key or "", ()))):
                recorder.add(
                    resource_id,
                    result.observation,
                    result.classification,
                    rules_stamp(result.target.accept),
                )
            # what is recorded is committed within `commit_every`, even if no more
            # results come for a while (a host that hangs)
            if recorder.pending and timer is None:
                timer = loop.call_later(recorder.commit_every, flush)
            if progress:
                progress(min(tally.checked, len(targets)), len(targets))
    finally:
        if timer is not None:
            timer.cancel()
    return tally.network


def _key(result: CheckResult) -> str | None:
    return None if result.target.key is None else str(result.target.key)


def run_network(checker_says: Network, checked: int, offline: int) -> Network:
    """Offline when our network was down and it cost us results (or we checked nothing).

    With `--resolve` mappings a run can reach its targets although no name resolves:
    those results are real, and the run is not labelled offline for them.
    """
    if checker_says is Network.OFFLINE and (offline or not checked):
        return Network.OFFLINE
    return Network.ONLINE


async def check_urls(
    targets: Sequence[CheckTarget],
    settings: CheckSettings,
    now: Now,
    store: Store | None = None,
    vantages: Sequence[Vantage] = (),
) -> AsyncIterator[CheckResult]:
    """`audit check`: results as they come, recorded in the store when given."""
    run_id = None
    chosen = vantages_for(settings, tuple(vantages))
    if store:
        run_id = store.start_run(
            now(),
            vantage=vantage(settings, chosen),
            tool_version=__version__,
            command="check",
        )
    tally = Tally()
    accept = {str(t.key): t.accept for t in targets if t.key is not None}
    recorder = None
    if store and run_id is not None:
        ledgers = Ledgers(store, lambda rid: (accept.get(rid, frozenset()), Policy()))
        # one by one: the caller sees each result once it is recorded
        recorder = Recorder(store, ledgers, run_id, commit_every=0.0)
    try:
        async for result in _results(targets, settings, chosen, now, tally):
            if recorder is not None:
                recorder.add(
                    _key(result),
                    result.observation,
                    result.classification,
                    rules_stamp(result.target.accept),
                )
            yield result
    finally:
        if recorder is not None:
            recorder.flush()
        if store and run_id is not None:
            store.finish_run(run_id, now(), tally.network, vantage=where(tally))
