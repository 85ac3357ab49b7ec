"""Pure: the judge's rule for checks seen from several vantages (issue 16).

A resource is dead only when every vantage asked in the latest round agrees
(each judged on its own checks, so each needs its own confirmation span); when
one vantage sees it alive while another fails, it is `blocked` from the failing
ones (geo or network filtering), never dead or flaky.  With one vantage the
verdict is unchanged, but a failing verdict built only on connection failures
says it was seen from one vantage only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from audit import judge
from audit.compare import Seen, compare
from audit.models import Judgement, Outcome, Verdict

if TYPE_CHECKING:
    from audit.judge import Check, Policy, State

ROUND = timedelta(hours=1)  # confirmations follow the primary's check within a run
# Failures that say nothing a second vantage could not contradict: the way there failed.
CONNECTION_KINDS = frozenset({Outcome.CONNECTION_ERROR, Outcome.TIMEOUT, Outcome.TLS_ERROR})
_CONNECTION_VALUES = frozenset(k.value for k in CONNECTION_KINDS)
ONE_VANTAGE = "seen from one vantage only"
_ALIVE = frozenset({Outcome.OK, Outcome.REDIRECTED})


def one_vantage_note(j: Judgement, state: State) -> Judgement:
    """Say "seen from one vantage only" on a failing verdict built on connection failures."""
    if j.verdict not in (Verdict.SUSPECT, Verdict.DEAD):
        return j
    # every failure of the streak counts towards `unreachable` but 429s and resolver
    # failures: the streak is all connection failures when that spell is the whole streak
    spell = state.unreachable
    if state.streak and spell.count == state.streak and set(spell.kinds) <= _CONNECTION_VALUES:
        return replace(j, reason=f"{j.reason}; {ONE_VANTAGE}")
    return j


def judge_vantages(
    history: Sequence[Check], groups: dict[str, list[Check]], policy: Policy
) -> Judgement:
    """The verdict from several vantages' checks (`groups`: non-neutral checks by vantage)."""
    last = {v: cs[-1] for v, cs in groups.items()}
    latest = max(c.at for c in last.values())
    in_round = [v for v in groups if last[v].at >= latest - ROUND]
    failing = [v for v in in_round if last[v].outcome not in _ALIVE]
    alive = [v for v in in_round if last[v].outcome in _ALIVE]
    per = {v: judge.judge_one(groups[v], policy) for v in groups}
    main = max(in_round, key=lambda v: len(groups[v]))  # the primary is asked every time
    if not failing:
        return per[max(alive, key=lambda v: len(groups[v]))]
    last_ok = max((j.last_ok for j in per.values() if j.last_ok), default=None)
    if not alive:
        # Alive elsewhere since these failures began (that vantage not asked this round,
        # or offline): still blocked from here, not dead.
        since = min((per[v].failing_since or last[v].at) for v in failing)
        alive = [v for v in groups if v not in in_round and last[v].outcome in _ALIVE]
        alive = [v for v in alive if last[v].at >= since]
    if alive:
        return Judgement(
            Verdict.BLOCKED,
            _blocked_reason(failing, alive, last),
            failing_since=per[failing[0]].failing_since,
            last_ok=last_ok,
        )
    names = ", ".join(_name(v) for v in in_round)
    if all(per[v].verdict is Verdict.DEAD for v in failing):
        return replace(per[main], reason=f"{per[main].reason}, from every vantage ({names})")
    if all(per[v].verdict is Verdict.BLOCKED for v in failing):
        return replace(per[main], reason=f"{per[main].reason}, from every vantage ({names})")
    j = per[main]
    pending = ", ".join(_name(v) for v in failing if per[v].verdict is not Verdict.DEAD)
    if j.verdict is Verdict.DEAD:
        return replace(
            j,
            verdict=Verdict.SUSPECT,
            reason=f"{j.reason} from {_name(main)}; not yet confirmed from {pending}",
        )
    return replace(j, reason=f"{j.reason}; failing from every vantage asked ({names})")


def _blocked_reason(failing: list[str], alive: list[str], last: dict[str, Check]) -> str:
    there = last[alive[0]].seen or Seen(alive[0], last[alive[0]].outcome)
    parts = []
    for v in failing:
        here = last[v].seen or Seen(v, last[v].outcome)
        parts.append(f"{_name(v)}: {compare(here, there).detail}")
    return (
        f"reachable from {', '.join(_name(v) for v in alive)}, "
        f"not from {', '.join(_name(v) for v in failing)} ({'; '.join(parts)})"
    )


def _name(vantage: str) -> str:
    return f"`{vantage or 'unnamed'}`"
