"""Per-host probes shared by a run's checks: one task per key, the oldest dropped.

A host's pages all wait on the same sibling or https:// probe; bounding the
table keeps a run over many hosts from holding a task per host for ever.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class HostTasks(Generic[K, V]):
    def __init__(self, max_hosts: int) -> None:
        self._max = max_hosts
        self._tasks: OrderedDict[K, asyncio.Task[V]] = OrderedDict()

    def get(self, key: K, start: Callable[[], Coroutine[Any, Any, V]]) -> asyncio.Task[V]:
        """The task for `key`, started by `start()` if there is none."""
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(start())
            task.add_done_callback(_retrieve)
            self._tasks[key] = task
            while len(self._tasks) > self._max:
                self._tasks.popitem(last=False)
        return task

    def forget(self) -> None:
        """A new run: finished probes go (running ones finish and are kept)."""
        self._tasks = OrderedDict((k, t) for k, t in self._tasks.items() if not t.done())

    def tasks(self) -> list[asyncio.Task[V]]:
        return list(self._tasks.values())


async def within(task: asyncio.Task[V], deadline: float, floor: float) -> V:
    """The task's result by `deadline` (at least `floor` seconds); TimeoutError if not.

    Shielded: one check's deadline must not cancel the probe other checks wait on.
    """
    if task.done():  # the usual case, once per host: no timer, no shield
        return task.result()
    async with asyncio.timeout(max(floor, deadline - time.monotonic())):
        return await asyncio.shield(task)


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # failures are recorded as data by the awaiting check
