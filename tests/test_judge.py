"""The judge: a pure function from a history of checks and a policy to a verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from audit.judge import Check, Policy, drift, is_drifted, judge, next_due, same_resource
from audit.models import Fingerprint, Outcome, Verdict

T0 = datetime(2026, 1, 1, 6, tzinfo=UTC)
URL = "http://example.org/page"


def checks(*spec: tuple[float, Outcome]) -> list[Check]:
    """(day offset, outcome) pairs -> checks."""
    return [Check(T0 + timedelta(days=d), o, URL) for d, o in spec]


OK, NF, TO, OFF, BL = (
    Outcome.OK,
    Outcome.NOT_FOUND,
    Outcome.TIMEOUT,
    Outcome.OFFLINE,
    Outcome.BLOCKED,
)


@pytest.mark.parametrize(
    ("history", "verdict"),
    [
        ([], Verdict.UNKNOWN),
        ([(0, OFF), (1, OFF)], Verdict.UNKNOWN),
        ([(0, OK)], Verdict.ALIVE),
        ([(0, NF)], Verdict.SUSPECT),  # never dead from one check
        ([(0, NF), (1, NF), (2, NF)], Verdict.SUSPECT),  # 3 checks but only 2 days
        ([(0, NF), (1.5, NF), (3, NF)], Verdict.DEAD),  # 3 checks over 3 days
        ([(0, NF), (3, NF), (6, NF), (7, OK)], Verdict.ALIVE),  # recovered
        ([(0, NF), (1, OFF), (2, OFF), (3, NF)], Verdict.SUSPECT),  # offline never counts
        ([(0, OK), (1, TO)], Verdict.FLAKY),
        ([(0, TO), (5, TO), (10, TO), (20, TO)], Verdict.SUSPECT),  # transient never dead
        ([(0, BL), (5, BL), (10, BL)], Verdict.BLOCKED),
        ([(0, NF), (3, BL), (6, NF)], Verdict.SUSPECT),  # blocked breaks the streak
        ([(0, OK), (1, NF), (2, OK), (3, NF), (4, OK)], Verdict.FLAKY),
        ([(0, NF), (2, TO), (4, NF), (6, NF)], Verdict.DEAD),  # a timeout inside a dead streak
    ],
)
def test_verdict_table(history: list[tuple[float, Outcome]], verdict: Verdict) -> None:
    assert judge(checks(*history)).verdict is verdict


def test_failing_since_and_last_ok() -> None:
    j = judge(checks((0, OK), (1, NF), (4, NF)))
    assert j.verdict is Verdict.SUSPECT
    assert j.failing_since == T0 + timedelta(days=1)
    assert j.last_ok == T0


def test_stricter_policy_rejudges_without_new_checks() -> None:
    history = checks((0, NF), (2, NF), (4, NF))
    assert judge(history).verdict is Verdict.DEAD
    strict = Policy(confirm_checks=4, confirm_span=timedelta(days=7))
    assert judge(history, strict).verdict is Verdict.SUSPECT


def moved(day: float, target: str, status_permanent: bool = True) -> Check:
    return Check(T0 + timedelta(days=day), Outcome.REDIRECTED, URL, target, status_permanent)


def test_moved_needs_two_permanent_redirects_to_same_target() -> None:
    assert judge([moved(0, "http://new.example/")]).verdict is Verdict.ALIVE
    assert (
        judge([moved(0, "http://new.example/"), moved(1, "http://new.example/")]).verdict
        is Verdict.MOVED
    )
    assert (
        judge([moved(0, "http://a.example/"), moved(1, "http://b.example/")]).verdict
        is Verdict.ALIVE
    )
    temporary = [moved(0, "http://new.example/", False), moved(1, "http://new.example/", False)]
    assert judge(temporary).verdict is Verdict.ALIVE


def test_canonicalising_redirect_is_not_a_move() -> None:
    assert same_resource("http://example.org/page", "https://www.example.org/page/")
    history = [moved(0, "https://example.org/page/"), moved(1, "https://example.org/page/")]
    assert judge(history).verdict is Verdict.ALIVE


def test_due_ladder() -> None:
    p = Policy()
    alive = checks((0, OK))
    assert next_due(judge(alive), alive, p) == T0 + timedelta(days=7)
    one = checks((0, NF))
    assert next_due(judge(one), one, p) == T0 + timedelta(days=1)
    two = checks((0, NF), (1, NF))
    assert next_due(judge(two), two, p) == T0 + timedelta(days=4)
    three = checks((0, NF), (1, NF), (4, NF))
    assert judge(three).verdict is Verdict.DEAD
    assert next_due(judge(three), three, p) == T0 + timedelta(days=34)
    assert next_due(judge([]), [], p) is None


def fp(title: str, simhash: int, text_hash: str = "h") -> Fingerprint:
    return Fingerprint("http://x/", title, text_hash, simhash, 100)


def test_drift() -> None:
    same = [Check(T0, OK, URL, fingerprint=fp("A", 0)), Check(T0, OK, URL, fingerprint=fp("A", 0))]
    d = drift(same)
    assert d is not None and d.similarity == 1.0 and not is_drifted(d)
    changed = [
        Check(T0, OK, URL, fingerprint=fp("A", 0, "1")),
        Check(T0, OK, URL, fingerprint=fp("B", (1 << 40) - 1, "2")),
    ]
    d = drift(changed)
    assert d is not None and d.title_changed and d.similarity < 0.5 and is_drifted(d)
    assert "title" in d.detail
