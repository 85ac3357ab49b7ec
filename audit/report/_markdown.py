"""The Markdown report, sized for an issue or pull-request comment.

Summary first, then the resources a person must act on, then the rest folded
away in `<details>`.  Text from documents and remote pages is escaped for
GitHub-flavoured Markdown: no raw HTML, no links or emphasis it did not
intend, no table breakage, and no @-mentions that would notify strangers.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from audit._gc import gc_paused
from audit.models import Network, ReportData, ResourceStatus
from audit.report import _md_facts as mdf
from audit.report import _vantages as vantages
from audit.report import _view as v
from audit.report._i18n import N_, Tr, translator
from audit.report._md_text import md_link, md_text
from audit.report._sentences import sentence

# GitHub refuses comments over 65,536 characters; beyond this budget rows are
# left to the HTML report.
MAX_CHARS = 60_000
LIST_BUDGET = 4_000  # for each short list (changes, drift, unknown, no address)


def _badge(state: str, tr: Tr) -> str:
    icon = {
        "dead": "🔴",
        "suspect": "🟠",
        "moved": "🔵",
        "blocked": "🟣",
        "flaky": "🟡",
        "unknown": "⚪",
        "alive": "🟢",
        v.NO_ADDRESS: "▫️",
    }[state]
    return f"{icon} {tr._(v.STATE_LABEL[state])}"


def _last_check(rs: ResourceStatus, tr: Tr) -> str:
    outcome = v.outcome_of(rs)
    if outcome is None:
        return tr._("never checked") if rs.resource.url else ""
    parts = [tr._(v.OUTCOME_LABEL[outcome])]
    if rs.observation is not None and rs.observation.status is not None:
        parts.append(f"HTTP {rs.observation.status}")
    text = md_text(", ".join(parts))
    if rs.classification is not None and rs.classification.evidence:
        text += f" — {md_text(sentence(rs.classification.evidence[0], tr.lang))}"
    if rs.vantages:
        text += "<br>" + mdf.vantage_rows(rs, tr)
    return text


def _since(rs: ResourceStatus, tr: Tr) -> str:
    # Dates, not "3 d ago": a comment is read long after it was written.
    if rs.failing_since is not None:
        return tr._("failing since %(date)s", date=tr.date(rs.failing_since))
    if rs.last_ok is not None:
        return tr._("last ok %(date)s", date=tr.date(rs.last_ok))
    return ""


def _archive(rs: ResourceStatus, tr: Tr) -> str:
    snap = rs.replacement or v.best_snapshot(rs.archive)
    if snap is None:
        if rs.archive is not None and rs.archive.status == "not_archived":
            return tr._("not archived")
        return ""
    at = v.snapshot_datetime(snap)
    return md_link(f"{snap.archive} {tr.date(at) if at else v.snapshot_date(snap)}", snap.url)


def _resource_cell(rs: ResourceStatus, tr: Tr) -> str:
    res = rs.resource
    name = f"**{md_text(res.name)}**"
    if res.candidate:  # proposed by extraction, not yet confirmed by a person
        name += f" ({tr._('to confirm')})"
    if res.url is None:
        return name
    return f"{name}<br>{md_link(res.display or res.url, res.url)}"


def _table_head(tr: Tr) -> list[str]:
    names = (
        tr._("Resource"),
        tr._("Verdict"),
        tr._("Last check"),
        tr._("Since"),
        tr._("Archive"),
        tr._("What to do"),
    )
    return ["| " + " | ".join(names) + " |", "| --- | --- | --- | --- | --- | --- |"]


def _row(rs: ResourceStatus, tr: Tr) -> str:
    cells = [
        _resource_cell(rs, tr),
        _badge(v.state_of(rs), tr),
        _last_check(rs, tr),
        _since(rs, tr),
        _archive(rs, tr),
        mdf.to_do(rs, tr),
    ]
    return "| " + " | ".join(cells) + " |"


def _take(lines: Iterable[str], budget: int) -> tuple[list[str], bool]:
    """The first of `lines` that fit in `budget` characters, and whether all did.
    `lines` may be lazy: rows past the budget are never built."""
    kept: list[str] = []
    used = 0
    for line in lines:
        used += len(line) + 1
        if used > budget:
            return kept, False
        kept.append(line)
    return kept, True


def _fit(lines: Iterable[str], total: int, budget: int, tr: Tr) -> list[str]:
    """As many of `lines` (`total` of them) as fit in `budget` characters, then a
    pointer to the rest."""
    kept, whole = _take(lines, budget)
    more = tr.n_(
        "…and %(count)s more: see the HTML report.",
        "…and %(count)s more: see the HTML report.",
        total - len(kept),
    )
    return kept if whole else [*kept, "", more]


def _header(data: ReportData, tr: Tr) -> list[str]:
    run = data.run
    out = [tr._("## Resource status — %(when)s", when=tr.stamp(data.generated_at)), ""]
    facts = []
    if run is not None:
        facts.append(tr._("run %(id)s", id=run.id))
        facts.append(tr._("checked %(when)s", when=tr.stamp(run.started)))
        if run.vantage and not vantages.parse(run.vantage):
            facts.append(md_text(v.vantage(run.vantage, tr)))
    else:
        facts.append(tr._("no run recorded yet"))
    facts.append(tr._("registry %(path)s", path=f"`{data.registry_path.replace('`', '')}`"))
    out += [" · ".join(facts), ""]
    if run is not None:
        out += mdf.run_vantages(run.vantage, tr)
    if run is not None and run.network is Network.OFFLINE:
        out += [
            "> [!WARNING]",
            "> "
            + tr._(
                "**Offline run.** The checker had no network during this run: "
                "its results say nothing about the resources."
            ),
            "",
        ]
    for note in data.notes:
        out += ["> [!WARNING]", f"> {md_text(note)}", ""]
    return out


def _summary(data: ReportData, tr: Tr) -> list[str]:
    s = v.summarize(data)
    named = tr.n_("%(count)s resource", "%(count)s resources", s.total)
    no_addr = s.total - s.with_address
    line = f"**{named}**"
    if no_addr:
        with_one = tr.n_("%(count)s with an address", "%(count)s with an address", s.with_address)
        without = tr.n_("%(count)s named without one", "%(count)s named without one", no_addr)
        line += f" ({with_one}, {without})"
    line += "; " + tr._("need attention: %(count)s", count=f"**{tr.number(s.problems)}**") + "."
    head = f"| {tr._('Verdict')} | {tr._('Resources')} | {tr._('Share')} |"
    out = [line, "", head, "| --- | ---: | ---: |"]
    for c in s.counts:
        if c.count:
            out.append(f"| {_badge(c.state, tr)} | {tr.number(c.count)} | {tr.percent(c.share)} |")
    return [*out, ""]


def _changes(data: ReportData, tr: Tr) -> list[str]:
    if not data.changes:
        return []
    names = {rs.resource.id: rs.resource.name for rs in data.resources}
    since = ""
    if data.previous_run is not None:
        prev = data.previous_run
        since = " (" + tr._("run %(id)s", id=prev.id) + f", {tr.stamp(prev.started)})"
    out = [f"### {tr._('Changes since the previous run')}{since}", ""]
    for ch in data.changes:
        before = tr._(v.STATE_LABEL[ch.before.value]) if ch.before is not None else tr._("New")
        who = md_text(names.get(ch.resource_id, ch.resource_id))
        line = f"- **{who}**: {before} → {tr._(v.STATE_LABEL[ch.after.value])}"
        if ch.reason:
            line += f" — {md_text(sentence(ch.reason, tr.lang))}"
        out.append(line)
    return [*out, ""]


def _drift_item(rs: ResourceStatus, tr: Tr) -> str:
    assert rs.drift is not None
    similar = tr._(
        "%(share)s similar to %(date)s",
        share=tr.percent(rs.drift.similarity),
        date=tr.date(rs.drift.baseline_at),
    )
    changed = "; " + tr._("title changed") if rs.drift.title_changed else ""
    return f"- {_resource_cell(rs, tr).replace('<br>', ' — ')}: {similar}{changed}"


def _named_item(rs: ResourceStatus) -> str:
    extra = ", ".join(md_text(x) for x in (rs.resource.kind, rs.resource.region) if x)
    return f"- **{md_text(rs.resource.name)}**" + (f" ({extra})" if extra else "")


@gc_paused
def render_markdown(data: ReportData, lang: str | None = None) -> str:
    """The comment in `lang` (en, fr, ru; default: the report data's own `lang`)."""
    tr = translator(lang or data.lang)
    ordered = v.by_severity(data.resources)
    problems = [rs for rs in ordered if v.is_problem(rs)]
    drifted = [rs for rs in ordered if v.state_of(rs) == "alive" and v.drift_notable(rs.drift)]
    unknown = [rs for rs in ordered if v.state_of(rs) == "unknown"]
    suggested = [rs for rs in ordered if rs.suggestions]
    no_address = [rs for rs in ordered if v.state_of(rs) == v.NO_ADDRESS]

    out = _header(data, tr) + _summary(data, tr)
    changes = _changes(data, tr)
    if changes:
        out += [*_fit(changes[:-1], len(changes) - 1, LIST_BUDGET, tr), ""]

    def room(reserve: int = 0) -> int:
        return MAX_CHARS - sum(len(line) + 1 for line in out) - reserve

    # Problems get most of the room, but leave some for the short lists below.
    reserve = LIST_BUDGET * sum(1 for x in (suggested, drifted, unknown, no_address) if x)
    if problems:
        rows = (_row(rs, tr) for rs in problems)
        out += [f"### {tr._('Needs attention (%(count)s)', count=tr.number(len(problems)))}", ""]
        out += [*_table_head(tr), *_fit(rows, len(problems), room(reserve), tr), ""]
    else:
        out += [
            f"### {tr._('Need attention')}",
            "",
            tr._("Nothing: no resource is dead, moved, blocked, flaky or suspect."),
            "",
        ]

    def heading(msgid: str, n: int) -> list[str]:
        return [f"### {tr._(msgid, count=tr.number(n))}", ""]

    if suggested:
        out += heading(N_("Suggested addresses, not applied (%(count)s)"), len(suggested))
        out += [tr._("Found by `audit fix`; applied only with `--accept-suggestions`."), ""]
        items = (mdf.suggestion_items(rs, tr) for rs in suggested)
        out += [*_fit(items, len(suggested), min(LIST_BUDGET, room()), tr), ""]
    if drifted:
        out += heading(N_("Alive but changed since cited (%(count)s)"), len(drifted))
        items = (_drift_item(rs, tr) for rs in drifted)
        out += [*_fit(items, len(drifted), min(LIST_BUDGET, room()), tr), ""]
    if unknown:
        items = (
            f"- {_resource_cell(rs, tr).replace('<br>', ' — ')}: {_last_check(rs, tr)}"
            for rs in unknown
        )
        out += heading(N_("Not conclusively checked (%(count)s)"), len(unknown))
        out += [*_fit(items, len(unknown), min(LIST_BUDGET, room()), tr), ""]
    if no_address:
        named = map(_named_item, no_address)
        out += heading(N_("Named without an address (%(count)s)"), len(no_address))
        out += [*_fit(named, len(no_address), min(LIST_BUDGET, room()), tr), ""]
    # The full table only when it fits whole: a cut "all resources" table misleads.
    rows_all = (_row(rs, tr) for rs in ordered)
    table, whole = _take(chain(_table_head(tr), rows_all), room(200) - 1)
    if whole:
        summary = tr._("All resources (%(count)s)", count=tr.number(len(ordered)))
        out += [f"<details><summary>{summary}</summary>", "", *table, "", "</details>"]
    else:
        out.append(
            tr.n_(
                "All %(count)s resources are in the HTML report.",
                "All %(count)s resources are in the HTML report.",
                len(ordered),
            )
        )
    return "\n".join(out) + "\n"
