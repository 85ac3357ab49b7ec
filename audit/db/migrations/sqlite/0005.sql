-- The check queue's tables (audit schedule / audit worker run on PostgreSQL only; the
-- tables are here too so both engines keep one schema and `audit store copy` maps 1:1).
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    resource_id TEXT NOT NULL,
    host TEXT NOT NULL,
    target TEXT NOT NULL,
    enqueued_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    done_at TEXT,
    observation_id INTEGER REFERENCES observations(id),
    worker TEXT
);
CREATE UNIQUE INDEX jobs_pending ON jobs(resource_id) WHERE done_at IS NULL;
CREATE INDEX jobs_host ON jobs(host) WHERE done_at IS NULL;
CREATE TABLE hosts (
    host TEXT PRIMARY KEY,
    owner TEXT,
    lease_until TEXT
);
