"""Ledgers walked in batches: the same ledgers as one by one, changes kept, the rest not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audit import history
from audit.check import classify, rules_stamp
from audit.judge import Policy
from audit.models import Network, Observation
from audit.store import Store, open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IDS = [f"r{i:03d}" for i in range(23)]


def _rules(resource_id: str) -> tuple[frozenset[int], Policy]:
    return frozenset(), Policy()


def _record_two_weeks(store: Store) -> None:
    ledgers = history.Ledgers(store, _rules)
    for week in range(2):
        at = T0 + timedelta(weeks=week)
        run = store.start_run(at)
        with history.Recorder(store, ledgers, run) as recorder:
            for i, rid in enumerate(IDS):
                # every third resource fails, so the ledgers differ from one another
                o = Observation(f"http://site{i}.example/", at, status=404 if i % 3 else 200)
                recorder.add(rid, o, classify(o), rules_stamp())
        store.finish_run(run, at, Network.ONLINE)


def test_a_walk_in_batches_gives_what_one_by_one_reads_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "BATCH", 4)  # 23 ids: six batches, the last one short
    monkeypatch.setattr(history, "CACHE", 5)
    with open_store(tmp_path / "a.sqlite") as store:
        _record_two_weeks(store)
        one_by_one = {rid: history.Ledgers(store, _rules).get(rid) for rid in IDS}
        walker = history.Ledgers(store, _rules)
        walked = dict(walker.each([*IDS, "never-checked"]))
        assert {rid: walked[rid] for rid in IDS} == one_by_one
        assert walked["never-checked"].base is None  # no state: an empty ledger, not an error
        # what was read is kept only up to CACHE; the rest is read again when asked
        assert len(walker._cache) == 5
        assert walker.get(IDS[-1]) == one_by_one[IDS[-1]]
        # a ledger the run changed wins over the stored one, in a walk and one by one
        changed = history.Ledger(one_by_one[IDS[0]].state, base=None, last_run=99)
        walker.set(IDS[0], changed)
        assert dict(walker.each(IDS[:2]))[IDS[0]] is changed
        assert walker.get(IDS[0]) is changed
