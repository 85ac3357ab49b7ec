"""The check step with several vantages: the primary checks, the others confirm its failures.

Only failures that count toward dead or unreachable are confirmed, each at most
once per URL per vantage per run; each vantage has its own checker, so its own
politeness, resolver and network state (a vantage whose proxy is down makes only
its own observations `offline`).  Each vantage's result is its own observation.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from audit.check import Checker, CheckResult, CheckSettings, CheckTarget, open_checker
from audit.check.schedule import Feed
from audit.check.vantage import Vantage, settings_for
from audit.models import Network, Outcome

# What the primary saw that another vantage may contradict (issue 16, item 2): the
# kinds that count toward dead, and those that make a resource unreachable.
CONFIRM_KINDS = frozenset(
    {
        Outcome.CONNECTION_ERROR,
        Outcome.TIMEOUT,
        Outcome.TLS_ERROR,
        Outcome.DNS_NXDOMAIN,
        Outcome.DNS_ERROR,
        Outcome.SERVER_ERROR,
        Outcome.NOT_FOUND,
        Outcome.CLIENT_ERROR,
        Outcome.REDIRECT_LOOP,
        Outcome.PARKED,
        Outcome.STUB,
        Outcome.SOFT_404,
        Outcome.BLOCKED,  # a block page or a geo refusal here may be a page elsewhere
    }
)


@dataclass(slots=True)
class VantageState:
    """How one vantage did in a run: for the run header and the run's network."""

    vantage: Vantage
    checked: int = 0
    offline: int = 0
    network: Network = Network.ONLINE
    detail: str = ""

    @property
    def asked(self) -> bool:
        return self.checked > 0

    @property
    def reachable(self) -> bool:
        """False when every result it had was `offline` (its proxy or network down)."""
        return not (self.checked and self.offline == self.checked)

    def describe(self) -> str:
        where = self.vantage.where
        if not self.asked:
            state = "not asked"
        elif not self.offline:
            state = "reachable"
        else:
            why = f": {self.detail}" if self.detail else ""
            lost = "offline" if not self.reachable else f"{self.offline} of {self.checked} offline"
            state = f"unreachable, {lost}{why}"
        return f"{self.vantage.name} ({where}, {state})"


def describe(states: Sequence[VantageState]) -> str:
    """The run's vantages as one line (stored as the run's vantage)."""
    return "; ".join(s.describe() for s in states)


async def results(
    targets: Sequence[CheckTarget],
    settings: CheckSettings,
    vantages: Sequence[Vantage],
    states: list[VantageState],
) -> AsyncIterator[CheckResult]:
    """The primary's results and the other vantages' confirmations, as they come.

    A confirmation starts as soon as the primary's failure is known (each other
    vantage's checker is fed while the primary goes on), so its cost overlaps the
    primary's run instead of adding to its end. `states` is filled in, one per
    vantage (primary first), as the checks go.
    """
    states[:] = [VantageState(v) for v in vantages]
    primary, others = states[0], states[1:]
    # unbounded: it holds at most one result per URL per vantage
    queue: asyncio.Queue[CheckResult | None] = asyncio.Queue()
    feeds: list[Feed] = []
    tasks: list[asyncio.Task[None]] = []
    asked: set[str] = set()
    running = 0  # confirming checkers that have not said they are done (a None in `queue`)
    try:
        async with open_checker(settings_for(settings, primary.vantage), targets) as checker:
            async for result in checker.run(targets):
                _count(primary, result)
                url = result.target.url
                if others and result.classification.outcome in CONFIRM_KINDS and url not in asked:
                    asked.add(url)
                    if not tasks:  # the other vantages' checkers start on the first failure
                        feeds = [Feed() for _ in others]
                        tasks = [
                            asyncio.ensure_future(_confirm(f, settings, s, queue))
                            for f, s in zip(feeds, others, strict=True)
                        ]
                        running = len(tasks)
                    for feed in feeds:
                        feed.put(result.target)
                yield result
                while not queue.empty():
                    item = queue.get_nowait()
                    if item is None:
                        running -= 1
                    else:
                        yield item
            primary.network, primary.detail = checker.network, checker.network_detail
        for feed in feeds:
            feed.close()
        while running:
            item = await queue.get()
            if item is None:
                running -= 1
            else:
                yield item
        for task in tasks:
            task.result()  # a checker's own failure is a tool failure: raise it
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)


async def _confirm(
    feed: Feed,
    settings: CheckSettings,
    state: VantageState,
    queue: asyncio.Queue[CheckResult | None],
) -> None:
    try:
        # One process per vantage: confirmations are few, and a feed cannot be sharded.
        async with Checker(settings_for(settings, state.vantage)) as checker:
            async for result in checker.run(feed):
                _count(state, result)
                queue.put_nowait(result)
            state.network, state.detail = checker.network, checker.network_detail
    finally:
        queue.put_nowait(None)  # wakes the consumer; never blocks, also when cancelled


def _count(state: VantageState, result: CheckResult) -> None:
    state.checked += 1
    if result.classification.outcome is Outcome.OFFLINE:
        state.offline += 1
        if not state.detail:
            state.detail = result.observation.detail.partition(";")[0]
