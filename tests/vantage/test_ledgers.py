"""Vantages on the store's judge states: real SQLite files, checks recorded as a run does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from audit import codec, history, status
from audit.check import classify, rules_stamp
from audit.judge import Policy, verdict
from audit.models import Network, Observation, Verdict
from audit.store import Store, open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
URL = "http://gone.example/"


def _rules(resource_id: str) -> tuple[frozenset[int], Policy]:
    return frozenset(), Policy()


def _record(store: Store, days: range, answer: dict[str, object]) -> None:
    """One run a week from T0: each vantage's status (a callable of the week) in turn."""
    ledgers = history.Ledgers(store, _rules)
    for week in days:
        at = T0 + timedelta(weeks=week)
        run = store.start_run(at)
        with history.Recorder(store, ledgers, run) as recorder:
            for i, (name, status_of) in enumerate(answer.items()):
                assert callable(status_of)
                o = Observation(
                    URL, at + timedelta(minutes=i), status=status_of(week), vantage=name
                )
                recorder.add("gone", o, classify(o), rules_stamp())
        store.finish_run(run, at, Network.ONLINE)


def test_two_vantages_are_judged_by_the_vantage_rule_one_by_the_fold(tmp_path: Path) -> None:
    with open_store(tmp_path / "two.sqlite") as store:
        _record(store, range(6), {"here": lambda w: 404, "eu": lambda w: 200})
        ledgers = history.Ledgers(store, _rules)
        ledger = ledgers.get("gone")
        assert ledger.vantages == ("here", "eu")
        got = ledgers.judgement("gone")
        # never dead while some vantage sees it alive
        assert got.verdict is Verdict.BLOCKED, got
        assert "reachable from `eu`, not from `here`" in got.reason
        assert verdict(ledger.state).verdict is not Verdict.BLOCKED  # the fold alone differs
        views = status.vantage_views(store, ledger, "gone")
        assert [(v.vantage, v.status) for v in views] == [("here", 404), ("eu", 200)]
    with open_store(tmp_path / "one.sqlite") as store:
        _record(store, range(6), {"here": lambda w: 404})
        ledgers = history.Ledgers(store, _rules)
        ledger = ledgers.get("gone")
        assert ledger.vantages == ("here",)
        assert ledgers.judgement("gone") == verdict(ledger.state)
        assert ledgers.judgement("gone").verdict is Verdict.DEAD
        assert status.vantage_views(store, ledger, "gone") == ()


def test_a_ledger_written_before_vantages_is_rebuilt_with_them(tmp_path: Path) -> None:
    with open_store(tmp_path / "audit.sqlite") as store:
        _record(store, range(4), {"here": lambda w: 404, "eu": lambda w: 200})
        old = history.Ledger(history.Ledgers(store, _rules).get("gone").state)
        accept, policy = _rules("gone")
        # the stamp of a ledger written by main's v4 (no vantages kept)
        before = history.stamp(accept, policy).rsplit("|", 1)[0]
        store.put_judge_state("gone", before, codec.encode(old))
        ledgers = history.Ledgers(store, _rules)
        assert ledgers.get("gone").vantages == ("here", "eu")
        assert ledgers.rebuilt == 1
        assert ledgers.judgement("gone").verdict is Verdict.BLOCKED


def test_compaction_keeps_every_vantages_streak(tmp_path: Path) -> None:
    # `here` fails from week 5, `eu` answers until week 10 and fails after: the
    # resource's own streak starts at week 11, `here`'s at week 5.
    with open_store(tmp_path / "audit.sqlite") as store:
        here, eu = (lambda w: 200 if w < 5 else 404), (lambda w: 200 if w <= 10 else 404)
        _record(store, range(21), {"here": here, "eu": eu})
        ledgers = history.Ledgers(store, _rules)
        before = ledgers.judgement("gone")
        assert before.verdict is Verdict.DEAD and "every vantage" in before.reason
        gone = history.retain(store, ledgers, ["gone"], T0 + timedelta(weeks=15))
        assert gone > 0  # the answers before `here`'s streak went
        after = history.Ledgers(store, _rules)
        assert after.get("gone").vantages == ("here", "eu")
        assert history.judge(history.checks(store.iter_observations("gone")), Policy()) == before
        assert after.judgement("gone") == before
