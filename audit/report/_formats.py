"""The report formats by their `--format` names."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from audit.errors import InputError
from audit.models import ReportData
from audit.report._csv import render_csv
from audit.report._html import render_html
from audit.report._json import render_json
from audit.report._markdown import render_markdown

Renderer = Callable[[ReportData], str]

# Format name (as `--format` spells it) -> (renderer, file extension).
FORMATS: Mapping[str, tuple[Renderer, str]] = {
    "html": (render_html, "html"),
    "md": (render_markdown, "md"),
    "csv": (render_csv, "csv"),
    "json": (render_json, "json"),
}


def render(data: ReportData, fmt: str, lang: str | None = None) -> str:
    """Render one format by its `--format` name (html, md, csv, json), the reports
    people read in `lang` (default: `data.lang`; CSV and JSON have no language)."""
    try:
        renderer, _ = FORMATS[fmt]
    except KeyError:
        raise InputError(
            f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}"
        ) from None
    if lang is not None:
        data = replace(data, lang=lang)
    return renderer(data)
