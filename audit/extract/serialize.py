"""The `audit extract --format json` object of one citation (DESIGN.md contract)."""

from __future__ import annotations

from audit.models import Citation


def citation_to_json(c: Citation) -> dict[str, object]:
    """Exactly the contract's fields: url, display, raw, source, location, section,
    context, repairs, kind."""
    n = c.normalized
    return {
        "url": n.url if n else None,
        "display": n.display if n else None,
        "raw": c.raw,
        "source": c.source,
        "location": {"page": c.location.page, "line": c.location.line},
        "section": c.section,
        "context": c.context,
        "repairs": [{"rule": r.rule, "detail": r.detail} for r in n.repairs] if n else [],
        "kind": str(n.kind) if n else None,
    }
