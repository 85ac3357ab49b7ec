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

from audit._gc import gc_paused
from audit.models import Network, ReportData, ResourceStatus
from audit.report import _chart, _rows, _sentences
from audit.report import _vantages as vantages
from audit.report import _view as v
from audit.report._i18n import Tr, translator
from audit.report._rows import Row

# Past PAGE_LIMIT resources the page shows the worst FULL_ROWS (problems first) as
# full rows and pages the rest in the browser from compact data: a 100k-row page
# of full rows is a 200 MB file no browser opens comfortably, and Chromium builds
# only some 200-500 full rows a second (bench/report_open.py: 5,000 full rows took
# 29 s to open, 1,000 about 2-4 s), so the limit is 1,000 rather than 5,000.
PAGE_LIMIT = 1000
FULL_ROWS = 500


@dataclass(frozen=True, slots=True)
class Document:
    idx: int
    name: str
    total: int
    problems: int
    counts: tuple[tuple[str, int], ...]  # (state, count), worst first, non-zero only


def _documents(rows: list[Row], names: dict[str, int]) -> list[Document]:
    """Which document cites what: counts per document, in the order first seen."""
    tally: dict[int, dict[str, int]] = {i: {} for i in names.values()}
    for r in rows:
        for d in r.docs:
            tally[d][r.state] = tally[d].get(r.state, 0) + 1
    out = []
    for name, i in names.items():
        counts = tally[i]
        out.append(
            Document(
                idx=i,
                name=name,
                total=sum(counts.values()),
                problems=sum(n for s, n in counts.items() if s in v.PROBLEMS),
                counts=tuple((s, counts[s]) for s in v.STATES if counts.get(s)),
            )
        )
    return out


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
            "docs": r.docs,
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
def _env(lang: str = "en") -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("audit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    tr = translator(lang)
    env.globals["v"] = v  # the fragments template needs the labels too
    env.globals["_"] = tr._
    env.globals["ngettext"] = tr.n_
    env.globals["tr"] = tr
    return env


@gc_paused
def render_html(data: ReportData, lang: str | None = None) -> str:
    """The page in `lang` (en, fr, ru; default: the report data's own `lang`)."""
    tr: Tr = translator(lang or data.lang)
    env = _env(tr.lang)
    macros: Any = env.get_template("_fragments.html.j2").module
    frag = _rows.Fragments(macros, tr, data.generated_at)
    ordered = v.by_severity(data.resources)
    full, rest = _split(ordered)
    rows = [_rows.build(i, rs, frag) for i, rs in enumerate(full)]
    summary = v.summarize(data)
    points = list(data.timeline)
    if not points:
        # No history yet: chart the present so the block is never empty.
        current = {c.state: c.count for c in summary.counts if c.count}
        points = [(data.run.started if data.run else data.generated_at, current)]
    css, css_hash = _asset("report.css")
    lang_css, lang_css_hash = _lang_css(tr.lang)
    js, js_hash = _asset("report.js")
    names = {rs.resource.id: rs.resource.name for rs in data.resources}
    run = data.run
    return env.get_template("report.html.j2").render(
        data=data,
        run=run,
        vantage=v.vantage(run.vantage, tr) if run else "",
        run_vantages=[
            (rv.name, vantages.where(rv, tr), vantages.reach(rv, tr), rv.reach.value)
            for rv in (vantages.parse(run.vantage) if run else ())
        ],
        offline=run is not None and run.network is Network.OFFLINE,
        summary=summary,
        shares=[c for c in summary.counts if c.count],
        rows=rows,
        paged=bool(rest),
        paged_count=len(rest),
        paged_data=script_json(_paged(rest, frag)) if rest else "",
        documents=_documents(rows, frag.docs),
        chart=_chart.build(points, tr),
        changes=[
            (ch, names.get(ch.resource_id, ch.resource_id), _sentences.sentence(ch.reason, tr.lang))
            for ch in data.changes
        ],
        kinds=sorted({rs.resource.kind for rs in data.resources if rs.resource.kind}),
        regions=sorted({rs.resource.region for rs in data.resources if rs.resource.region}),
        index=script_json(_index(rows)),
        labels=script_json(_script_labels(tr)),
        css=css,
        lang_css=lang_css,
        js=js,
        csp=(
            "default-src 'none'; "
            f"style-src {css_hash} {lang_css_hash}; script-src {js_hash}; img-src data:; "
            "base-uri 'none'; form-action 'none'"
        ),
        v=v,
        lang=tr.lang.value,
        fmt_dt=tr.stamp,
        fmt_date=tr.date,
        fmt_time=tr.time,
        iso=v.iso,
        percent=tr.percent,
        number=tr.number,
    )


def _split(
    ordered: list[ResourceStatus],
) -> tuple[list[ResourceStatus], list[ResourceStatus]]:
    """(full rows, paged rows): every resource in full up to PAGE_LIMIT; past it the
    problems first (they are at the top of `ordered`), at most FULL_ROWS of them in
    full, the rest paged in the same order."""
    if len(ordered) <= PAGE_LIMIT:
        return ordered, []
    n = min(sum(1 for rs in ordered if v.is_problem(rs)), FULL_ROWS)
    return ordered[:n], ordered[n:]


def _paged(rest: list[ResourceStatus], frag: _rows.Fragments) -> dict[str, Any]:
    """The paged rows as compact arrays (see PAGED in report.js for the order), with
    repeated words (outcome, kind, region) as indices into lists; the script builds
    their cells as text nodes, never as markup, and formats their dates itself."""
    words: dict[str, int] = {"": 0}

    def word(text: str | None) -> int:
        return words.setdefault(text or "", len(words))

    rows: list[list[Any]] = []
    for rs in rest:
        res, obs = rs.resource, rs.observation
        state = v.state_of(rs)
        outcome = v.outcome_of(rs)
        shown = res.display or res.url
        # The link: 1 when it is the address shown, 0 when there is none.
        href: str | int = 0
        if v.is_web_url(res.url):
            href = 1 if res.url == shown else str(res.url)
        rows.append(
            [
                res.id,
                v.SEVERITY[state],
                res.name,
                shown or "",
                href,
                word(frag.labels[outcome] if outcome is not None else None),
                obs.status if obs is not None else 0,
                v.iso(rs.last_checked) or "",
                word(res.kind),
                word(res.region),
                sorted({frag.doc(s.document) for s in res.sources}),
            ]
        )
    return {"states": list(v.STATES), "words": list(words), "rows": rows}


def _css_string(text: str) -> str:
    # A CSS string literal; `<` escaped too, so no `</style>` can appear.
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return f'"{out}"'


@cache
def _lang_css(lang: str) -> tuple[Markup, str]:
    """The stacked (phone) layout's column names, in the page's language, and its CSP hash."""
    tr = translator(lang)
    words = {
        "verdict": tr._("Verdict"),
        "check": tr._("Last check"),
        "hist": tr._("History"),
        "date": tr._("Checked"),
        "arch": tr._("Archive & next step"),
    }
    text = ":root{" + "".join(f"--l-{k}:{_css_string(w)};" for k, w in words.items()) + "}"
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"'sha256-{digest}'"  # our catalogue's words, escaped above


def _script_labels(tr: Tr) -> dict[str, Any]:
    """The few words the page's script writes itself, in the page's language. Counted
    phrases come as one gettext form per CLDR plural category (one, few, many, other),
    for the script's Intl.PluralRules to choose from."""

    def forms(singular: str, plural: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for n in range(200):
            out.setdefault(tr.locale.plural_form(n), tr.catalog.ngettext(singular, plural, n))
        return out

    return {
        "all": forms("%(count)s resource", "%(count)s resources"),
        "shown": tr._("Showing %(shown)s of %(count)s"),
        "expand": tr._("Expand all"),
        "collapse": tr._("Collapse all"),
        "page": tr._("%(first)s–%(last)s of %(count)s"),
        "never": tr._("never checked"),
        **{f"state-{state}": tr._(label) for state, label in v.STATE_LABEL.items()},
    }
