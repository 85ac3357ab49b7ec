"""The JSON report: `audit check --format json`'s structure plus history and snapshots.

`{"run": {...}, "results": [...]}` keeps the contract's per-result fields
unchanged (url, final_url, outcome, http_status, redirects, elapsed_ms, error,
evidence, verdict); everything else is added beside them, never renamed.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

import msgspec

from audit._gc import gc_paused
from audit.models import (
    ArchiveLookup,
    Drift,
    ReportData,
    ResourceStatus,
    RunInfo,
    Snapshot,
    VerdictChange,
)
from audit.report import _view as v

Json = dict[str, Any]


def run_json(run: RunInfo | None) -> Json | None:
    if run is None:
        return None
    return {
        "id": run.id,
        "started": v.iso(run.started),
        "finished": v.iso(run.finished),
        "network": run.network.value,
        "vantage": run.vantage,
        "tool_version": run.tool_version,
    }


def snapshot_json(snap: Snapshot | None) -> Json | None:
    if snap is None:
        return None
    return {
        "archive": snap.archive,
        "url": snap.url,
        "timestamp": snap.timestamp,
        "status": snap.status,
        "verified": snap.verified,
    }


def archive_json(lookup: ArchiveLookup | None) -> Json | None:
    """The `audit archive --format json` result shape, plus before/after and when asked."""
    if lookup is None:
        return None
    saved = lookup.saved
    return {
        "url": lookup.url,
        "status": lookup.status.value,
        "count": lookup.count,
        "first": snapshot_json(lookup.first),
        "last": snapshot_json(lookup.last),
        "nearest": snapshot_json(lookup.nearest),
        "before": snapshot_json(lookup.before),
        "after": snapshot_json(lookup.after),
        "saved": None
        if saved is None
        else {"job_id": saved.job_id, "status": saved.status, "detail": saved.detail},
        "checked_at": v.iso(lookup.checked_at),
        "detail": lookup.detail,
    }


def drift_json(drift: Drift | None) -> Json | None:
    if drift is None:
        return None
    return {
        "similarity": drift.similarity,
        "title_changed": drift.title_changed,
        "baseline_at": v.iso(drift.baseline_at),
        "detail": drift.detail,
        "notable": v.drift_notable(drift),
    }


def change_json(change: VerdictChange) -> Json:
    return {
        "resource_id": change.resource_id,
        "url": change.url,
        "before": None if change.before is None else change.before.value,
        "after": change.after.value,
        "at": v.iso(change.at),
        "reason": change.reason,
    }


def result_json(rs: ResourceStatus) -> Json:
    res, obs, norm = rs.resource, rs.observation, rs.normalized
    outcome = v.outcome_of(rs)
    return {
        # The contract's fields first, as `audit check --format json` writes them.
        "url": res.url,
        "final_url": None if obs is None else obs.final_url,
        "outcome": None if outcome is None else outcome.value,
        "http_status": None if obs is None else obs.status,
        "redirects": []
        if obs is None
        else [{"url": h.url, "status": h.status} for h in obs.redirects],
        "elapsed_ms": None if obs is None else obs.elapsed_ms,
        "error": v.error_text(obs),
        "evidence": [] if rs.classification is None else list(rs.classification.evidence),
        "verdict": rs.verdict.value,
        # The registry entry.
        "id": res.id,
        "name": res.name,
        "state": v.state_of(rs),
        "display": res.display,
        "cited_as": res.cited_as,
        "kind": res.kind,
        "region": res.region,
        "notes": res.notes,
        "sources": [
            {"document": s.document, "line": s.line, "page": s.page, "section": s.section}
            for s in res.sources
        ],
        "repairs": []
        if norm is None
        else [
            {"rule": r.rule, "detail": r.detail, "confidence": r.confidence.value}
            for r in norm.repairs
        ],
        "confidence": None if norm is None else norm.confidence.value,
        "warnings": [] if norm is None else list(norm.warnings),
        # The judgement and its history.
        "reason": rs.reason,
        "checked_at": None if obs is None else v.iso(obs.checked_at),
        "last_checked": v.iso(rs.last_checked),
        "last_ok": v.iso(rs.last_ok),
        "failing_since": v.iso(rs.failing_since),
        "moved_to": v.moved_to(rs),
        "title": v.page_title(rs),
        "drift": drift_json(rs.drift),
        "history": [
            {
                "checked_at": v.iso(m.checked_at),
                "outcome": m.outcome.value,
                "verdict": None if m.verdict is None else m.verdict.value,
                "run_id": m.run_id,
                "vantage": m.vantage,
            }
            for m in rs.history
        ],
        # Where it was checked from: the latest check's vantage, address and --resolve
        # mapping, and with several vantages the latest check from each.
        "vantage": None if obs is None else obs.vantage,
        "address": None if obs is None else obs.address,
        "resolved": None if obs is None else obs.resolved,
        "vantages": [
            {
                "vantage": w.vantage,
                "outcome": w.outcome.value,
                "checked_at": v.iso(w.checked_at),
                "http_status": w.status,
                "address": w.address,
                "resolved": w.resolved,
            }
            for w in rs.vantages
        ],
        # Where `audit fix` thinks a failing resource went: best first, never applied here.
        "suggestions": [
            {
                "kind": x.kind.value,
                "url": x.url,
                "score": round(x.score, 2),
                "confidence": x.confidence.value,
                "evidence": list(x.evidence),
                "applied": False,
            }
            for x in rs.suggestions
        ],
        # Archived copies and what to do.
        "archive": archive_json(rs.archive),
        "best_snapshot": snapshot_json(v.best_snapshot(rs.archive)),
        "replacement": snapshot_json(rs.replacement),
        "action": v.action(rs),
    }


def to_json(data: ReportData) -> Json:
    """The JSON report as plain Python values (what `render_json` serialises)."""
    return _head(data) | {"results": [result_json(rs) for rs in data.resources]}


def _head(data: ReportData) -> Json:
    """Everything but the results (which come last)."""
    summary = v.summarize(data)
    return {
        "run": run_json(data.run),
        "generated_at": v.iso(data.generated_at),
        "registry": data.registry_path,
        "notes": list(data.notes),
        "summary": {
            "total": summary.total,
            "with_address": summary.with_address,
            "problems": summary.problems,
            "counts": {c.state: c.count for c in summary.counts},
            "shares": {c.state: round(c.share, 4) for c in summary.counts},
        },
        "previous_run": run_json(data.previous_run),
        "changes": [change_json(c) for c in data.changes],
        "timeline": [{"at": v.iso(at), "verdicts": dict(counts)} for at, counts in data.timeline],
    }


@gc_paused
def render_json(data: ReportData) -> str:
    # Compact, by msgspec's encoder (an indent would have json fall back to its pure-Python
    # encoder, 5x slower on a large registry); readers pretty-print it themselves (`jq .`).
    out = io.BytesIO()
    write_json(data, out)
    return out.getvalue().decode("utf-8")


@gc_paused
def write_json(data: ReportData, out: BinaryIO) -> None:
    """`render_json` written result by result: memory for one result, not the document."""
    encoder = msgspec.json.Encoder()
    head = encoder.encode(_head(data))
    out.write(head[:-1] + b',"results":[')
    for i, rs in enumerate(data.resources):
        if i:
            out.write(b",")
        out.write(encoder.encode(result_json(rs)))
    out.write(b"]}\n")
