"""Checking on several cores: the hosts split over processes (`--workers N`).

One event loop checks a few thousand URLs a second and is then CPU-bound
(bench/RESULTS.md). `Shards` checks one share of the hosts in this process
and each other share in a `python -m audit.check.worker` child. A host never
spans two processes, so per-host limits, pacing, 429 back-off and the
once-per-host probes stay exactly what one Checker does. A child gets its
settings and targets as JSON lines on stdin and answers one line per result
on stdout; a child that dies or talks nonsense costs only its own
unanswered targets, which come back as checker errors, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from audit import codec
from audit.check.checker import Checker
from audit.check.classify import classify
from audit.check.offline import Silence
from audit.check.schedule import checker_error, host_of
from audit.check.settings import CheckResult, CheckSettings, CheckTarget
from audit.models import Classification, Network, Observation

log = logging.getLogger(__name__)

# Up to ~10,000 URLs a run is bound by per-host pacing, not CPU: one process
# ends within 7% of the polite floor and a second gains nothing (bench/RESULTS.md).
# Beyond, CPU counts: 100,000 URLs take 14% less time on two.
MIN_TARGETS_PER_WORKER = 25_000
MAX_AUTO_WORKERS = 4
_LINE_LIMIT = 64 * 1024 * 1024  # one result line; hops and headers are capped far below
_EXIT_GRACE = 5.0  # seconds a child that closed its stdout gets to exit


@dataclass(frozen=True, slots=True)
class Summary:
    """A child's last line: what its own network looked like."""

    network: Network
    detail: str
    marked_offline: int


Reply = tuple[int, Observation, Classification] | Summary
read_reply: Callable[[str | bytes], Any] = codec.decoder(Reply)


def cpus() -> int:
    """CPUs this process may run on (the affinity mask, where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def workers_for(settings: CheckSettings, targets: int) -> int:
    """`settings.workers`, or when 0: one per CPU, at most 4, each with enough targets."""
    if settings.workers:
        return settings.workers
    return max(1, min(cpus(), MAX_AUTO_WORKERS, targets // MIN_TARGETS_PER_WORKER))


def shard_of(url: str, shards: int) -> int:
    """Which process checks `url`: by host, stable across runs (crc32, not hash())."""
    return zlib.crc32(host_of(url).encode("utf-8", "surrogatepass")) % shards


def merge_network(states: Sequence[tuple[Network, str]]) -> tuple[Network, str]:
    """One network state from every process's: offline when any saw it offline."""
    for network, detail in states:
        if network is Network.OFFLINE:
            return network, detail
    return Network.ONLINE, states[0][1] if states else ""


def open_checker(settings: CheckSettings, targets: Sequence[CheckTarget]) -> Checker | Shards:
    """The checker for `targets`: one process, or shards when they pay off."""
    n = workers_for(settings, len(targets))
    return Shards(settings, n) if n > 1 else Checker(settings)


