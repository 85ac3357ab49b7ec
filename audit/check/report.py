"""The contract's JSON shape of one check result (`audit check --format json`)."""

from __future__ import annotations

from typing import Any

from audit.check.settings import CheckResult


def result_to_json(r: CheckResult) -> dict[str, Any]:
    """Per-result fields of DESIGN.md's `audit check` contract, except `verdict` (the judge's)."""
    obs = r.observation
    return {
        "url": obs.url,
        "final_url": obs.final_url,
        "outcome": r.classification.outcome.value,
        "http_status": obs.status,
        "redirects": [{"url": hop.url, "status": hop.status} for hop in obs.redirects],
        "elapsed_ms": obs.elapsed_ms,
        "error": obs.error.value if obs.error is not None else None,
        "evidence": list(r.classification.evidence),
    }
