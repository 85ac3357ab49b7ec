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
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup

from audit._gc import gc_paused
from audit.models import Hop, Network, Outcome, Repair, ReportData, ResourceStatus, Verdict
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


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a call per field
class Row:
    """One resource as the page shows it: every value precomputed, so the per-row
    template does attribute look-ups and escaping only (it runs 10,000 times)."""

    idx: int
    id: str
    state: str
    name: str
    kind: str | None
    region: str | None
    url: Link | None
    ascii_url: str | None  # the punycode form when it differs from what is shown
    cited: str | None  # the citation as written, only when it differs from the URL
    repairs: tuple[Repair, ...]
    warnings: str
    badge: Markup
    reason: str
    outcome: str | None
    outcome_html: Markup  # label and HTTP status, for the main row
    outcome_fact: Markup  # label, code and HTTP status, for the details
    status: int | None
    elapsed_ms: int
    first_evidence: str | None
    final_url: Link | None  # only when it differs from the URL
    redirects: tuple[Hop, ...]
    title: str | None
    evidence: tuple[str, ...]
    error: str | None
    last_checked: When | None
    last_ok: When | None
    last_ok_fact: str  # "" when it says nothing the last check does not
    failing_since: When | None
    drift: str  # only when notable: a 100%-similar page is not news
    snapshot: Link | None
    snapshot_meta: str
    archive_note: str
    replacement: Link | None
    replaced_by_snapshot: bool  # the suggested replacement is the best archived copy
    moved_to: Link | None
    action: str
    strip: Markup
    strip_note: str
    sources: tuple[str, ...]
    notes: str | None


def _link(text: str | None, url: str | None) -> Link | None:
    if url is None:
        return None
    return Link(text or url, url if v.is_web_url(url) else None)


def _minutes(dt: datetime) -> str:
    """fmt_dt, cheaper: one C call for the common (UTC) case; it runs once per history mark."""
    if dt.tzinfo is UTC:
        return dt.isoformat(" ", "minutes")[:16] + " UTC"
    return v.fmt_dt(dt)


def _when(dt: datetime, now: datetime) -> When:
    # Seconds are precision enough for <time> and sorting, and shorter than microseconds.
    stamp = v.utc(dt).isoformat(timespec="seconds").replace("+00:00", "Z")
    return When(_minutes(dt), v.ago(dt, now), stamp)


_VERDICT_NOTE = {None: ""} | {
    verdict: f" (verdict: {v.STATE_LABEL[verdict.value]})" for verdict in Verdict
}


class _Fragments:
    """Pieces that repeat across rows (badges, outcome labels, whole history strips
    when runs are shared), rendered once by the template's own macros and reused:
    still Jinja-escaped, but not re-rendered 10,000 times."""

    def __init__(self) -> None:
        module: Any = _env().get_template("_fragments.html.j2").module
        self._macros = module
        self.badges = {state: module.badge(state) for state in v.STATES}
        self._outcomes: dict[tuple[Outcome, int | None], tuple[Markup, Markup]] = {}
        self.strips: dict[tuple[str, tuple[tuple[str, str], ...]], Markup] = {}
        # A row's last check, last ok and newest history mark are often the same
        # moment, and marks of one run share their minute: format each once.
        self._minutes: dict[datetime, str] = {}
        self._whens: dict[datetime, When] = {}

    def outcome(self, outcome: Outcome, status: int | None) -> tuple[Markup, Markup]:
        key = (outcome, status)
        pair = self._outcomes.get(key)
        if pair is None:
            label = v.OUTCOME_LABEL[outcome]
            pair = self._outcomes[key] = (
                self._macros.outcome(v.OUTCOME_TONE[outcome], label, status),
                self._macros.outcome_fact(label, outcome.value, status),
            )
        return pair

    def minutes(self, dt: datetime) -> str:
        text = self._minutes.get(dt)
        if text is None:
            text = self._minutes[dt] = _minutes(dt)
        return text

    def when(self, dt: datetime | None, now: datetime) -> When | None:
        if dt is None:
            return None
        w = self._whens.get(dt)
        if w is None:
            w = self._whens[dt] = _when(dt, now)
        return w

    def strip(self, label: str, marks: tuple[tuple[str, str], ...]) -> Markup:
        key = (label, marks)
        html = self.strips.get(key)
        if html is None:
            html = self.strips[key] = self._macros.strip(label, marks)
        return html


