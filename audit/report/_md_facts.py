"""Pieces of the Markdown report's rows and header: suggestions and vantages (pure)."""

from __future__ import annotations

from audit.models import ResourceStatus, Suggestion
from audit.report import _vantages as vantages
from audit.report import _view as v
from audit.report._i18n import Tr
from audit.report._md_text import md_link, md_text
from audit.report._sentences import sentence


def suggestion(s: Suggestion, tr: Tr) -> str:
    """A suggestion of `audit fix` on one line: where, what kind, how sure."""
    kind, sure = tr._(v.SUGGESTION_KIND[s.kind]), tr._(v.CONFIDENCE_LABEL[s.confidence])
    return f"{md_link(s.url, s.url)} ({md_text(kind)}, {md_text(sure)})"


def to_do(rs: ResourceStatus, tr: Tr) -> str:
    text = md_text(v.action(rs, tr))
    if rs.suggestions:  # the best one; the section below lists them all with evidence
        best = tr._("Suggested: %(where)s", where=suggestion(rs.suggestions[0], tr))
        text += ("<br>" if text else "") + f"{best}, {tr._('not applied')}"
    return text


def suggestion_items(rs: ResourceStatus, tr: Tr) -> str:
    name = md_text(rs.resource.name)
    lines = [f"- **{name}**:"]
    for s in rs.suggestions:
        lines.append(f"  - {suggestion(s, tr)}")
        lines += [f"    - {md_text(sentence(e, tr.lang))}" for e in s.evidence]
    return "\n".join(lines)


def run_vantages(line: str, tr: Tr) -> list[str]:
    """The run's vantages, one a line, with whether each was reachable (several only)."""
    found = vantages.parse(line)
    if not found:
        return []
    out = [tr._("Checked from these vantages (the first is the primary):"), ""]
    for rv in found:
        line = tr._(
            "%(vantage)s (%(where)s): %(state)s",
            vantage=f"**{md_text(rv.name)}**",
            where=md_text(vantages.where(rv, tr)),
            state=md_text(vantages.reach(rv, tr)),
        )
        out.append(f"- {line}")
    return [*out, ""]


def vantage_rows(rs: ResourceStatus, tr: Tr) -> str:
    """The latest check from each vantage, when there are several: vantage, outcome, when."""
    rows = []
    for w in rs.vantages:
        label = tr._(v.OUTCOME_LABEL[w.outcome])
        status = f", HTTP {w.status}" if w.status is not None else ""
        rows.append(
            f"**{md_text(w.vantage)}**: {md_text(label + status)}, {tr.stamp(w.checked_at)}"
        )
    return "<br>".join(rows)
