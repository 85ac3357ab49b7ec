CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    network TEXT NOT NULL DEFAULT 'online',
    vantage TEXT NOT NULL DEFAULT '',
    tool_version TEXT NOT NULL DEFAULT '',
    registry TEXT NOT NULL DEFAULT '',
    command TEXT NOT NULL DEFAULT 'run',
    status TEXT NOT NULL DEFAULT 'running'   -- running | finished | interrupted
);
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    resource_id TEXT,
    url TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    status INTEGER,
    error TEXT,
    outcome TEXT NOT NULL,      -- classification at check time (re-derivable)
    final_url TEXT,
    elapsed_ms INTEGER NOT NULL DEFAULT 0,
    evidence TEXT NOT NULL DEFAULT '[]',
    data TEXT NOT NULL           -- the whole Observation as JSON
);
CREATE INDEX observations_resource ON observations(resource_id, checked_at);
CREATE INDEX observations_url ON observations(url, checked_at);
CREATE INDEX observations_run ON observations(run_id);
CREATE TABLE verdicts (
    id INTEGER PRIMARY KEY,
    resource_id TEXT NOT NULL,
    url TEXT,
    run_id INTEGER REFERENCES runs(id),
    at TEXT NOT NULL,
    before TEXT,
    after TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX verdicts_resource ON verdicts(resource_id, at);
CREATE TABLE snapshots (
    url TEXT PRIMARY KEY,
    looked_up_at TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL           -- the whole ArchiveLookup as JSON
);
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES runs(id),
    target TEXT NOT NULL,
    at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
