-- the classification rules and accept list `outcome` was derived under
-- (audit.check.rules_stamp); '' = unknown, always re-derived
ALTER TABLE observations ADD COLUMN classified_by TEXT NOT NULL DEFAULT '';
