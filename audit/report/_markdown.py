"""The Markdown report, sized for an issue or pull-request comment.

Summary first, then the resources a person must act on, then the rest folded
away in `<details>`.  Text from documents and remote pages is escaped for
GitHub-flavoured Markdown: no raw HTML, no links or emphasis it did not
intend, no table breakage, and no @-mentions that would notify strangers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import chain

from audit._gc import gc_paused
from audit.models import Network, ReportData, ResourceStatus
from audit.report import _view as v

# Backslash escapes cover Markdown syntax; `<`, `>` and `&` become entities so
# GitHub's HTML pass sees text, never tags.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MENTION = re.compile(r"@(?=\w)")
# GitHub's extended autolinks turn bare `http(s)://`, `www.` (and e-mail, handled by the
# "@" rule) into live links: a zero-width space after the scheme or `www` stops that.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|xmpp)(?=:)|\b(www)(?=\.)")
_SPACE = re.compile(r"\s+")

# GitHub refuses comments over 65,536 characters; beyond this budget rows are
# left to the HTML report.
MAX_CHARS = 60_000
LIST_BUDGET = 4_000  # for each short list (changes, drift, unknown, no address)


def md_text(text: str | None) -> str:
    """Untrusted text as inert inline Markdown on one line (safe in table cells)."""
    return no_autolink(_escape(text))


def _escape(text: str | None) -> str:
    if not text:
        return ""
    one_line = _SPACE.sub(" ", text).strip()
    escaped = _MD_SPECIAL.sub(r"\\\1", one_line)
    # Three C-level replaces, `&` first: a per-character join was the slowest step.
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A zero-width space after "@" keeps "@someone" from pinging a GitHub user.
    return _MENTION.sub("@\u200b", escaped)


def no_autolink(text: str) -> str:
    """Bare URLs and `www.` names in `text` stay text on GitHub (no extended autolink)."""
    return _AUTOLINK.sub(lambda m: m.group(0) + "\u200b", text)


def md_url(url: str) -> str:
    """A link destination: angle brackets forbid nothing useful, so percent-encode
    the few characters that could end or break it."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")


def md_link(text: str | None, url: str | None) -> str:
    if not v.is_web_url(url):
        return md_text(text or url)
    assert url is not None
    # Link text is never autolinked again: only mentions need neutralising there.
    return f"[{_escape(text or url)}]({md_url(url)})"


def _badge(state: str) -> str:
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
    return f"{icon} {v.STATE_LABEL[state]}"


def _last_check(rs: ResourceStatus) -> str:
    outcome = v.outcome_of(rs)
    if outcome is None:
        return "never checked" if rs.resource.url else ""
    parts = [v.OUTCOME_LABEL[outcome]]
    if rs.observation is not None and rs.observation.status is not None:
        parts.append(f"HTTP {rs.observation.status}")
    text = md_text(", ".join(parts))
    if rs.classification is not None and rs.classification.evidence:
        text += f" — {md_text(rs.classification.evidence[0])}"
    return text


def _since(rs: ResourceStatus, data: ReportData) -> str:
    if rs.failing_since is not None:
        return f"failing since {v.fmt_date(rs.failing_since)}"
    if rs.last_ok is not None:
        return f"ok {v.ago(rs.last_ok, data.generated_at)}"
    return ""


def _archive(rs: ResourceStatus) -> str:
    snap = rs.replacement or v.best_snapshot(rs.archive)
    if snap is None:
        if rs.archive is not None and rs.archive.status == "not_archived":
            return "not archived"
        return ""
    return md_link(f"{snap.archive} {v.snapshot_date(snap)}", snap.url)


def _resource_cell(rs: ResourceStatus) -> str:
    res = rs.resource
    name = f"**{md_text(res.name)}**"
    if res.url is None:
        return name
    return f"{name}<br>{md_link(res.display or res.url, res.url)}"


_TABLE_HEAD = [
    "| Resource | Verdict | Last check | Since | Archive | What to do |",
    "| --- | --- | --- | --- | --- | --- |",
]


