"""Each resource's judge state, kept in the store and folded check by check.

A run reads every resource's `Ledger` (one row each) instead of its whole
history, folds in only the checks it makes (`Recorder`) and writes each ledger
back in the same transaction as the check it absorbed, so a run killed with
SIGKILL leaves ledgers and observations in step. The ledger holds the judge's
`State` (audit.judge: the rules live there) and what recording needs: the full
row the last check is or repeats, a digest of its facts (a check with the same
facts becomes a compact repeat row), and the validators of the last full ok
answer for the next conditional request.

A ledger is derived data: one made under other classification rules, accept
list or judging policy (its stamp differs) is rebuilt from the resource's
stored observations, streamed one resource at a time; raw observations are
never rewritten, so every past run stays re-judgeable.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from audit import codec
from audit.check import classify, rules_stamp
from audit.judge import (
    ALIVE_KINDS,
    NEUTRAL_KINDS,
    RECENT,
    Check,
    Policy,
    State,
    judge,
    step,
    verdict,
)
from audit.models import Classification, ErrorKind, Judgement, Observation, Outcome
from audit.store import Store, StoredObservation
from audit.vantages import one_vantage_note

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Ledger:
    """One resource's judge state and recording facts."""

    state: State = State()
    base: int | None = None  # the full observation row the last check is, or repeats
    digest: str = ""  # of the last check's facts but its time (see `facts_digest`)
    last_at: datetime | None = None  # when the last check was made (repeats included)
    last_elapsed: int = 0
    last_run: int | None = None
    etag: str | None = None  # validators of the last full ok answer
    last_modified: str | None = None
    # the vantages of its counted checks, first seen first: with two or more the
    # verdict comes from the vantage rule over the stored history (`judgement`)
    vantages: tuple[str, ...] = ()


_decode_ledger = codec.decoder(Ledger)


LEDGER_FORM = "v2"  # v2: `vantages` (ledgers written before it are rebuilt once)


@functools.lru_cache(maxsize=256)  # asked once per resource per walk; few distinct rules
def stamp(accept: frozenset[int], policy: Policy) -> str:
    """What a ledger depends on besides the observations."""
    return f"{rules_stamp(accept)}|{policy.key}|{LEDGER_FORM}"


def facts_digest(obs: Observation, why: Classification, by: str) -> str:
    """A digest of everything recorded about a check except when it ran and how long it took."""
    timeless = dataclasses.replace(obs, checked_at=_EPOCH, elapsed_ms=0)
    blob = codec.encode_bytes((timeless, why, by))
    return hashlib.blake2b(blob, digest_size=16).hexdigest()


def reclassify(s: StoredObservation, accept: frozenset[int], stamp: str) -> Classification:
    """The stored classification, or the facts classified again under today's rules."""
    if (
        s.classification.outcome is Outcome.SKIPPED
        or s.observation.error is ErrorKind.OFFLINE
        or s.classified_by == stamp  # the same rules would answer the same
    ):
        return s.classification
    return classify(s.observation, accept)


def checks(
    history: Iterable[StoredObservation], accept: frozenset[int] = frozenset()
) -> list[Check]:
    """Checks re-classified from the stored facts under today's accept list."""
    rules = rules_stamp(accept)
    return [Check.of(s.observation, reclassify(s, accept, rules), s.run_id) for s in history]


def absorb(
    ledger: Ledger,
    row: int,
    obs: Observation,
    why: Classification,
    *,
    digest: str,
    run_id: int | None,
    policy: Policy,
) -> Ledger:
    """`ledger` after one more check (`why` as judged today), recorded as (or repeating) `row`."""
    etag, modified = ledger.etag, ledger.last_modified
    if why.outcome in ALIVE_KINDS:
        if not obs.not_modified:  # a 304 carries the validators of the answer before it
            headers = dict(obs.headers)
            etag, modified = headers.get("etag"), headers.get("last-modified")
    else:
        etag = modified = None
    vantages = ledger.vantages
    if why.outcome not in NEUTRAL_KINDS and obs.vantage not in vantages:
        vantages = (*vantages, obs.vantage)
    return Ledger(
        state=step(ledger.state, Check.of(obs, why, run_id), policy),
        base=row,
        digest=digest,
        last_at=obs.checked_at,
        last_elapsed=obs.elapsed_ms,
        last_run=run_id,
        etag=etag,
        last_modified=modified,
        vantages=vantages,
    )


def rebuild(history: Iterable[StoredObservation], accept: frozenset[int], policy: Policy) -> Ledger:
    """A ledger folded from a resource's stored observations (oldest first)."""
    rules = rules_stamp(accept)
    ledger = Ledger()
    for s in history:
        digest = facts_digest(s.observation, s.classification, s.classified_by)
        why = reclassify(s, accept, rules)
        ledger = absorb(
            ledger, s.id, s.observation, why, digest=digest, run_id=s.run_id, policy=policy
        )
    return ledger


