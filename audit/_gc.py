"""Pausing the cyclic garbage collector around bulk work."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def gc_paused(work: Callable[P, R]) -> Callable[P, R]:
    """Run `work` with the cyclic garbage collector paused.

    Loading a history or rendering a report allocates hundreds of thousands of
    acyclic objects (reference counting frees the short-lived ones), and each
    allocation burst triggers collections that traverse everything still alive:
    on 10,000 resources that was a third to a half of the time.
    """

    @functools.wraps(work)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return work(*args, **kwargs)
        gc.disable()
        try:
            return work(*args, **kwargs)
        finally:
            gc.enable()

    return wrapper