def _row(idx: int, rs: ResourceStatus, now: datetime, frag: _Fragments) -> Row:
    res, obs, norm = rs.resource, rs.observation, rs.normalized
    state = v.state_of(rs)
    outcome = v.outcome_of(rs)
    final = obs.final_url if obs is not None else None
    snap = v.best_snapshot(rs.archive)
    history = rs.history[-STRIP_MARKS:]
    marks = tuple(
        (
            v.OUTCOME_TONE[m.outcome],
            f"{frag.minutes(m.checked_at)}: {v.OUTCOME_LABEL[m.outcome]}{_VERDICT_NOTE[m.verdict]}",
        )
        for m in history
    )
    strip = Markup()
    strip_note = ""
    if rs.history:
        tally: dict[str, int] = {}
        for m in rs.history:
            label = v.OUTCOME_LABEL[m.outcome]
            tally[label] = tally.get(label, 0) + 1
        n = rs.checks or len(rs.history)  # the marks kept are the most recent checks
        strip_label = f"{n} checks: " + ", ".join(f"{c} {k}" for k, c in tally.items())
        strip = frag.strip(strip_label, marks)
        strip_note = f"{n} check{'s' if n != 1 else ''}"
        if n > len(history):
            strip_note += f", last {len(history)} shown"
    drift = ""
    if v.drift_notable(rs.drift):
        assert rs.drift is not None
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
    evidence = () if rs.classification is None else rs.classification.evidence
    error = v.error_text(obs)
    title = v.page_title(rs)
    last_checked = frag.when(rs.last_checked, now)
    last_ok = frag.when(rs.last_ok, now)
    last_ok_fact = ""
    if last_ok is not None and (last_checked is None or last_ok.text != last_checked.text):
        last_ok_fact = last_ok.text
    elif last_ok is None and last_checked is not None:
        last_ok_fact = "never seen ok"
    moved = v.moved_to(rs)
    first_evidence = evidence[0] if evidence else error
    if first_evidence == f"HTTP {obs.status if obs is not None else None}":
        first_evidence = None  # says no more than the status printed beside it
    status = obs.status if obs is not None else None
    outcome_html = outcome_fact = Markup()
    if outcome is not None:
        outcome_html, outcome_fact = frag.outcome(outcome, status)
    sources = tuple(v.sources_text(rs))
    return Row(
        idx=idx,
        id=res.id,
        state=state,
        name=res.name,
        kind=res.kind,
        region=res.region,
        url=_link(shown, res.url),
        ascii_url=res.url if res.url and shown != res.url else None,
        # Only beside an address: a resource named without one has nothing it was repaired to.
        cited=res.cited_as
        if res.url and res.cited_as and res.cited_as not in (res.url, res.display)
        else None,
        repairs=norm.repairs if norm is not None else (),
        warnings="; ".join(norm.warnings) if norm is not None else "",
        badge=frag.badges[state],
        reason=rs.reason,
        outcome=None if outcome is None else outcome.value,
        outcome_html=outcome_html,
        outcome_fact=outcome_fact,
        status=status,
        elapsed_ms=obs.elapsed_ms if obs is not None else 0,
        first_evidence=first_evidence,
        final_url=_link(final, final) if final and final != res.url else None,
        redirects=obs.redirects if obs is not None else (),
        title=title,
        evidence=evidence,
        error=error,
        last_checked=last_checked,
        last_ok=last_ok,
        last_ok_fact=last_ok_fact,
        failing_since=frag.when(rs.failing_since, now),
        drift=drift,
        snapshot=_link(v.snapshot_date(snap), snap.url) if snap else None,
        snapshot_meta=snapshot_meta,
        archive_note=archive_note,
        replacement=_link(
            f"{rs.replacement.archive} {v.snapshot_date(rs.replacement)}", rs.replacement.url
        )
        if rs.replacement and (snap is None or rs.replacement.url != snap.url)
        else None,
        replaced_by_snapshot=rs.replacement is not None
        and snap is not None
        and rs.replacement.url == snap.url,
        moved_to=_link(moved, moved),
        action=v.action(rs),
        strip=strip,
        strip_note=strip_note,
        sources=sources,
        notes=res.notes,
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
    """What the page's script filters and sorts on (its search reads the rows' text)."""
    return [
        {
            "i": r.idx,
            "state": r.state,
            "sev": v.SEVERITY[r.state],
            "kind": r.kind or "",
            "region": r.region or "",
            "name": r.name,
            "http": r.status,
            "checked": r.last_checked.iso if r.last_checked else "",
            "failing": r.failing_since.iso if r.failing_since else "",
        }
        for r in rows
    ]


@cache
def _asset(name: str) -> tuple[Markup, str]:
    """A static asset's text and its CSP hash (the page allows nothing else)."""
    text = (files("audit.report") / "templates" / name).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"'sha256-{digest}'"  # our own file, not data


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("audit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["v"] = v  # the fragments template needs the labels too
    return env


@gc_paused
def render_html(data: ReportData) -> str:
    frag = _Fragments()
    now = data.generated_at
    rows = [_row(i, rs, now, frag) for i, rs in enumerate(v.by_severity(data.resources))]
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