Rules = Callable[[str], tuple[frozenset[int], Policy]]  # resource id -> (accept, policy)


BATCH = 500  # judge states read per query while a run or report walks the registry
# Ledgers kept once read (~5 KiB each decoded): a registry this size is read once per
# run; past it, a run's second walk (its report) decodes the rest again.
CACHE = 10_000


@dataclass(slots=True)
class Ledgers:
    """The store's ledgers, each checked against today's rules when asked.

    A run or report walks them with `each`, which reads them in batches. Past the
    first `CACHE`, ledgers are decoded when asked and not kept (100,000 of them took
    500 MiB). Always kept: ledgers this run changed, and ones rebuilt but not saved.
    `save` false (reports, `audit history`) rebuilds stale ledgers in memory only:
    re-judging under a one-off policy must not change what the next run starts from.
    """

    store: Store
    rules: Rules
    save: bool = True
    rebuilt: int = 0
    _kept: dict[str, Ledger] = field(default_factory=dict)
    _cache: dict[str, Ledger] = field(default_factory=dict)  # the first CACHE read
    _last: tuple[str, Ledger] | None = None  # a verdict asks again for the ledger just read

    def get(self, resource_id: str) -> Ledger:
        known = self._known(resource_id)
        if known is not None:
            return known
        return self._ledger(resource_id, self.store.judge_state(resource_id))

    def each(self, resource_ids: Iterable[str]) -> Iterator[tuple[str, Ledger]]:
        """(id, ledger) for each id in turn, their judge states read `BATCH` at a time."""
        ids = iter(resource_ids)
        while batch := list(itertools.islice(ids, BATCH)):
            unknown = [i for i in batch if self._known(i) is None]
            raw = dict(self.store.judge_states_of(unknown))
            for rid in batch:
                known = self._known(rid)
                yield rid, known if known is not None else self._ledger(rid, raw.get(rid))

    def _known(self, resource_id: str) -> Ledger | None:
        if self._last is not None and self._last[0] == resource_id:
            return self._last[1]
        return self._kept.get(resource_id) or self._cache.get(resource_id)

    def _ledger(self, resource_id: str, raw: tuple[str, str] | None) -> Ledger:
        accept, policy = self.rules(resource_id)
        want = stamp(accept, policy)
        if raw is not None and raw[0] == want:
            ledger: Ledger = _decode_ledger(raw[1])
        else:
            ledger = rebuild(self.store.iter_observations(resource_id), accept, policy)
            self.rebuilt += 1
            if self.save:
                self.store.put_judge_state(resource_id, want, codec.encode(ledger))
            else:
                self._kept[resource_id] = ledger
        if len(self._cache) < CACHE:
            self._cache[resource_id] = ledger
        self._last = (resource_id, ledger)
        return ledger

    def set(self, resource_id: str, ledger: Ledger) -> None:
        self._kept[resource_id] = ledger
        self._cache.pop(resource_id, None)
        if self._last is not None and self._last[0] == resource_id:
            self._last = None

    def judgement(
        self, resource_id: str, policy: Policy | None = None, ledger: Ledger | None = None
    ) -> Judgement:
        """The resource's verdict: its ledger's fold while one vantage saw it; once several
        did, the vantage rule over its stored history (streamed, one resource's rows)."""
        ledger = ledger or self.get(resource_id)
        accept, rules_policy = self.rules(resource_id)
        policy = policy or rules_policy
        if len(ledger.vantages) < 2:
            return one_vantage_note(verdict(ledger.state, policy), ledger.state)
        return judge(checks(self.store.iter_observations(resource_id), accept), policy)


