"""Stored classifications are re-derived from the facts only when the rules or the
accept list they were made under differ from today's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from audit import history
from audit.check import rules_stamp
from audit.models import Classification, Observation, Outcome
from audit.store import StoredObservation

T0 = datetime(2026, 3, 1, 6, tzinfo=UTC)


def stored(by: str) -> StoredObservation:
    obs = Observation(url="http://a.example/", checked_at=T0, status=404)
    return StoredObservation(1, 1, "a", obs, Classification(Outcome.NOT_FOUND, ("HTTP 404",)), by)


def test_same_rules_and_accept_list_trust_the_stored_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(history, "classify", lambda *a: pytest.fail("re-classified"))
    (check,) = history.checks([stored(rules_stamp())])
    assert check.outcome is Outcome.NOT_FOUND


@pytest.mark.parametrize(
    ("by", "accept", "outcome"),
    [
        ("", frozenset(), Outcome.NOT_FOUND),  # unknown rules: re-derived (same answer)
        (rules_stamp(), frozenset({404}), Outcome.OK),  # the policy now accepts 404
        ("0:", frozenset(), Outcome.NOT_FOUND),  # older rules
    ],
)
def test_other_rules_or_accept_list_re_derive_it(
    monkeypatch: pytest.MonkeyPatch, by: str, accept: frozenset[int], outcome: Outcome
) -> None:
    calls: list[frozenset[int]] = []
    real = history.classify

    def spy(obs: Observation, acc: frozenset[int] = frozenset()) -> Classification:
        calls.append(acc)
        return real(obs, acc)

    monkeypatch.setattr(history, "classify", spy)
    (check,) = history.checks([stored(by)], accept)
    assert calls == [accept]
    assert check.outcome is outcome


def test_the_stamp_names_the_rules_and_the_accept_list() -> None:
    assert rules_stamp(frozenset({410, 404})) == rules_stamp(frozenset({404, 410}))
    assert rules_stamp(frozenset({404})) != rules_stamp()
