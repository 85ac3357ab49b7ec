"""Pure judgement: a resource's history of outcomes and a policy -> a verdict.

Modelled on InternetArchiveBot's rule (a link is dead only after three failed
checks at least three days apart; any success resets the count) and the state
machine in docs/link-verdicts.md §3.6. Nothing here does I/O or reads the
clock: `now` is passed in, so past runs can be re-judged under a new policy.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from audit.compare import Seen
from audit.models import (
    Classification,
    Drift,
    Fingerprint,
    Judgement,
    Observation,
    Outcome,
    ResourcePolicy,
    Verdict,
)

ALIVE_KINDS = frozenset({Outcome.OK, Outcome.REDIRECTED})
# A failure of these kinds says the resource is gone; enough of them, spread over
# time, make it dead.
DEAD_KINDS = frozenset(
    {
        Outcome.NOT_FOUND,
        Outcome.DNS_NXDOMAIN,
        Outcome.PARKED,
        Outcome.STUB,
        Outcome.SOFT_404,
        Outcome.CONNECTION_ERROR,
        Outcome.CLIENT_ERROR,
        Outcome.REDIRECT_LOOP,
    }
)
# Failures that may pass on their own: they make a resource flaky or suspect, never dead.
TRANSIENT_KINDS = frozenset(
    {
        Outcome.TIMEOUT,
        Outcome.SERVER_ERROR,
        Outcome.DNS_ERROR,
        Outcome.RATE_LIMITED,
        Outcome.TLS_ERROR,
    }
)
# Say nothing about the resource: never counted either way.
NEUTRAL_KINDS = frozenset(
    {Outcome.OFFLINE, Outcome.SKIPPED, Outcome.UNSUPPORTED, Outcome.INVALID_URL}
)
DRIFT_THRESHOLD = 0.75  # visible-text similarity under this is "drifted"


@dataclass(frozen=True, slots=True)
class Policy:
    """How much evidence a verdict needs, and when a resource is due again."""

    confirm_checks: int = 3
    confirm_span: timedelta = timedelta(days=3)
    moved_checks: int = 2
    recheck_alive: timedelta = timedelta(days=7)
    recheck_suspect: tuple[timedelta, ...] = (
        timedelta(days=1),
        timedelta(days=3),
        timedelta(days=7),
    )
    recheck_dead: timedelta = timedelta(days=30)
    recheck_flaky: timedelta = timedelta(days=1)
    recheck_blocked: timedelta = timedelta(days=7)

    def with_overrides(self, p: ResourcePolicy) -> Policy:
        """This policy with a registry entry's (or the registry defaults') overrides."""
        out = self
        if p.confirm_checks is not None:
            out = replace(out, confirm_checks=p.confirm_checks)
        if p.confirm_span_days is not None:
            out = replace(out, confirm_span=timedelta(days=p.confirm_span_days))
        return out


@dataclass(frozen=True, slots=True)
class Check:
    """What the judge needs of one recorded check."""

    at: datetime
    outcome: Outcome
    url: str
    final_url: str | None = None
    permanent_redirect: bool = False
    fingerprint: Fingerprint | None = None
    vantage: str = ""  # where it was seen from ('' = before vantages were recorded)
    seen: Seen | None = None  # what the vantage comparison needs (compare.py)

    @classmethod
    def of(cls, obs: Observation, classification: Classification) -> Check:
        permanent = any(h.status in (301, 308) for h in obs.redirects)
        return cls(
            obs.checked_at,
            classification.outcome,
            obs.url,
            obs.final_url,
            permanent,
            obs.fingerprint,
            obs.vantage,
            Seen.of(obs, classification.outcome),
        )


def judge(history: Sequence[Check], policy: Policy = Policy()) -> Judgement:
    """The verdict for one resource from its checks, oldest first.

    Checks from several vantages are judged per vantage and compared
    (vantages.py): dead only when every vantage asked agrees, blocked when one
    sees the resource alive while another does not.
    """
    if len({c.vantage for c in history}) < 2:
        return _vantages.one_vantage_note(judge_one(history, policy), history)
    groups: dict[str, list[Check]] = {}
    for c in history:
        if c.outcome not in NEUTRAL_KINDS:
            groups.setdefault(c.vantage, []).append(c)
    if len(groups) > 1:
        return _vantages.judge_vantages(history, groups, policy)
    return _vantages.one_vantage_note(judge_one(history, policy), history)


def judge_one(history: Sequence[Check], policy: Policy = Policy()) -> Judgement:
    """The verdict from one vantage's checks, oldest first."""
    checks = [c for c in history if c.outcome not in NEUTRAL_KINDS]
    last_ok = next((c.at for c in reversed(checks) if c.outcome in ALIVE_KINDS), None)
    if not checks:
        why = "never checked" if not history else _neutral_reason(history[-1].outcome)
        return Judgement(Verdict.UNKNOWN, why)
    last = checks[-1]
    streak = failure_streak(checks)
    failing_since = streak[0].at if streak else None

    if last.outcome in ALIVE_KINDS:
        target = _moved_target(checks, policy.moved_checks)
        if target:
            return Judgement(
                Verdict.MOVED,
                f"permanently redirected to {target} on {policy.moved_checks} checks",
                last_ok=last_ok,
                moved_to=target,
            )
        if _intermittent(checks):
            return Judgement(
                Verdict.FLAKY, "answers, but failed in between on recent checks", last_ok=last_ok
            )
        recovered = len(checks) > 1 and checks[-2].outcome not in ALIVE_KINDS
        return Judgement(
            Verdict.ALIVE, "recovered: answers again" if recovered else "answers", last_ok=last_ok
        )

    if last.outcome is Outcome.BLOCKED:
        # Exists but refuses us (bot wall, login, geo): never turns into dead by itself.
        return Judgement(Verdict.BLOCKED, "refuses our checks (blocked)", last_ok=last_ok)

    dead = [c for c in streak if c.outcome in DEAD_KINDS]
    span = dead[-1].at - dead[0].at if dead else timedelta(0)
    kinds = ", ".join(sorted({c.outcome.value for c in dead}))
    if len(dead) >= policy.confirm_checks and span >= policy.confirm_span:
        return Judgement(
            Verdict.DEAD,
            f"{len(dead)} failures ({kinds}) over {_days(span)}",
            failing_since=failing_since,
            last_ok=last_ok,
        )
    if dead:
        need = f"{len(dead)} of {policy.confirm_checks} failures ({kinds}) over {_days(span)}"
        return Judgement(
            Verdict.SUSPECT,
            f"failing, not yet confirmed: {need} (needs {_days(policy.confirm_span)})",
            failing_since=failing_since,
            last_ok=last_ok,
        )
    if last_ok is not None:
        return Judgement(
            Verdict.FLAKY,
            f"answered before, now {last.outcome.value}",
            failing_since=failing_since,
            last_ok=last_ok,
        )
    return Judgement(
        Verdict.SUSPECT, f"never answered yet ({last.outcome.value})", failing_since=failing_since
    )


