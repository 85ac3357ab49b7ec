"""The judge: a pure function from a history of checks and a policy to a verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from audit.drift import drift, is_drifted
from audit.due import next_due
from audit.judge import Check, Policy, judge
from audit.models import Fingerprint, Outcome, Verdict
from audit.urls.same import same_resource

T0 = datetime(2026, 1, 1, 6, tzinfo=UTC)
URL = "http://example.org/page"


def checks(*spec: tuple[float, Outcome]) -> list[Check]:
    """(day offset, outcome) pairs -> checks."""
    return [Check(T0 + timedelta(days=d), o, URL) for d, o in spec]


RL = Outcome.RATE_LIMITED
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
        # one failure after answering is not "flaky": flaky alternates
        ([(0, OK), (1, TO)], Verdict.SUSPECT),
        ([(0, OK), (1, TO), (2, OK), (3, TO)], Verdict.FLAKY),
        ([(0, TO), (5, TO), (10, TO), (20, TO)], Verdict.SUSPECT),  # 4 of 5 transient checks
        ([(0, TO), (5, TO), (10, TO), (20, TO), (29, TO)], Verdict.SUSPECT),  # < 30 days
        ([(0, TO), (5, TO), (10, TO), (20, TO), (30, TO)], Verdict.DEAD),  # unreachable
        ([(0, TO), (5, RL), (10, TO), (20, TO), (30, TO)], Verdict.SUSPECT),  # a 429 is no failure
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


# --------------------------------------------------------------------------
# Issue 15: an end state for persistent transient failures; same-site canonical redirects


def spaced(outcome: Outcome, days: tuple[float, ...]) -> list[Check]:
    return [Check(T0 + timedelta(days=d), outcome, URL) for d in days]


@pytest.mark.parametrize(
    "outcome", [Outcome.SERVER_ERROR, Outcome.TIMEOUT, Outcome.TLS_ERROR, Outcome.CONNECTION_ERROR]
)
def test_persistent_transient_failures_end_dead_unreachable_since(outcome: Outcome) -> None:
    weeks = spaced(outcome, (0, 7, 14, 21))
    j = judge([Check(T0 - timedelta(days=7), OK, URL), *weeks])
    assert j.verdict in (Verdict.SUSPECT, Verdict.DEAD)
    if outcome is Outcome.CONNECTION_ERROR:
        assert j.verdict is Verdict.DEAD  # a dead kind: the short confirmation
        return
    assert j.verdict is Verdict.SUSPECT and "4 of 5" in j.reason
    j = judge([Check(T0 - timedelta(days=7), OK, URL), *spaced(outcome, (0, 7, 14, 21, 30))])
    assert j.verdict is Verdict.DEAD
    assert j.reason.startswith("unreachable since 2026-01-01")
    assert j.failing_since == T0


def test_unreachable_confirmation_is_policy() -> None:
    five = spaced(Outcome.SERVER_ERROR, (0, 7, 14, 21, 30))
    assert judge(five).verdict is Verdict.DEAD
    longer = Policy(unreachable_checks=6, unreachable_span=timedelta(days=60))
    assert judge(five, longer).verdict is Verdict.SUSPECT
    shorter = Policy(unreachable_checks=2, unreachable_span=timedelta(days=7))
    assert judge(five[:2], shorter).verdict is Verdict.DEAD


def test_flaky_is_alternation_only() -> None:
    alternating = [
        Check(T0 + timedelta(days=d), OK if d % 2 == 0 else Outcome.SERVER_ERROR, URL)
        for d in range(5)
    ]
    assert judge(alternating).verdict is Verdict.FLAKY
    assert judge(alternating[:-1]).verdict is Verdict.FLAKY  # failing now, but alternating
    # answered for months, then one 500: suspect, not flaky
    steady = [
        *spaced(OK, (0, 7, 14, 21)),
        Check(T0 + timedelta(days=28), Outcome.SERVER_ERROR, URL),
    ]
    assert judge(steady).verdict is Verdict.SUSPECT


@pytest.mark.parametrize(
    ("url", "final"),
    [
        ("http://site.example/", "https://site.example/"),
        ("http://site.example/", "http://www.site.example/"),
        ("http://www.site.example/a", "https://site.example/a/"),
        ("http://site.example/", "https://site.example/ru/"),
        ("http://site.example/about", "http://site.example/en/about"),
        ("http://site.example/", "https://www.site.example/en-us/"),
    ],
)
def test_same_site_canonical_redirects_are_alive_with_the_final_url(url: str, final: str) -> None:
    history = [
        Check(T0 + timedelta(days=d), Outcome.REDIRECTED, url, final, True) for d in (0, 7, 14)
    ]
    j = judge(history)
    assert j.verdict is Verdict.ALIVE and j.moved_to is None
    assert final in j.reason


@pytest.mark.parametrize(
    ("url", "final"),
    [
        ("http://site.example/", "https://other.example/"),
        ("http://site.example/report", "http://site.example/"),  # a deep link sent home
        ("http://site.example/a", "http://site.example/b"),
        ("http://site.example/", "http://site.example/go/"),  # not a language
    ],
)
def test_a_permanent_redirect_to_another_resource_is_moved(url: str, final: str) -> None:
    history = [Check(T0 + timedelta(days=d), Outcome.REDIRECTED, url, final, True) for d in (0, 7)]
    j = judge(history)
    assert j.verdict is Verdict.MOVED and j.moved_to == final


def test_the_fold_gives_the_judges_verdict_and_bounded_marks() -> None:
    from audit.judge import MARKS, fold, verdict

    outcomes = [OK, NF, NF, OK, TO, TO, TO, Outcome.SERVER_ERROR, OK, NF, OFF, NF, NF]
    history = [Check(T0 + timedelta(days=3 * i), o, URL) for i, o in enumerate(outcomes * 10)]
    state = fold(history)
    for n in (1, 5, 13, 40, len(history)):
        assert verdict(fold(history[:n])) == judge(history[:n])
    assert len(state.marks) == MARKS < len(history) and state.seen == len(history)
    assert state.marks[-1].checked_at == history[-1].at
    # each mark carries the verdict as judged right after its check
    for mark, n in zip(state.marks[-5:], range(len(history) - 4, len(history) + 1), strict=True):
        assert mark.verdict is judge(history[:n]).verdict


@pytest.mark.parametrize(
    ("history", "verdict"),
    [
        # not asked: neither breaks nor extends a failure streak
        ([(0, NF), (1.5, RL), (3, NF)], Verdict.SUSPECT),  # 2 counted checks, not 3
        ([(0, NF), (1, RL), (1.5, NF), (3, NF)], Verdict.DEAD),  # RL does not break it
        # nor counts toward flaky: answering between two spells of being paced is alive
        ([(0, OK), (1, RL), (2, OK), (3, RL), (4, OK)], Verdict.ALIVE),
        ([(0, OK), (1, RL)], Verdict.ALIVE),  # stays what the earlier checks say
        ([(0, RL), (1, RL)], Verdict.UNKNOWN),  # never asked: nothing to go on
    ],
)
def test_rate_limited_is_no_evidence(
    history: list[tuple[float, Outcome]], verdict: Verdict
) -> None:
    assert judge(checks(*history)).verdict is verdict


def test_rate_limited_reason_says_not_asked_this_run() -> None:
    j = judge(checks((0, OK), (1, OK), (2, RL)))
    assert j.verdict is Verdict.ALIVE
    assert j.reason.startswith("answers") and "not asked" in j.reason and "this run" in j.reason
    assert j.last_ok == T0 + timedelta(days=1)
    # once it is asked again, the note goes
    assert "not asked" not in judge(checks((0, OK), (2, RL), (3, OK))).reason
