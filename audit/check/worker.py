"""A checker process of `Shards` (`python -m audit.check.worker`; not a user command).

stdin: the CheckSettings on line 1, then one CheckTarget a line (its key: the
parent's sequence number). stdout: `[key, observation, classification]` a
result, then the run's `Summary`. Logs go to stderr, which the parent shares.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from audit import codec
from audit.check.checker import Checker
from audit.check.loop import run
from audit.check.settings import CheckSettings, CheckTarget
from audit.check.shards import Summary


class _Out(asyncio.Protocol):
    """stdout as a pipe that never blocks the loop; its loss (the parent gone) ends the run."""

    def __init__(self) -> None:
        self.lost = asyncio.Event()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.set()


async def serve(lines: list[bytes]) -> None:
    settings = codec.decode(CheckSettings, lines[0])
    targets = [codec.decode(CheckTarget, line) for line in lines[1:] if line.strip()]
    loop = asyncio.get_running_loop()
    out, protocol = await loop.connect_write_pipe(_Out, sys.stdout.buffer)
    checking = asyncio.ensure_future(_check(settings, targets, out))
    lost = asyncio.ensure_future(protocol.lost.wait())
    await asyncio.wait([checking, lost], return_when=asyncio.FIRST_COMPLETED)
    if not checking.done():  # nobody reads our results any more
        checking.cancel()
        await asyncio.gather(checking, return_exceptions=True)
        return
    lost.cancel()
    checking.result()
    while out.get_write_buffer_size() and not protocol.lost.is_set():
        await asyncio.sleep(0.005)  # the transport buffers: let it drain before we exit
    out.close()


async def _check(
    settings: CheckSettings, targets: list[CheckTarget], out: asyncio.WriteTransport
) -> None:
    async with Checker(settings) as checker:
        async for r in checker.run(targets):
            out.write(codec.encode_bytes((r.target.key, r.observation, r.classification)) + b"\n")
        summary = Summary(checker.network, checker.network_detail, checker.marked_offline)
    out.write(codec.encode_bytes(summary) + b"\n")


def main() -> None:
    # Ctrl-C reaches the whole process group: the parent decides, and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="audit worker: %(levelname)s %(message)s")
    lines = sys.stdin.buffer.read().split(b"\n")
    run(serve(lines))


if __name__ == "__main__":
    main()
