"""A circuit breaker per archive endpoint.

An endpoint that stops answering costs a full deadline per request: after a
few consecutive transport failures its breaker opens and every later request
fails at once with the reason.
"""

from __future__ import annotations


class Breaker:
    """Opens after `threshold` consecutive transport failures; a success closes it."""

    def __init__(self, threshold: int) -> None:
        self._threshold = threshold
        self._failures = 0
        self.reason: str | None = None  # set once open

    @property
    def open(self) -> bool:
        return self.reason is not None

    def failed(self, reason: str) -> None:
        self._failures += 1
        if self._threshold > 0 and self._failures >= self._threshold and self.reason is None:
            self.reason = f"{reason} ({self._failures} failures in a row)"

    def succeeded(self) -> None:
        if self.reason is None:
            self._failures = 0