def _row(rs: ResourceStatus, data: ReportData) -> str:
    cells = [
        _resource_cell(rs),
        _badge(v.state_of(rs)),
        _last_check(rs),
        _since(rs, data),
        _archive(rs),
        md_text(v.action(rs)),
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


def _fit(lines: Iterable[str], total: int, budget: int) -> list[str]:
    """As many of `lines` (`total` of them) as fit in `budget` characters, then a
    pointer to the rest."""
    kept, whole = _take(lines, budget)
    return kept if whole else [*kept, "", f"…and {total - len(kept)} more: see the HTML report."]


def _header(data: ReportData) -> list[str]:
    run = data.run
    out = [f"## Resource status — {v.fmt_dt(data.generated_at)}", ""]
    facts = []
    if run is not None:
        facts.append(f"run {run.id}")
        facts.append(f"checked {v.fmt_dt(run.started)}")
        if run.vantage:
            facts.append(f"from {md_text(run.vantage)}")
    else:
        facts.append("no run recorded yet")
    facts.append(f"registry `{data.registry_path.replace('`', '')}`")
    out += [" · ".join(facts), ""]
    if run is not None and run.network is Network.OFFLINE:
        out += [
            "> [!WARNING]",
            "> **Offline run.** The checker had no network during this run: "
            "its results say nothing about the resources.",
            "",
        ]
    for note in data.notes:
        out += ["> [!WARNING]", f"> {md_text(note)}", ""]
    return out


def _summary(data: ReportData) -> list[str]:
    s = v.summarize(data)
    named = f"{s.total} resources" if s.total != 1 else "1 resource"
    no_addr = s.total - s.with_address
    line = f"**{named}**"
    if no_addr:
        line += f" ({s.with_address} with an address, {no_addr} named without one)"
    line += f"; **{s.problems}** need attention."
    out = [line, "", "| Verdict | Resources | Share |", "| --- | ---: | ---: |"]
    for c in s.counts:
        if c.count:
            out.append(f"| {_badge(c.state)} | {c.count} | {v.percent(c.share)} |")
    return [*out, ""]


def _changes(data: ReportData) -> list[str]:
    if not data.changes:
        return []
    names = {rs.resource.id: rs.resource.name for rs in data.resources}
    since = ""
    if data.previous_run is not None:
        since = f" (run {data.previous_run.id}, {v.fmt_dt(data.previous_run.started)})"
    out = [f"### Changes since the previous run{since}", ""]
    for ch in data.changes:
        before = v.STATE_LABEL[ch.before.value] if ch.before is not None else "new"
        who = md_text(names.get(ch.resource_id, ch.resource_id))
        line = f"- **{who}**: {before} → {v.STATE_LABEL[ch.after.value]}"
        if ch.reason:
            line += f" — {md_text(ch.reason)}"
        out.append(line)
    return [*out, ""]


def _drift_item(rs: ResourceStatus) -> str:
    assert rs.drift is not None
    return (
        f"- {_resource_cell(rs).replace('<br>', ' — ')}: "
        f"{round(rs.drift.similarity * 100)}% similar to the page of "
        f"{v.fmt_date(rs.drift.baseline_at)}"
        + ("; the title changed" if rs.drift.title_changed else "")
    )


def _named_item(rs: ResourceStatus) -> str:
    extra = ", ".join(md_text(x) for x in (rs.resource.kind, rs.resource.region) if x)
    return f"- **{md_text(rs.resource.name)}**" + (f" ({extra})" if extra else "")


@gc_paused
def render_markdown(data: ReportData) -> str:
    ordered = v.by_severity(data.resources)
    problems = [rs for rs in ordered if v.is_problem(rs)]
    drifted = [rs for rs in ordered if v.state_of(rs) == "alive" and v.drift_notable(rs.drift)]
    unknown = [rs for rs in ordered if v.state_of(rs) == "unknown"]
    no_address = [rs for rs in ordered if v.state_of(rs) == v.NO_ADDRESS]

    out = _header(data) + _summary(data)
    changes = _changes(data)
    if changes:
        out += [*_fit(changes[:-1], len(changes) - 1, LIST_BUDGET), ""]

    def room(reserve: int = 0) -> int:
        return MAX_CHARS - sum(len(line) + 1 for line in out) - reserve

    # Problems get most of the room, but leave some for the short lists below.
    reserve = LIST_BUDGET * sum(1 for x in (drifted, unknown, no_address) if x)
    if problems:
        rows = (_row(rs, data) for rs in problems)
        out += [f"### Needs attention ({len(problems)})", "", *_TABLE_HEAD]
        out += [*_fit(rows, len(problems), room(reserve)), ""]
    else:
        out += [
            "### Needs attention",
            "",
            "Nothing: no resource is dead, moved, blocked, flaky or suspect.",
            "",
        ]
    if drifted:
        out += [f"### Alive but changed since cited ({len(drifted)})", ""]
        out += [*_fit(map(_drift_item, drifted), len(drifted), min(LIST_BUDGET, room())), ""]
    if unknown:
        items = (
            f"- {_resource_cell(rs).replace('<br>', ' — ')}: {_last_check(rs)}" for rs in unknown
        )
        out += [f"### Not conclusively checked ({len(unknown)})", ""]
        out += [*_fit(items, len(unknown), min(LIST_BUDGET, room())), ""]
    if no_address:
        named = map(_named_item, no_address)
        out += [f"### Named without an address ({len(no_address)})", ""]
        out += [*_fit(named, len(no_address), min(LIST_BUDGET, room())), ""]
    # The full table only when it fits whole: a cut "all resources" table misleads.
    table, whole = _take(chain(_TABLE_HEAD, (_row(rs, data) for rs in ordered)), room(200) - 1)
    if whole:
        out += [
            f"<details><summary>All resources ({len(ordered)})</summary>",
            "",
            *table,
            "",
            "</details>",
        ]
    else:
        out.append(f"All {len(ordered)} resources are in the HTML report.")
    return "\n".join(out) + "\n"
