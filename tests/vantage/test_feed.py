"""A checker fed while it runs (how the other vantages confirm during the primary's run)."""

from __future__ import annotations

import asyncio

from audit.check import Checker, CheckTarget
from audit.check.schedule import Feed
from audit.models import Outcome
from tests.check.conftest import settings
from tests.servers.web import Reply, WebServer


def test_targets_put_while_running_are_checked_and_close_ends_the_run(web: WebServer) -> None:
    web.route("/a", Reply(200, "<title>a</title>" + "text " * 100))
    web.route("/b", Reply(404, "<title>Not Found</title>"))

    async def go() -> list[tuple[str, Outcome]]:
        feed = Feed()
        got: list[tuple[str, Outcome]] = []
        async with Checker(settings()) as checker:

            async def consume() -> None:
                async for r in checker.run(feed):
                    got.append((r.target.url.rsplit("/", 1)[1], r.classification.outcome))

            task = asyncio.ensure_future(consume())
            await asyncio.sleep(0.2)  # the run waits for targets, it does not end
            assert not task.done()
            feed.put(CheckTarget(web.url("/a")))
            while not got:
                await asyncio.sleep(0.01)
            feed.put(CheckTarget(web.url("/b")))
            feed.close()
            await asyncio.wait_for(task, 5)
        return got

    assert asyncio.run(go()) == [("a", Outcome.OK), ("b", Outcome.NOT_FOUND)]
