"""Pure judgement: a resource's history of outcomes and a policy -> a verdict.

Modelled on InternetArchiveBot's rule (a link is dead only after three failed
checks at least three days apart; any success resets the count) and the state
machine in docs/link-verdicts.md §3.6. Nothing here does I/O or reads the
clock: `now` is passed in, so past runs can be re-judged under a new policy.

The judge is a fold: `step(state, check, policy)` adds one check to a resource's
`State` (the few facts the rules need: the failure streak, the last ok, the
recent checks, the drift baseline, the marks a report shows) and `verdict(state,
policy)` reads the verdict off it. `judge(checks)` folds a whole history; a run
keeps each resource's state in the store and folds in only its new checks.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from audit.compare import Seen
from audit.models import (
    Classification,
    Fingerprint,
    HistoryMark,
    Judgement,
    Observation,
    Outcome,
    ResourcePolicy,
    Verdict,
)
from audit.urls.same import same_resource

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
# Failures that may pass on their own: alone they make a resource suspect; only a
# long unbroken spell of them (Policy.unreachable_*) makes it dead.
TRANSIENT_KINDS = frozenset(
    {
        Outcome.TIMEOUT,
        Outcome.SERVER_ERROR,
        Outcome.DNS_ERROR,
        Outcome.TLS_ERROR,
    }
)
# Never evidence against the resource: a resolver failure may be ours.
_NOT_UNREACHABLE = frozenset({Outcome.DNS_ERROR})
# Say nothing about the resource: never counted either way.  Rate-limited is the
# host pacing us (a 429, or a wait longer than the run allows, so it was not asked).
NEUTRAL_KINDS = frozenset(
    {
        Outcome.OFFLINE,
        Outcome.SKIPPED,
        Outcome.UNSUPPORTED,
        Outcome.INVALID_URL,
        Outcome.RATE_LIMITED,
    }
)
RECENT = 6  # counted checks a state keeps for the moved and flaky rules
FLAKY_WINDOW = 6  # of which the flaky rule looks at this many
MARKS = 12  # history marks a state keeps: a report's strip (a quarter of weekly checks)


@dataclass(frozen=True, slots=True)
class Policy:
    """How much evidence a verdict needs, and when a resource is due again."""

    confirm_checks: int = 3
    confirm_span: timedelta = timedelta(days=3)
    # failures of a transient kind (5xx, timeouts, TLS) need a longer confirmation
    unreachable_checks: int = 5
    unreachable_span: timedelta = timedelta(days=30)
    moved_checks: int = 2  # at most RECENT
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
        if p.unreachable_checks is not None:
            out = replace(out, unreachable_checks=p.unreachable_checks)
        if p.unreachable_span_days is not None:
            out = replace(out, unreachable_span=timedelta(days=p.unreachable_span_days))
        return out

    @property
    def key(self) -> str:
        """What of the policy the stored marks were judged under (recheck times are not)."""
        return (
            f"{self.confirm_checks}/{self.confirm_span.total_seconds():g}/"
            f"{self.unreachable_checks}/{self.unreachable_span.total_seconds():g}/"
            f"{self.moved_checks}"
        )


@dataclass(frozen=True, slots=True)
class Check:
    """What the judge needs of one recorded check."""

    at: datetime
    outcome: Outcome
    url: str
    final_url: str | None = None
    permanent_redirect: bool = False
    fingerprint: Fingerprint | None = None
    run_id: int | None = None
    vantage: str = ""  # where it was seen from ('' = before vantages were recorded)
    seen: Seen | None = None  # what the vantage comparison needs (compare.py)

    @classmethod
    def of(
        cls, obs: Observation, classification: Classification, run_id: int | None = None
    ) -> Check:
        permanent = any(h.status in (301, 308) for h in obs.redirects)
        return cls(
            obs.checked_at,
            classification.outcome,
            obs.url,
            obs.final_url,
            permanent,
            obs.fingerprint,
            run_id,
            obs.vantage,
            Seen.of(obs, classification.outcome),
        )


@dataclass(frozen=True, slots=True)
class Recent:
    """What the moved and flaky rules need of a recent check (no time: a state holds
    several per resource, and a run decodes every resource's state)."""

    outcome: Outcome
    permanent_redirect: bool = False
    url: str = ""  # the addresses only of a redirected check
    final_url: str | None = None


@dataclass(frozen=True, slots=True)
class Spell:
    """The failures of one family in the current streak."""

    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    kinds: tuple[str, ...] = ()  # outcome values, sorted

    def add(self, c: Check) -> Spell:
        kinds = self.kinds if c.outcome.value in self.kinds else (*self.kinds, c.outcome.value)
        return Spell(self.count + 1, self.first or c.at, c.at, tuple(sorted(kinds)))

    @property
    def span(self) -> timedelta:
        return self.last - self.first if self.first and self.last else timedelta(0)


@dataclass(frozen=True, slots=True)
class State:
    """Everything the rules need of a resource's history, kept up to date check by check."""

    seen: int = 0  # checks folded in, neutral ones too
    last_outcome: Outcome | None = None  # of the very last check
    counted: int = 0  # non-neutral checks
    last_at: datetime | None = None  # of the last counted check
    last_ok: datetime | None = None
    recent: tuple[Recent, ...] = ()  # the last RECENT counted checks
    streak: int = 0  # failures since the last success or block
    failing_since: datetime | None = None
    dead: Spell = Spell()  # the streak's failures of a dead kind
    unreachable: Spell = Spell()  # the streak's failures of any kind but 429 / resolver
    baseline: Check | None = None  # the first ok check with a fingerprint (drift)
    latest: Check | None = None  # the last one
    prints: int = 0  # ok checks with a fingerprint
    marks: tuple[HistoryMark, ...] = ()  # the last MARKS checks, verdict after each


def step(state: State, check: Check, policy: Policy = Policy()) -> State:
    """`state` with one more check (its mark judged under `policy`)."""
    s = _fold(state, check)
    mark = HistoryMark(
        check.at, check.outcome, check.run_id, verdict(s, policy).verdict, check.vantage
    )
    return _fold(state, check, (*state.marks[-(MARKS - 1) :], mark))


def fold(checks: Iterable[Check], policy: Policy = Policy(), state: State = State()) -> State:
    for c in checks:
        state = step(state, c, policy)
    return state


def _fold(s: State, c: Check, marks: tuple[HistoryMark, ...] | None = None) -> State:
    """`s` with one more check, built in one go (dataclasses.replace costs ~25 µs a call,
    and a run folds a check per resource)."""
    seen, marks = s.seen + 1, s.marks if marks is None else marks
    if c.outcome in NEUTRAL_KINDS:
        return State(
            seen, c.outcome, s.counted, s.last_at, s.last_ok, s.recent, s.streak,
            s.failing_since, s.dead, s.unreachable, s.baseline, s.latest, s.prints, marks,
        )  # fmt: skip
    # the addresses matter only where the check was redirected (moved, "answers at")
    redirected = c.final_url is not None and c.final_url != c.url
    slim = Recent(
        c.outcome,
        c.permanent_redirect,
        c.url if redirected else "",
        c.final_url if redirected else None,
    )
    recent = (*s.recent[-(RECENT - 1) :], slim)
    if c.outcome in ALIVE_KINDS or c.outcome is Outcome.BLOCKED:
        alive = c.outcome in ALIVE_KINDS
        printed = alive and c.fingerprint is not None
        return State(
            seen, c.outcome, s.counted + 1, c.at, c.at if alive else s.last_ok, recent, 0, None,
            Spell(), Spell(), (s.baseline or c) if printed else s.baseline,
            c if printed else s.latest, s.prints + printed, marks,
        )  # fmt: skip
    return State(
        seen, c.outcome, s.counted + 1, c.at, s.last_ok, recent, s.streak + 1,
        s.failing_since or c.at, s.dead.add(c) if c.outcome in DEAD_KINDS else s.dead,
        s.unreachable if c.outcome in _NOT_UNREACHABLE else s.unreachable.add(c),
        s.baseline, s.latest, s.prints, marks,
    )  # fmt: skip


def judge(history: Sequence[Check], policy: Policy = Policy()) -> Judgement:
    """The verdict for one resource from its checks, oldest first.

    Checks from several vantages are judged per vantage and compared
    (vantages.py): dead only when every vantage asked agrees, blocked when one
    sees the resource alive while another does not.
    """
    groups: dict[str, list[Check]] = {}
    for c in history:
        if c.outcome not in NEUTRAL_KINDS:
            groups.setdefault(c.vantage, []).append(c)
    if len(groups) > 1:
        return _vantages.judge_vantages(history, groups, policy)
    s = State()
    for c in history:
        s = _fold(s, c)  # marks are not needed for one verdict
    return _vantages.one_vantage_note(verdict(s, policy), s)


def judge_one(history: Sequence[Check], policy: Policy = Policy()) -> Judgement:
    """The verdict from one vantage's checks, oldest first (main's fold, no vantage rule)."""
    s = State()
    for c in history:
        s = _fold(s, c)
    return verdict(s, policy)


def verdict(s: State, policy: Policy = Policy()) -> Judgement:
    """The verdict a resource's state gives under `policy`."""
    j = _verdict(s, policy)
    if s.recent and s.last_outcome is Outcome.RATE_LIMITED:
        # the earlier checks decide; say why this run added nothing
        j = replace(j, reason=f"{j.reason}; not asked this run: its host asked us to wait")
    return j


def _verdict(s: State, policy: Policy) -> Judgement:
    if not s.recent:
        why = "never checked" if s.last_outcome is None else _neutral_reason(s.last_outcome)
        return Judgement(Verdict.UNKNOWN, why)
    last = s.recent[-1]
    last_ok = s.last_ok

    if last.outcome in ALIVE_KINDS:
        target = _moved_target(s.recent, policy.moved_checks)
        if target:
            return Judgement(
                Verdict.MOVED,
                f"permanently redirected to {target} on {policy.moved_checks} checks",
                last_ok=last_ok,
                moved_to=target,
            )
        if _intermittent(s.recent):
            return Judgement(
                Verdict.FLAKY, "alternates between answering and failing", last_ok=last_ok
            )
        recovered = len(s.recent) > 1 and s.recent[-2].outcome not in ALIVE_KINDS
        why = "recovered: answers again" if recovered else "answers"
        if last.final_url and last.final_url != last.url:
            why += f" at {last.final_url}"  # a same-site canonical address: a fact, not a move
        return Judgement(Verdict.ALIVE, why, last_ok=last_ok)

    if last.outcome is Outcome.BLOCKED:
        # Exists but refuses us (bot wall, login, geo): never turns into dead by itself.
        return Judgement(Verdict.BLOCKED, "refuses our checks (blocked)", last_ok=last_ok)

    since = s.failing_since
    dead, gone = s.dead, s.unreachable
    kinds = ", ".join(dead.kinds)
    if dead.count >= policy.confirm_checks and dead.span >= policy.confirm_span:
        return Judgement(
            Verdict.DEAD,
            f"{dead.count} failures ({kinds}) over {_days(dead.span)}",
            failing_since=since,
            last_ok=last_ok,
        )
    if gone.count >= policy.unreachable_checks and gone.span >= policy.unreachable_span:
        assert gone.first is not None
        return Judgement(
            Verdict.DEAD,
            f"unreachable since {gone.first:%Y-%m-%d}: {gone.count} failures"
            f" ({', '.join(gone.kinds)}) over {_days(gone.span)}",
            failing_since=since,
            last_ok=last_ok,
        )
    if _intermittent(s.recent):
        return Judgement(
            Verdict.FLAKY,
            f"alternates between answering and failing, now {last.outcome.value}",
            failing_since=since,
            last_ok=last_ok,
        )
    if dead.count:
        need = f"{dead.count} of {policy.confirm_checks} failures ({kinds}) over {_days(dead.span)}"
        return Judgement(
            Verdict.SUSPECT,
            f"failing, not yet confirmed: {need} (needs {_days(policy.confirm_span)})",
            failing_since=since,
            last_ok=last_ok,
        )
    if gone.count:
        need = (
            f"{gone.count} of {policy.unreachable_checks} failures ({', '.join(gone.kinds)})"
            f" over {_days(gone.span)}"
        )
        return Judgement(
            Verdict.SUSPECT,
            f"unreachable, not yet confirmed: {need} (needs {_days(policy.unreachable_span)})",
            failing_since=since,
            last_ok=last_ok,
        )
    return Judgement(
        Verdict.SUSPECT,
        f"{'answered before' if last_ok else 'never answered yet'}, now {last.outcome.value}",
        failing_since=since,
        last_ok=last_ok,
    )


def _neutral_reason(outcome: Outcome) -> str:
    return {
        Outcome.OFFLINE: "only checked while our own network was down",
        Outcome.SKIPPED: "excluded by policy",
        Outcome.UNSUPPORTED: "not an http(s) address",
        Outcome.INVALID_URL: "the citation could not be repaired into a URL",
        Outcome.RATE_LIMITED: "not asked: its host asked us to wait",
    }.get(outcome, "no conclusive check")


def _intermittent(recent: Sequence[Recent], window: int = FLAKY_WINDOW) -> bool:
    """Two or more separate failure spells among the recent checks."""
    ok = [c.outcome in ALIVE_KINDS for c in recent[-window:]]
    spells = sum(1 for a, b in itertools.pairwise(ok) if a and not b)
    return spells >= 2


def _moved_target(recent: Sequence[Recent], needed: int) -> str | None:
    last = recent[-needed:]
    if len(last) < needed or not all(c.permanent_redirect and c.final_url for c in last):
        return None
    targets = {c.final_url for c in last}
    if len(targets) != 1:
        return None
    target = targets.pop()
    assert target is not None
    return target if not same_resource(last[-1].url, target) else None


def _days(span: timedelta) -> str:
    days = span.total_seconds() / 86400
    return f"{days:.1f} days" if days < 10 else f"{days:.0f} days"


# The vantage rule (vantages.py) builds on this module's names; imported last so that
# either module can be imported first.
from audit import vantages as _vantages  # noqa: E402
