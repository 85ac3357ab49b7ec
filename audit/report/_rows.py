"""One resource as the HTML page shows it: every value precomputed and translated,
so the per-row template does attribute look-ups and escaping only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from audit.models import (
    Hop,
    Observation,
    Outcome,
    Repair,
    ResourceStatus,
    Suggestion,
    Verdict,
)
from audit.report import _view as v
from audit.report._i18n import Tr
from audit.report._sentences import ERROR_WORDS, lower_first, sentence

# The history strip shows this many most recent checks; older ones are counted.
STRIP_MARKS = 60


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    href: str | None  # None: shown as text (not an http(s) URL)


@dataclass(frozen=True, slots=True)
class When:
    text: str  # "28 Nov 2026, 06:00 UTC", in the report's language
    date: str  # "28 Nov 2026"
    iso: str  # for <time datetime>, sorting and the relative time the page computes


@dataclass(frozen=True, slots=True)
class Suggested:
    """A suggestion of `audit fix` as shown: never applied, best first."""

    link: Link
    kind: str  # "did you mean", in the report's language
    confidence: str  # "high confidence"
    level: str  # high, medium, low (for the page's styles)
    evidence: tuple[str, ...]


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a call per field
class Row:
    idx: int
    id: str
    state: str
    name: str
    kind: str | None
    region: str | None
    candidate: bool
    url: Link | None
    ascii_url: str | None  # the punycode form when it differs from what is shown
    cited: str | None  # the citation as written, only when it differs from the URL
    repairs: tuple[Repair, ...]
    warnings: str
    badge: Markup
    reason: str
    outcome: str | None
    outcome_html: Markup  # label and HTTP status, for the main row
    outcome_fact: Markup  # label and HTTP status, for the details
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
    snapshot_iso: str  # YYYY-MM-DD, for the Robust Link's data-versiondate
    snapshot_meta: str
    archive_note: str
    replacement: Link | None
    replaced_by_snapshot: bool  # the suggested replacement is the best archived copy
    moved_to: Link | None
    action: str
    strip: Markup
    strip_note: str
    sources: tuple[str, ...]
    docs: tuple[int, ...]  # indices into the page's document list
    notes: str | None
    vantages: tuple[tuple[str, Markup, str, str], ...] = ()  # name, outcome, when, address
    suggestions: tuple[Suggested, ...] = ()


def link(text: str | None, url: str | None) -> Link | None:
    if url is None:
        return None
    return Link(text or url, url if v.is_web_url(url) else None)


def minutes(dt: datetime) -> str:
    """An ISO minute for history marks' tooltips: the same in every language, and cheap
    (one C call; it runs once per mark)."""
    if dt.tzinfo is UTC:
        return dt.isoformat(" ", "minutes")[:16]
    return v.utc(dt).isoformat(" ", "minutes")[:16]


def error_words(obs: Observation | None, tr: Tr) -> str | None:
    """The transport failure in words, then the system's own message (data, as written)."""
    if obs is None or obs.error is None:
        return None
    words = tr._(ERROR_WORDS[obs.error])
    return f"{words}: {obs.detail}" if obs.detail else words


