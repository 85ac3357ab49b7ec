"""`audit history`: one resource's checks and verdicts over time."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any, TextIO

from audit import db, pipeline
from audit.archive import lookup_to_json
from audit.check import CheckSettings
from audit.cli._options import EXIT_OK, add_policy, add_store, policy
from audit.errors import InputError
from audit.pipeline import RunOptions
from audit.registry import load_registry
from audit.status import Timeline
from audit.store import open_store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("history", help="one resource's checks and verdicts over time")
    add_store(p)
    add_policy(p)
    p.add_argument("resource", help="a resource id or URL")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(func=cmd_history)


def cmd_history(args: argparse.Namespace, out: TextIO) -> int:
    if not db.exists(args.db):
        raise InputError(f"no store at {args.db}: run `audit run` first", path=str(args.db))
    pol, overridden = policy(args)
    opts = RunOptions(check=CheckSettings(), archive=None, policy=pol, policy_overridden=overridden)
    with open_store(args.db) as store:
        # an unchanged registry comes from the store's parse cache, not the YAML
        registry = load_registry(args.registry, cache=store)
        resource = registry.find(args.resource)
        if resource is None:
            raise InputError(
                f"no resource {args.resource!r} in the registry", path=str(args.registry)
            )
        t = pipeline.timeline(registry, store, resource, opts)
    if args.format == "json":
        json.dump(_timeline_json(t), out, ensure_ascii=False, indent=1)
        out.write("\n")
        return EXIT_OK
    out.write(f"{resource.id}: {resource.name}\n  {resource.url or '(no address)'}\n")
    out.write(f"verdict: {t.judgement.verdict.value} ({t.judgement.reason})\n")
    lines: list[tuple[datetime, str]] = []
    width = max((len(s.observation.vantage) for s in t.observations), default=0)
    for s in t.observations:
        o = s.observation
        where = f"{o.vantage or '-':{width}}  " if width else ""
        via = f"  [{_via(o.address, o.resolved)}]" if o.address or o.resolved else ""
        lines.append(
            (
                o.checked_at,
                f"run {s.run_id:<4} {where}{s.classification.outcome.value:16} "
                f"{o.status or '-'!s:>4}  {'; '.join(s.classification.evidence)}{via}",
            )
        )
    for c in t.changes:
        lines.append(
            (
                c.at,
                f"verdict {c.before.value if c.before else 'new'} -> {c.after.value}  ({c.reason})",
            )
        )
    for at, text in sorted(lines, key=lambda item: item[0]):
        out.write(f"  {at:%Y-%m-%d %H:%M}  {text}\n")
    if t.archive:
        item = lookup_to_json(t.archive)
        out.write(f"archive: {item['status']}, {item['count']} snapshots\n")
    return EXIT_OK


def _via(address: str | None, resolved: str | None) -> str:
    return f"--resolve {resolved}" if resolved else f"at {address}"


def _timeline_json(t: Timeline) -> dict[str, Any]:
    return {
        "resource": {"id": t.resource.id, "name": t.resource.name, "url": t.resource.url},
        "verdict": t.judgement.verdict.value,
        "reason": t.judgement.reason,
        "observations": [
            {
                "at": s.observation.checked_at.isoformat(),
                "run": s.run_id,
                "outcome": s.classification.outcome.value,
                "http_status": s.observation.status,
                "final_url": s.observation.final_url,
                "error": s.observation.error,
                "evidence": list(s.classification.evidence),
                "vantage": s.observation.vantage,
                "address": s.observation.address,
                "resolved": s.observation.resolved,
            }
            for s in t.observations
        ],
        "verdict_changes": [
            {"at": c.at.isoformat(), "before": c.before, "after": c.after, "reason": c.reason}
            for c in t.changes
        ],
        "archive": lookup_to_json(t.archive) if t.archive else None,
    }
