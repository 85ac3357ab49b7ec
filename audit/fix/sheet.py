"""The correction sheet: one row per citation, as CSV, Markdown, a small HTML page, JSON (pure)."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from typing import Any

from audit.fix.model import Row, Suggestion

COLUMNS = (
    "page",
    "line",
    "section",
    "cited",
    "resource",
    "verdict",
    "action",
    "applied",
    "replacement",
    "why",
    "archived_on",
    "confidence",
    "suggested",
)


def suggested(suggestions: Sequence[Suggestion]) -> str:
    return "; ".join(
        f"Suggested: {s.url} ({s.kind.value.replace('_', ' ')}, {s.confidence.value}: "
        f"{', '.join(s.evidence)})"
        for s in suggestions
    )


def row_json(r: Row) -> dict[str, Any]:
    d = r.decision
    return {
        "document": r.document,
        "page": r.location.page,
        "line": r.location.line,
        "section": r.section,
        "cited": r.cited,
        "resource": d.resource_id,
        "verdict": d.verdict.value if d.verdict else None,
        "action": d.action.value,
        "applied": r.applied,
        "replacement": d.url,
        "why": d.why,
        "archived_on": d.archived_on,
        "confidence": d.confidence.value,
        "suggestions": [
            {
                "kind": s.kind.value,
                "url": s.url,
                "score": round(s.score, 2),
                "confidence": s.confidence.value,
                "evidence": list(s.evidence),
            }
            for s in d.suggestions
        ],
    }


def _cells(r: Row) -> list[str]:
    j = row_json(r)
    j["suggested"] = suggested(r.decision.suggestions)
    j["applied"] = "yes" if r.applied else "no"
    return ["" if j[c] is None else str(j[c]) for c in COLUMNS]


def render_csv(rows: Sequence[Row]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow(_cells(r))
    return out.getvalue()


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(document: str, rows: Sequence[Row]) -> str:
    changed = sum(1 for r in rows if r.applied)
    lines = [
        f"# Corrections: {_md(document)}",
        "",
        f"{len(rows)} citations, {changed} corrected in the copy.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(_md(c) for c in _cells(r)) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def render_html(document: str, rows: Sequence[Row]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "\n".join(
        f'<tr class="{html.escape(r.decision.action.value)}">'
        + "".join(f"<td>{html.escape(c)}</td>" for c in _cells(r))
        + "</tr>"
        for r in rows
    )
    title = html.escape(f"Corrections: {document}")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{title}</title><style>"
        "body{font:14px sans-serif;margin:1em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 4px;vertical-align:top;text-align:left}"
        "tr.none td{color:#555}td{overflow-wrap:anywhere;max-width:30em}"
        f"</style></head><body><h1>{title}</h1>\n<table><thead><tr>{head}</tr></thead>"
        f"<tbody>\n{body}\n</tbody></table></body></html>\n"
    )


def render_json(sheets: Sequence[tuple[str, str | None, Sequence[Row]]]) -> str:
    """Every document's sheet: (document, corrected copy or None, rows)."""
    docs = [
        {"document": doc, "output": out, "rows": [row_json(r) for r in rows]}
        for doc, out, rows in sheets
    ]
    return json.dumps({"documents": docs}, ensure_ascii=False, indent=1) + "\n"
