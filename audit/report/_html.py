"""The HTML report: one self-contained page, readable from disk and on paper.

Safety rests on three layers, so that a hostile page title or citation can
never run:
1. Jinja2 autoescaping for every value put into text or attributes;
2. links only for http(s) URLs (a `javascript:` citation stays text), and the
   JSON the page's script reads escapes `<`, `>` and `&`, so `</script>` and
   `<!--` cannot end or confuse its <script> element;
3. a Content-Security-Policy that allows no network access at all and only the
   page's own script and style, by hash: even an escaping bug could not load
   or run anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup

from audit.models import Network, ReportData, ResourceStatus
from audit.report import _chart
from audit.report import _view as v

# The history strip shows this many most recent checks; older ones are counted.
STRIP_MARKS = 60


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    href: str | None  # None: shown as text (not an http(s) URL)


@dataclass(frozen=True, slots=True)
class When:
    text: str  # "2026-11-28 06:00 UTC"
    ago: str  # "3 d ago"
    iso: str  # for <time datetime> and sorting


@dataclass(frozen=True, slots=True)
class Mark:
    tone: str
    title: str


@dataclass(frozen=True, slots=True)
class Row:
    idx: int
    rs: ResourceStatus
    state: str
    url: Link | None
    ascii_url: str | None  # the punycode form when it differs from what is shown
    cited_differs: bool
    outcome: str | None
    outcome_label: str
    outcome_tone: str
    final_url: Link | None  # only when it differs from the URL
    title: str | None
    evidence: tuple[str, ...]
    error: str | None
    last_checked: When | None
    last_ok: When | None
    failing_since: When | None
    drift: str
    drift_notable: bool
    snapshot: Link | None
    snapshot_meta: str
    archive_note: str
    replacement: Link | None
    moved_to: Link | None
    action: str
    marks: tuple[Mark, ...]
    earlier: int
    strip_label: str
    sources: tuple[str, ...]


def _link(text: str | None, url: str | None) -> Link | None:
    if url is None:
        return None
    return Link(text or url, url if v.is_web_url(url) else None)


def _when(dt: Any, data: ReportData) -> When | None:
    if dt is None:
        return None
    return When(v.fmt_dt(dt), v.ago(dt, data.generated_at), v.iso(dt) or "")


def _row(idx: int, rs: ResourceStatus, data: ReportData) -> Row:
    res, obs = rs.resource, rs.observation
    outcome = v.outcome_of(rs)
    final = obs.final_url if obs is not None else None
    snap = v.best_snapshot(rs.archive)
    history = rs.history[-STRIP_MARKS:]
    marks = tuple(
        Mark(
            v.OUTCOME_TONE[m.outcome],
            f"{v.fmt_dt(m.checked_at)}: {v.OUTCOME_LABEL[m.outcome]}"
            + (f" (verdict: {v.STATE_LABEL[m.verdict.value]})" if m.verdict is not None else ""),
        )
        for m in history
    )
    tally: dict[str, int] = {}
    for m in rs.history:
        label = v.OUTCOME_LABEL[m.outcome]
        tally[label] = tally.get(label, 0) + 1
    strip_label = f"{len(rs.history)} checks: " + ", ".join(f"{n} {k}" for k, n in tally.items())
    drift = ""
    if rs.drift is not None:
        drift = f"{round(rs.drift.similarity * 100)}% similar to {v.fmt_date(rs.drift.baseline_at)}"
        if rs.drift.title_changed:
            drift += "; title changed"
    archive_note = ""
    if snap is None and rs.archive is not None:
        archive_note = {
            "not_archived": "Not archived",
            "unknown": "Archive not reachable",
        }.get(rs.archive.status.value, "")
    snapshot_meta = ""
    if snap is not None:
        parts = [snap.archive]
        if rs.archive is not None and rs.archive.count:
            parts.append(f"{rs.archive.count} cop{'y' if rs.archive.count == 1 else 'ies'}")
        if snap.verified:
            parts.append("verified")
        snapshot_meta = " · ".join(parts)
    shown = res.display or res.url
    return Row(
        idx=idx,
        rs=rs,
        state=v.state_of(rs),
        url=_link(shown, res.url),
        ascii_url=res.url if res.url and shown != res.url else None,
        cited_differs=bool(res.cited_as) and res.cited_as not in (res.url, res.display),
        outcome=None if outcome is None else outcome.value,
        outcome_label="" if outcome is None else v.OUTCOME_LABEL[outcome],
        outcome_tone="none" if outcome is None else v.OUTCOME_TONE[outcome],
        final_url=_link(final, final) if final and final != res.url else None,
        title=v.page_title(rs),
        evidence=() if rs.classification is None else rs.classification.evidence,
        error=v.error_text(obs),
        last_checked=_when(rs.last_checked, data),
        last_ok=_when(rs.last_ok, data),
        failing_since=_when(rs.failing_since, data),
        drift=drift,
        drift_notable=v.drift_notable(rs.drift),
        snapshot=_link(v.snapshot_date(snap), snap.url) if snap else None,
        snapshot_meta=snapshot_meta,
        archive_note=archive_note,
        replacement=_link(
            f"{rs.replacement.archive} {v.snapshot_date(rs.replacement)}", rs.replacement.url
        )
        if rs.replacement and (snap is None or rs.replacement.url != snap.url)
        else None,
        moved_to=_link(v.moved_to(rs), v.moved_to(rs)),
        action=v.action(rs),
        marks=marks,
        earlier=len(rs.history) - len(history),
        strip_label=strip_label if rs.history else "never checked",
        sources=tuple(v.sources_text(rs)),
    )


def script_json(value: object) -> Markup:
    """JSON that is safe inside a <script> element: `<`, `>`, `&` and the JS line
    separators are \\u-escaped, so no `</script>` or `<!--` can appear in it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, esc)
    return Markup(text)  # escaped for this context just above