class Fragments:
    """Pieces that repeat across rows (badges, outcome labels, whole history strips
    when runs are shared), rendered once by the template's own macros and reused."""

    def __init__(self, macros: Any, tr: Tr, now: datetime) -> None:
        self._macros = macros
        self.tr = tr
        self.now = now
        self.badges = {state: macros.badge(state) for state in v.STATES}
        self.labels = {o: tr._(v.OUTCOME_LABEL[o]) for o in Outcome}
        self.verdict_note = {None: ""} | {
            verdict: " (" + tr._("verdict: %(verdict)s", verdict=tr._(v.STATE_LABEL[verdict])) + ")"
            for verdict in Verdict
        }
        self._outcomes: dict[tuple[Outcome, int | None], tuple[Markup, Markup]] = {}
        self.strips: dict[tuple[str, tuple[tuple[str, str, int], ...]], Markup] = {}
        self._minutes: dict[datetime, str] = {}
        self._whens: dict[datetime, When] = {}
        self.docs: dict[str, int] = {}

    def outcome(self, outcome: Outcome, status: int | None) -> tuple[Markup, Markup]:
        key = (outcome, status)
        pair = self._outcomes.get(key)
        if pair is None:
            label = self.labels[outcome]
            pair = self._outcomes[key] = (
                self._macros.outcome(v.OUTCOME_TONE[outcome], label, status),
                self._macros.outcome_fact(label, status),
            )
        return pair

    def minutes(self, dt: datetime) -> str:
        text = self._minutes.get(dt)
        if text is None:
            text = self._minutes[dt] = minutes(dt)
        return text

    def when(self, dt: datetime | None) -> When | None:
        if dt is None:
            return None
        w = self._whens.get(dt)
        if w is None:
            stamp = v.utc(dt).isoformat(timespec="seconds").replace("+00:00", "Z")
            w = self._whens[dt] = When(self.tr.stamp(dt), self.tr.date(dt), stamp)
        return w

    def strip(self, label: str, marks: tuple[tuple[str, str, int], ...]) -> Markup:
        key = (label, marks)
        html = self.strips.get(key)
        if html is None:
            html = self.strips[key] = self._macros.strip(label, marks)
        return html

    def doc(self, name: str) -> int:
        return self.docs.setdefault(name, len(self.docs))


def suggested(s: Suggestion, tr: Tr) -> Suggested:
    return Suggested(
        Link(s.url, s.url if v.is_web_url(s.url) else None),
        tr._(v.SUGGESTION_KIND[s.kind]),
        tr._(v.CONFIDENCE_LABEL[s.confidence]),
        s.confidence.value,
        tuple(sentence(e, tr.lang) for e in s.evidence),
    )


def _strip(rs: ResourceStatus, frag: Fragments) -> tuple[Markup, str]:
    if not rs.history:
        return Markup(), ""
    tr = frag.tr
    history = rs.history[-STRIP_MARKS:]
    # Consecutive checks with the same outcome (and verdict) are one element drawn as
    # that many marks: a 60-check strip is a few elements, not 60 (a large report's
    # page was mostly strips).
    runs: list[tuple[str, str, int]] = []
    start = 0
    for i, m in enumerate(history):
        last = i + 1 == len(history)
        if last or (history[i + 1].outcome, history[i + 1].verdict) != (m.outcome, m.verdict):
            first, k = history[start], i + 1 - start
            when = frag.minutes(first.checked_at)
            if k > 1:
                when += " – " + frag.minutes(m.checked_at)
            what = frag.labels[m.outcome] + (f" ×{k}" if k > 1 else "")
            runs.append(
                (v.OUTCOME_TONE[m.outcome], f"{when}: {what}{frag.verdict_note[m.verdict]}", k)
            )
            start = i + 1
    tally: dict[Outcome, int] = {}
    for m in rs.history:
        tally[m.outcome] = tally.get(m.outcome, 0) + 1
    n = rs.checks or len(rs.history)  # the marks kept are the most recent checks
    label = tr.n_(
        "%(count)s check: %(tally)s",
        "%(count)s checks: %(tally)s",
        n,
        tally=", ".join(f"{tr.number(k)} {lower_first(frag.labels[o])}" for o, k in tally.items()),
    )
    note = tr.n_("%(count)s check", "%(count)s checks", n)
    if n > len(history):
        note = tr._("%(checks)s, last %(shown)s shown", checks=note, shown=tr.number(len(history)))
    return frag.strip(label, tuple(runs)), note


def _archive(rs: ResourceStatus, tr: Tr) -> tuple[str, str]:
    """(snapshot_meta, archive_note) for the best copy, or why there is none."""
    snap = v.best_snapshot(rs.archive)
    if snap is None:
        if rs.archive is None:
            return "", ""
        note = {"not_archived": tr._("Not archived"), "unknown": tr._("Archive not reachable")}
        return "", note.get(rs.archive.status.value, "")
    parts = [snap.archive]
    if rs.archive is not None and rs.archive.count:
        parts.append(tr.n_("%(count)s copy", "%(count)s copies", rs.archive.count))
    if snap.verified:
        parts.append(tr._("verified"))
    return " · ".join(parts), ""


