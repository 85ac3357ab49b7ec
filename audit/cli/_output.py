"""Standard output that is written completely, or fails loudly.

When stdout is a pipe whose open file description is non-blocking (set by
whoever shares it: an event loop, a shell, the reader), a write to a full
pipe returns short; under `PYTHONUNBUFFERED=1` Python's text layer then drops
the rest without a word, so `audit check --format json | slow-reader` got
truncated JSON with exit 0. Here every write goes to the descriptor in a loop
until all bytes are out, waiting for room when the pipe is full; an error
(the reader gone) raises, and the CLI exits non-zero.
"""

from __future__ import annotations

import io
import os
import select
from typing import TextIO


class CompleteWriter:
    """A text stream over `stream`'s descriptor that never loses a byte silently.

    It offers what the commands use of their `out` (write, flush, isatty, encoding).
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        try:
            self._fd: int | None = stream.fileno()
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            self._fd = None  # not a real file (pytest's capture): plain writes are complete
        self.encoding: str = getattr(stream, "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        if self._fd is None:
            return self._stream.write(text)
        self._stream.flush()  # anything written to the stream directly goes first
        data = memoryview(text.encode(self.encoding, errors="replace"))
        while data:
            try:
                written = os.write(self._fd, data)
            except BlockingIOError:
                select.select([], [self._fd], [])  # full pipe, non-blocking: wait for room
                continue
            data = data[written:]
        return len(text)

    def flush(self) -> None:
        if self._fd is None:
            self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()
