"""A progress bar on an interactive terminal, with log lines printed above it."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator

Update = Callable[..., None]  # (done, total, description=None)


@contextlib.contextmanager
def progress(label: str, *, quiet: bool = False) -> Iterator[Update | None]:
    """Yields an update function, or None when stderr is no terminal (or --quiet)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    # only on a terminal: rich is costly to import
    from rich.console import Console  # noqa: PLC0415
    from rich.logging import RichHandler  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    root = logging.getLogger()
    # on stderr: stdout carries the results (and may be piped JSON)
    with Progress(console=Console(stderr=True), transient=True) as bar:
        # log lines through the bar's console: printed above it instead of tearing it
        handler = RichHandler(console=bar.console, show_time=False, show_path=False)
        handler.setFormatter(logging.Formatter("audit: %(message)s"))
        saved = root.handlers[:]
        root.handlers = [handler]
        task = bar.add_task(label, total=None)

        def update(done: int, total: int, description: str | None = None) -> None:
            bar.update(task, completed=done, total=total or None, description=description or label)

        try:
            yield update
        finally:
            root.handlers = saved
