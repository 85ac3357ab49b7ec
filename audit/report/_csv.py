"""The CSV report: one row per resource, safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
read as a formula by Excel, LibreOffice and Google Sheets (CSV injection,
OWASP); such cells get a leading apostrophe, which spreadsheets show as
text and do not evaluate.  Page titles and citations are attacker-controlled,
so every cell goes through `neutralize`.
"""

from __future__ import annotations

import csv
import io
from typing import TextIO

from audit._gc import gc_paused
from audit.models import ReportData, ResourceStatus
from audit.report import _view as v

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(_FORMULA_START)

COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "kind",
    "region",
    "cited_as",
    "url",
    "display",
    "repairs",
    "verdict",
    "reason",
    "outcome",
    "http_status",
    "final_url",
    "error",
    "evidence",
    "title",
    "last_checked",
    "last_ok",
    "failing_since",
    "drift_similarity",
    "title_changed",
    "archive_status",
    "snapshot_url",
    "snapshot_date",
    "replacement_url",
    "action",
    "checks",
    "sources",
    "suggested",  # `audit fix`'s suggestions, best first: "URL (kind, confidence)"; not applied
)


def neutralize(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _row(rs: ResourceStatus) -> list[str]:
    res, obs, norm, drift = rs.resource, rs.observation, rs.normalized, rs.drift
    outcome = v.outcome_of(rs)
    snap = v.best_snapshot(rs.archive)
    cells: list[object] = [
        res.id,
        res.name,
        res.kind,
        res.region,
        res.cited_as,
        res.url,
        res.display,
        "; ".join(f"{r.rule}: {r.detail}" for r in norm.repairs) if norm else "",
        v.state_of(rs),
        rs.reason,
        outcome,
        obs.status if obs else None,
        obs.final_url if obs else None,
        v.error_text(obs),
        " | ".join(rs.classification.evidence) if rs.classification else "",
        v.page_title(rs),
        v.iso(rs.last_checked),
        v.iso(rs.last_ok),
        v.iso(rs.failing_since),
        f"{drift.similarity:.2f}" if drift else None,
        ("yes" if drift.title_changed else "no") if drift else None,
        rs.archive.status if rs.archive else None,
        snap.url if snap else None,
        v.snapshot_date(snap) if snap else None,
        rs.replacement.url if rs.replacement else None,
        v.action(rs),
        rs.checks or len(rs.history),
        "; ".join(v.sources_text(rs)),
        "; ".join(f"{x.url} ({x.kind.value}, {x.confidence.value})" for x in rs.suggestions),
    ]
    # neutralize() inlined: this runs for every cell of every row.
    out = ["" if c is None else c if type(c) is str else str(c) for c in cells]
    return ["'" + c if c[:1] in _FORMULA_CHARS else c for c in out]


@gc_paused
def render_csv(data: ReportData) -> str:
    """RFC 4180 CSV (CRLF line ends); the writer should encode it as UTF-8 (with a
    BOM if Excel users must see Cyrillic correctly)."""
    out = io.StringIO()
    write_csv(data, out)
    return out.getvalue()


@gc_paused
def write_csv(data: ReportData, out: TextIO) -> None:
    """`render_csv` written row by row: memory for one row, not for the document."""
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for rs in data.resources:
        writer.writerow(_row(rs))
