"""`--robots`: honour robots.txt, fetched once per origin (off by default; see README).

A link check is one GET per cited URL, as a reader's browser makes it; those who
want a crawler's manners get them here. robots.txt that cannot be had (4xx, a
network error, a timeout) allows everything, as RFC 9309 says for 4xx; a 5xx
allows too, unlike RFC 9309's crawler rule: the check itself then shows the
server's trouble instead of hiding it as "skipped".
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

MAX_ROBOTS = 512 * 1024  # RFC 9309: a crawler must parse at least 500 KiB

Fetch = Callable[[str], Awaitable[tuple[int | None, bytes]]]  # url -> (status, body)


class Robots:
    def __init__(self, user_agent: str, fetch: Fetch, max_hosts: int) -> None:
        self._agent = user_agent.split("/", 1)[0]  # "audit/0.1 (+...)" -> "audit"
        self._fetch = fetch
        self._max = max_hosts
        self._rules: OrderedDict[str, asyncio.Task[RobotFileParser | None]] = OrderedDict()

    async def disallowed(self, url: str, deadline: float) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        task = self._rules.get(origin)
        if task is None:
            task = asyncio.ensure_future(self._load(origin + "/robots.txt"))
            self._rules[origin] = task
            while len(self._rules) > self._max:
                self._rules.popitem(last=False)
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                rules = await asyncio.shield(task)
        except (TimeoutError, Exception):
            return False  # no rules in time: check as without --robots
        return rules is not None and not rules.can_fetch(self._agent, url)

    async def _load(self, url: str) -> RobotFileParser | None:
        status, body = await self._fetch(url)
        if status is None or not 200 <= status < 300:
            return None
        rules = RobotFileParser(url)
        rules.parse(body[:MAX_ROBOTS].decode("utf-8", "replace").splitlines())
        return rules

    async def aclose(self) -> None:
        for task in self._rules.values():
            task.cancel()
        if self._rules:
            await asyncio.gather(*self._rules.values(), return_exceptions=True)
