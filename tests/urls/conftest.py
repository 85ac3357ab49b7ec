"""Show the conformance figures in pytest's summary, with or without `-s`."""

from __future__ import annotations

import pytest

from .corpora import FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("urls conformance figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