def build(idx: int, rs: ResourceStatus, frag: Fragments) -> Row:
    tr = frag.tr
    res, obs, norm = rs.resource, rs.observation, rs.normalized
    state = v.state_of(rs)
    outcome = v.outcome_of(rs)
    final = obs.final_url if obs is not None else None
    snap = v.best_snapshot(rs.archive)
    strip, strip_note = _strip(rs, frag)
    drift = ""
    if v.drift_notable(rs.drift):
        assert rs.drift is not None
        drift = tr._(
            "%(share)s similar to %(date)s",
            share=tr.percent(rs.drift.similarity),
            date=tr.date(rs.drift.baseline_at),
        )
        if rs.drift.title_changed:
            drift += "; " + tr._("title changed")
    snapshot_meta, archive_note = _archive(rs, tr)
    shown = res.display or res.url
    raw_evidence = () if rs.classification is None else rs.classification.evidence
    evidence = tuple(sentence(e, tr.lang) for e in raw_evidence)
    error = error_words(obs, tr)
    last_checked = frag.when(rs.last_checked)
    last_ok = frag.when(rs.last_ok)
    last_ok_fact = ""
    if last_ok is not None and (last_checked is None or last_ok.text != last_checked.text):
        last_ok_fact = last_ok.text
    elif last_ok is None and last_checked is not None:
        last_ok_fact = tr._("never seen ok")
    moved = v.moved_to(rs)
    status = obs.status if obs is not None else None
    first_evidence = evidence[0] if evidence else error
    if raw_evidence and raw_evidence[0] == f"HTTP {status}":
        first_evidence = None  # says no more than the status printed beside it
    outcome_html = outcome_fact = Markup()
    if outcome is not None:
        outcome_html, outcome_fact = frag.outcome(outcome, status)
    replacement = rs.replacement
    return Row(
        idx=idx,
        id=res.id,
        state=state,
        name=res.name,
        kind=res.kind,
        region=res.region,
        candidate=res.candidate,
        url=link(shown, res.url),
        ascii_url=res.url if res.url and shown != res.url else None,
        # Only beside an address: a resource named without one has nothing it was repaired to.
        cited=res.cited_as
        if res.url and res.cited_as and res.cited_as not in (res.url, res.display)
        else None,
        repairs=norm.repairs if norm is not None else (),
        warnings="; ".join(norm.warnings) if norm is not None else "",
        badge=frag.badges[state],
        reason=sentence(rs.reason, tr.lang) if rs.reason else "",
        outcome=None if outcome is None else frag.labels[outcome],
        outcome_html=outcome_html,
        outcome_fact=outcome_fact,
        status=status,
        elapsed_ms=obs.elapsed_ms if obs is not None else 0,
        first_evidence=first_evidence,
        final_url=link(final, final) if final and final != res.url else None,
        redirects=obs.redirects if obs is not None else (),
        title=v.page_title(rs),
        evidence=evidence,
        error=error,
        last_checked=last_checked,
        last_ok=last_ok,
        last_ok_fact=last_ok_fact,
        failing_since=frag.when(rs.failing_since),
        drift=drift,
        snapshot=link(tr.date(v.snapshot_datetime(snap)) or v.snapshot_date(snap), snap.url)
        if snap
        else None,
        snapshot_iso=v.snapshot_date(snap) if snap else "",
        snapshot_meta=snapshot_meta,
        archive_note=archive_note,
        replacement=link(f"{replacement.archive} {v.snapshot_date(replacement)}", replacement.url)
        if replacement and (snap is None or replacement.url != snap.url)
        else None,
        replaced_by_snapshot=replacement is not None
        and snap is not None
        and replacement.url == snap.url,
        moved_to=link(moved, moved),
        action=v.action(rs, tr),
        strip=strip,
        strip_note=strip_note,
        sources=tuple(v.sources_text(rs)),
        docs=tuple(sorted({frag.doc(s.document) for s in res.sources})),
        notes=res.notes,
        vantages=tuple(
            (
                w.vantage,
                frag.outcome(w.outcome, w.status)[0],
                frag.minutes(w.checked_at),
                f"--resolve {w.resolved}" if w.resolved else w.address or "",
            )
            for w in rs.vantages
        ),
        suggestions=tuple(suggested(s, tr) for s in rs.suggestions),
    )