def _neutral_reason(outcome: Outcome) -> str:
    return {
        Outcome.OFFLINE: "only checked while our own network was down",
        Outcome.SKIPPED: "excluded by policy",
        Outcome.UNSUPPORTED: "not an http(s) address",
        Outcome.INVALID_URL: "the citation could not be repaired into a URL",
    }.get(outcome, "no conclusive check")


def failure_streak(checks: Sequence[Check]) -> list[Check]:
    """The trailing checks since the last success (blocked ones end it too)."""
    out: list[Check] = []
    for c in reversed(checks):
        if c.outcome in ALIVE_KINDS or c.outcome is Outcome.BLOCKED:
            break
        out.append(c)
    return out[::-1]


def _intermittent(checks: Sequence[Check], window: int = 6) -> bool:
    """Two or more separate failure spells among the recent checks."""
    recent = [c.outcome in ALIVE_KINDS for c in checks[-window:]]
    spells = sum(1 for a, b in itertools.pairwise(recent) if a and not b)
    return spells >= 2


def _moved_target(checks: Sequence[Check], needed: int) -> str | None:
    recent = checks[-needed:]
    if len(recent) < needed or not all(c.permanent_redirect and c.final_url for c in recent):
        return None
    targets = {c.final_url for c in recent}
    if len(targets) != 1:
        return None
    target = targets.pop()
    assert target is not None
    return target if not same_resource(recent[-1].url, target) else None