@dataclass(slots=True)
class Recorder:
    """Records each check with its resource's updated ledger, in the same transaction.

    A check whose facts repeat the resource's last one (a 304, the same page)
    becomes a compact repeat row that keeps its own time. Checks are committed
    together at most `commit_every` seconds apart (one commit per check would cost
    more than the check when thousands repeat): a run killed with SIGKILL loses
    at most that much, and never a check without its ledger or the reverse.
    Use it as a context manager, or call `flush()` when done.
    """

    store: Store
    ledgers: Ledgers | None  # None: checks of no resource are all that is recorded
    run_id: int
    commit_every: float = 0.2
    touched: set[str] = field(default_factory=set)  # resources with a new check
    repeats: int = 0
    _opened: float | None = None  # when the open transaction began

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()

    def add(
        self, resource_id: str | None, obs: Observation, why: Classification, by: str = ""
    ) -> None:
        if self._opened is None:
            self.store.begin()
            self._opened = time.monotonic()
        try:
            self._add(resource_id, obs, why, by)
        except BaseException:
            self.store.rollback()
            self._opened = None
            raise
        if time.monotonic() - self._opened >= self.commit_every:
            self.flush()

    @property
    def pending(self) -> bool:
        """Checks are recorded but not committed yet."""
        return self._opened is not None

    def flush(self) -> None:
        """Commit what was recorded so far."""
        if self._opened is not None:
            self.store.commit()
            self._opened = None

    def _add(self, resource_id: str | None, obs: Observation, why: Classification, by: str) -> None:
        self.record(resource_id, obs, why, by)

    def record(
        self, resource_id: str | None, obs: Observation, why: Classification, by: str = ""
    ) -> int:
        """Record one check and its ledger inside the caller's transaction (a worker's
        job completion); the full row it is or repeats."""
        if resource_id is None or self.ledgers is None:
            return self.store.add_observation(self.run_id, resource_id, obs, why, by)
        ledgers = self.ledgers
        ledger = ledgers.get(resource_id)
        accept, policy = ledgers.rules(resource_id)
        digest = facts_digest(obs, why, by)
        if ledger.base is not None and digest == ledger.digest:
            self.store.add_repeat(ledger.base, self.run_id, obs.checked_at, obs.elapsed_ms)
            row = ledger.base
            self.repeats += 1
        else:
            row = self.store.add_observation(self.run_id, resource_id, obs, why, by)
        # the stored classification was made under these rules: `why` stands
        ledger = absorb(ledger, row, obs, why, digest=digest, run_id=self.run_id, policy=policy)
        self.store.put_judge_state(resource_id, stamp(accept, policy), codec.encode(ledger))
        ledgers.set(resource_id, ledger)
        self.touched.add(resource_id)
        return row


def retain(store: Store, ledgers: Ledgers, resource_ids: Iterable[str], cutoff: datetime) -> int:
    """Drop checks older than `cutoff` that no verdict or report needs; how many went.

    Kept whatever their age, per resource: the current failure streak (a verdict
    rebuilt under another policy counts it from its start), the recent checks the
    moved and flaky rules read, the checks behind the report's marks, the drift
    baseline, the last ok answer and the row the last check is or repeats.
    """
    gone = 0
    for rid, ledger in ledgers.each(resource_ids):
        state = ledger.state
        rows = list(store.iter_observations(rid))  # one resource's: bounded by its checks
        counted = [
            s.observation.checked_at for s in rows if s.classification.outcome not in NEUTRAL_KINDS
        ]
        starts = [cutoff, state.failing_since, *counted[-RECENT:][:1]]
        if len(ledger.vantages) > 1:
            # the vantage rule counts each vantage's own streak: keep every one whole
            starts.extend(_streak_starts(rows, ledgers.rules(rid)[0]))
        starts.append(state.marks[0].checked_at if state.marks else None)
        keep_from = min(t for t in starts if t is not None)
        old = (s for s in rows if s.observation.checked_at < keep_from)
        keep, keep_at = needed_rows(old, ledger)
        gone += store.drop_before(rid, keep_from, keep, keep_at)
    return gone + store.drop_unkeyed_before(cutoff)


def _streak_starts(rows: Iterable[StoredObservation], accept: frozenset[int]) -> list[datetime]:
    """Where each failing vantage's own verdict starts: its last success (its `last_ok`),
    else the oldest failure of its current streak; a vantage that answers needs none."""
    since: dict[str, datetime | None] = {}
    last_ok: dict[str, datetime] = {}
    for c in checks(rows, accept):
        if c.outcome in NEUTRAL_KINDS:
            continue
        if c.outcome in ALIVE_KINDS or c.outcome is Outcome.BLOCKED:
            since[c.vantage] = None
            if c.outcome in ALIVE_KINDS:
                last_ok[c.vantage] = c.at
        elif since.get(c.vantage) is None:
            since[c.vantage] = c.at
    return [last_ok.get(v, t) for v, t in since.items() if t is not None]


def needed_rows(old: Iterable[StoredObservation], ledger: Ledger) -> tuple[set[int], set[datetime]]:
    """Of `old` checks, those a rebuilt verdict still needs (the drift baseline, the
    last ok answer) as full rows and times, with the row the last check is or repeats."""
    state = ledger.state
    wanted = {t for t in (state.baseline and state.baseline.at, state.last_ok) if t}
    keep = {s.id for s in old if s.observation.checked_at in wanted}
    if ledger.base is not None:
        keep.add(ledger.base)
    return keep, wanted
