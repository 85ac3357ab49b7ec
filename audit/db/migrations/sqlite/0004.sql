-- A check that repeats the resource's last answer (same facts but its time: a 304,
-- the same page) is a compact row pointing at the full one it repeats.
CREATE TABLE repeats (
    id INTEGER PRIMARY KEY,
    base INTEGER NOT NULL REFERENCES observations(id),
    run_id INTEGER NOT NULL,
    checked_at TEXT NOT NULL,
    elapsed_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX repeats_base ON repeats(base, checked_at);
CREATE INDEX repeats_run ON repeats(run_id);
-- Each resource's judge state (audit.history.Ledger), folded check by check, so a
-- run reads this instead of the whole history. Derived: rebuilt from the
-- observations whenever its stamp (rules, accept list, policy) differs.
CREATE TABLE judge_state (
    resource_id TEXT PRIMARY KEY,
    stamp TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX runs_status ON runs(status, command);
