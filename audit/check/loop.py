"""The event loop the checker runs on (`audit check`, `run`, `watch`): uvloop where it
is installed, else asyncio's own.

Checking thousands of URLs a second is CPU-bound on one loop; uvloop's
(libuv, in C) costs less per callback, timer and socket read: measured on
bench/ 10k-nohang, ~10% less wall time for `audit check`. Everything here
works on either loop (the in-process tests run the checker on asyncio's).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop constructor, or None (asyncio's default) when uvloop is unavailable."""
    try:
        import uvloop  # noqa: PLC0415  (optional: absent on Windows and PyPy)
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the fastest loop available."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