def _index(rows: list[Row]) -> list[dict[str, Any]]:
    """What the page's script filters, sorts and searches on."""
    out = []
    for r in rows:
        res = r.rs.resource
        words = [
            res.name,
            res.kind,
            res.region,
            res.cited_as,
            res.url,
            res.display,
            r.title,
            r.outcome_label,
            v.STATE_LABEL[r.state],
            r.rs.reason,
            res.notes,
            *r.evidence,
            *r.sources,
        ]
        out.append(
            {
                "i": r.idx,
                "state": r.state,
                "sev": v.SEVERITY[r.state],
                "kind": res.kind or "",
                "region": res.region or "",
                "name": res.name,
                "http": r.rs.observation.status if r.rs.observation else None,
                "checked": r.last_checked.iso if r.last_checked else "",
                "failing": r.failing_since.iso if r.failing_since else "",
                "text": " ".join(w for w in words if w).casefold(),
            }
        )
    return out


@cache
def _asset(name: str) -> tuple[Markup, str]:
    """A static asset's text and its CSP hash (the page allows nothing else)."""
    text = (files("audit.report") / "templates" / name).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"'sha256-{digest}'"  # our own file, not data


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("audit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(data: ReportData) -> str:
    rows = [_row(i, rs, data) for i, rs in enumerate(v.by_severity(data.resources))]
    summary = v.summarize(data)
    points = list(data.timeline)
    if not points:
        # No history yet: chart the present so the block is never empty.
        current = {c.state: c.count for c in summary.counts if c.count}
        points = [(data.run.started if data.run else data.generated_at, current)]
    css, css_hash = _asset("report.css")
    js, js_hash = _asset("report.js")
    names = {rs.resource.id: rs.resource.name for rs in data.resources}
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            data=data,
            run=data.run,
            offline=data.run is not None and data.run.network is Network.OFFLINE,
            summary=summary,
            shares=[c for c in summary.counts if c.count],
            rows=rows,
            chart=_chart.build(points),
            changes=[(ch, names.get(ch.resource_id, ch.resource_id)) for ch in data.changes],
            kinds=sorted({rs.resource.kind for rs in data.resources if rs.resource.kind}),
            regions=sorted({rs.resource.region for rs in data.resources if rs.resource.region}),
            index=script_json(_index(rows)),
            css=css,
            js=js,
            csp=(
                "default-src 'none'; "
                f"style-src {css_hash}; script-src {js_hash}; img-src data:; "
                "base-uri 'none'; form-action 'none'"
            ),
            v=v,
            fmt_dt=v.fmt_dt,
            fmt_date=v.fmt_date,
            iso=v.iso,
            percent=v.percent,
        )
    )