def same_resource(a: str, b: str) -> bool:
    """True when a redirect only canonicalised the address (scheme, www., trailing slash)."""

    def loose(u: str) -> tuple[str, str, str]:
        p = urlsplit(u)
        host = (p.hostname or "").removeprefix("www.")
        return host, p.path.rstrip("/") or "/", p.query

    return loose(a) == loose(b)


def _days(span: timedelta) -> str:
    days = span.total_seconds() / 86400
    return f"{days:.1f} days" if days < 10 else f"{days:.0f} days"


# --------------------------------------------------------------------------
# Scheduling


def next_due(judgement: Judgement, history: Sequence[Check], policy: Policy) -> datetime | None:
    """When the resource should be checked next; None means now."""
    checks = [c for c in history if c.outcome not in NEUTRAL_KINDS]
    if not checks:
        return None
    last = checks[-1].at
    match judgement.verdict:
        case Verdict.ALIVE | Verdict.MOVED:
            return last + policy.recheck_alive
        case Verdict.DEAD:
            return last + policy.recheck_dead
        case Verdict.BLOCKED:
            return last + policy.recheck_blocked
        case Verdict.FLAKY:
            return last + policy.recheck_flaky
        case Verdict.SUSPECT:
            # back-off ladder: +1 d after the first failure, +3 d after the second, ...
            n = len(failure_streak(checks))
            ladder = policy.recheck_suspect
            return last + ladder[min(n, len(ladder)) - 1] if n else last + ladder[0]
    return None


def is_due(judgement: Judgement, history: Sequence[Check], policy: Policy, now: datetime) -> bool:
    due = next_due(judgement, history, policy)
    # a small slack so a daily schedule that runs a few minutes early still re-checks
    return due is None or due <= now + timedelta(minutes=30)


# --------------------------------------------------------------------------
# Content drift


def drift(history: Sequence[Check], threshold: float = DRIFT_THRESHOLD) -> Drift | None:
    """How far the latest ok page has moved from the first one recorded."""
    prints = [c for c in history if c.fingerprint is not None and c.outcome in ALIVE_KINDS]
    if len(prints) < 2:
        return None
    base, last = prints[0], prints[-1]
    assert base.fingerprint is not None and last.fingerprint is not None
    a, b = base.fingerprint, last.fingerprint
    similarity = 1.0 if a.text_hash == b.text_hash else simhash_similarity(a.simhash, b.simhash)
    title_changed = a.title.strip() != b.title.strip()
    parts = []
    if title_changed:
        parts.append(f"title {a.title!r} → {b.title!r}")
    if similarity < threshold:
        parts.append(f"text {similarity:.0%} similar to {base.at:%Y-%m-%d}")
    return Drift(similarity, title_changed, base.at, "; ".join(parts))


def is_drifted(d: Drift | None, threshold: float = DRIFT_THRESHOLD) -> bool:
    return d is not None and (d.similarity < threshold or d.title_changed)


def simhash_similarity(a: int, b: int, bits: int = 64) -> float:
    return 1.0 - ((a ^ b) & ((1 << bits) - 1)).bit_count() / bits


# The vantage rule (vantages.py) builds on this module's names; imported last so that
# either module can be imported first.
from audit import vantages as _vantages  # noqa: E402
