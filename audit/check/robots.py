"""`--robots`: honour robots.txt, fetched once per origin (off by default; see README).

A link check is one GET per cited URL, as a reader's browser makes it; those who
want a crawler's manners get them here. robots.txt that cannot be had (4xx, a
network error, a timeout) allows everything, as RFC 9309 says for 4xx; a 5xx
allows too, unlike RFC 9309's crawler rule: the check itself then shows the
server's trouble instead of hiding it as "skipped".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from audit.check.hosttasks import HostTasks, within

MAX_ROBOTS = 512 * 1024  # RFC 9309: a crawler must parse at least 500 KiB

Fetch = Callable[[str], Awaitable[tuple[int | None, bytes]]]  # url -> (status, body)


class Robots:
    def __init__(self, user_agent: str, fetch: Fetch, max_hosts: int) -> None:
        self._agent = user_agent.split("/", 1)[0]  # "audit/0.1 (+...)" -> "audit"
        self._fetch = fetch
        self._rules: HostTasks[str, RobotFileParser | None] = HostTasks(max_hosts)

    async def disallowed(self, url: str, deadline: float) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        task = self._rules.get(origin, lambda: self._load(origin + "/robots.txt"))
        try:
            rules = await within(task, deadline, 0.0)
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
        tasks = self._rules.tasks()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
