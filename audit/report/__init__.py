"""report step: the status report people read, one pure render function per format.

    render_html(data, lang)      one self-contained page (no network requests, prints well)
    render_markdown(data, lang)  an issue / pull-request comment: summary, problems first
    render_csv(data)       one row per resource, safe against formula injection
    render_json(data)      `audit check --format json`'s structure plus history and snapshots
    write_reports(data, directory)   the I/O edge: status.{html,md,csv,json}, atomically

Each renderer takes an `audit.models.ReportData` and returns the document as text.
The reports people read come in English, French and Russian (LANGS): `lang`
defaults to `data.lang`, which `write_reports` and `render` pass through.
"""

from __future__ import annotations

from audit.report._csv import render_csv
from audit.report._formats import FORMATS, Renderer, render
from audit.report._html import render_html
from audit.report._i18n import LANGS
from audit.report._json import render_json, to_json
from audit.report._markdown import render_markdown
from audit.report._view import drift_notable
from audit.report.write import write_reports

__all__ = [
    "FORMATS",
    "LANGS",
    "Renderer",
    "drift_notable",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "to_json",
    "write_reports",
]
