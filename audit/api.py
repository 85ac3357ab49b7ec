"""The Python API: what the commands do, as functions.

    >>> from audit import api
    >>> api.normalize("http: www.viro.edu.ru").url
    'http://www.viro.edu.ru/'

`extract` finds citations in a document, `check` checks URLs now (politely, as
`audit check --no-store` does), `judge` turns a history of checks into a verdict,
`load_registry` reads `resources.yaml`, and `render` writes a report from report
data. Everything here is stable; the modules behind it may change.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from audit.check import CheckResult, CheckSettings, CheckTarget
from audit.check import loop as check_loop
from audit.judge import Check, Policy, judge
from audit.models import Citation, Judgement, Normalized, ReportData
from audit.registry import Registry, load_registry
from audit.report import render
from audit.urls import normalize

__all__ = [
    "Check",
    "CheckResult",
    "CheckSettings",
    "Citation",
    "Judgement",
    "Normalized",
    "Policy",
    "Registry",
    "ReportData",
    "check",
    "extract",
    "judge",
    "load_registry",
    "normalize",
    "render",
]


def extract(path: str | Path) -> list[Citation]:
    """The citations in one .txt .pdf .html .md or .docx document, in document order.

    Each is a `Citation` (raw text, repaired URL, page, line, section).
    Raises `audit.errors.InputError` for a document that cannot be read.
    """
    from audit import extract as _extract  # noqa: PLC0415 - the PDF and DOCX readers are heavy

    return list(_extract.extract_file(Path(path)))


def check(urls: Iterable[str], settings: CheckSettings | None = None) -> list[CheckResult]:
    """Check each URL once, now; results in input order (nothing is stored).

    `settings` carries politeness, timeouts, `--resolve` rules and the address
    policy (private addresses are refused unless `allow_private`).
    """
    from audit import recording  # noqa: PLC0415 - it imports the checker and the store

    targets = [CheckTarget(url=normalize(u).url or u, key=i) for i, u in enumerate(urls)]
    found: dict[object, CheckResult] = {}

    async def go() -> None:
        now = functools.partial(datetime.now, UTC)
        async for r in recording.check_urls(targets, settings or CheckSettings(), now):
            found[r.target.key] = r

    check_loop.run(go())
    return [found[t.key] for t in targets if t.key in found]