class Shards:
    """Checker's interface (`async with`, `run`, `network`) over `workers` processes."""

    # How a child is started; tests swap in a child that misbehaves.
    command: tuple[str, ...] = ("-m", "audit.check.worker")

    def __init__(self, settings: CheckSettings, workers: int) -> None:
        if workers < 2:
            raise ValueError("Shards needs at least two workers; use Checker")
        # The global limit is shared out; per-host limits need no sharing (hosts are).
        share = -(-settings.concurrency // workers)
        self.settings = replace(settings, concurrency=share, workers=1)
        self._n = workers
        # Whether any outside host answered is a question about the whole run, asked
        # here: a share of the hosts may all be dead while the network works.
        self._local = Checker(replace(self.settings, silent_hosts=0))
        self._children: list[Summary] = []
        self._silent = ""  # why no outside host answered the last run ("" when some did)
        self._marked_silent = 0

    async def __aenter__(self) -> Shards:
        await self._local.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._local.__aexit__(exc_type, exc, tb)

    @property
    def network(self) -> Network:
        return self._merged()[0]

    @property
    def network_detail(self) -> str:
        return self._merged()[1]

    @property
    def marked_offline(self) -> int:
        local = self._local.marked_offline + self._marked_silent
        return local + sum(c.marked_offline for c in self._children)

    def _merged(self) -> tuple[Network, str]:
        if self._silent:
            return Network.OFFLINE, self._silent
        local = (self._local.network, self._local.network_detail)
        return merge_network([local, *((c.network, c.detail) for c in self._children)])

    async def run(self, targets: Iterable[CheckTarget]) -> AsyncIterator[CheckResult]:
        """Check every target; results stream out as they finish, from every process."""
        local: list[CheckTarget] = []
        remote: list[dict[int, CheckTarget]] = [{} for _ in range(self._n - 1)]
        for seq, target in enumerate(targets):
            shard = shard_of(target.url, self._n)
            if shard:
                remote[shard - 1][seq] = target
            else:
                local.append(target)
        self._children, self._silent, self._marked_silent = [], "", 0
        silence = Silence(self.settings.silent_hosts)
        queue: asyncio.Queue[CheckResult | None] = asyncio.Queue()
        tasks = [asyncio.ensure_future(self._check_here(local, queue))]
        tasks += [asyncio.ensure_future(self._check_child(t, queue)) for t in remote if t]
        running = len(tasks)
        try:
            while running:
                item = await queue.get()
                if item is None:
                    running -= 1
                    continue
                for result in silence.see(item, self._local.needs_network):
                    yield result
            for task in tasks:
                task.result()  # a bug in this process's own checking is not swallowed
            held, self._silent = await silence.finish(self._local.unreachable)
            self._marked_silent = len(held) if self._silent else 0
            for result in held:
                yield result
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _check_here(
        self, targets: list[CheckTarget], queue: asyncio.Queue[CheckResult | None]
    ) -> None:
        try:
            async for result in self._local.run(targets):
                queue.put_nowait(result)
        finally:
            queue.put_nowait(None)

    async def _check_child(
        self, targets: dict[int, CheckTarget], queue: asyncio.Queue[CheckResult | None]
    ) -> None:
        why = "ended before answering"
        proc: asyncio.subprocess.Process | None = None
        ended = False  # its stdout closed: it is exiting of its own accord
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=_LINE_LIMIT,
            )
            assert proc.stdin is not None and proc.stdout is not None
            feed = asyncio.ensure_future(_feed(proc.stdin, self._local.settings, targets))
            async for line in proc.stdout:
                try:
                    reply = read_reply(line)
                except codec.DecodeError as exc:
                    why = f"sent an unreadable line ({exc})"
                    break
                if isinstance(reply, Summary):
                    self._children.append(reply)
                    continue
                seq, obs, classification = reply
                target = targets.pop(seq, None)
                if target is not None:
                    queue.put_nowait(CheckResult(target, obs, classification))
            else:
                ended = True
            await feed
        except (OSError, ValueError) as exc:  # could not start it, pipes broke, line too long
            why = f"failed: {exc}"
        finally:
            if proc is not None:
                await _stop(proc, grace=_EXIT_GRACE if ended else 0.0)
                why = f"{why}, exit code {proc.returncode}"
            if targets:
                log.error("a checker process %s; %d URLs unchecked", why, len(targets))
            for target in targets.values():
                queue.put_nowait(_unchecked(target, f"checker process {why}"))
            queue.put_nowait(None)


async def _stop(proc: asyncio.subprocess.Process, grace: float) -> None:
    """Let a child that is exiting finish (its exit code is worth reporting), else kill it."""
    if grace:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), grace)
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


async def _feed(
    stdin: asyncio.StreamWriter, settings: CheckSettings, targets: dict[int, CheckTarget]
) -> None:
    """The settings line, then one line per target (its key: our sequence number)."""
    try:
        stdin.write(codec.encode_bytes(settings) + b"\n")
        stdin.writelines(
            codec.encode_bytes(replace(t, key=seq)) + b"\n" for seq, t in targets.items()
        )
        await stdin.drain()
        stdin.close()
        await stdin.wait_closed()
    except OSError:
        pass  # the child is gone: its reader reports what it left unchecked


def _unchecked(target: CheckTarget, why: str) -> CheckResult:
    obs = checker_error(target.url, why)
    return CheckResult(target, obs, classify(obs, target.accept))
