-- the vantage an observation was seen from (issue 16); '' = before vantages. The
-- connected address and --resolve mapping travel in `data` with the observation.
ALTER TABLE observations ADD COLUMN vantage TEXT NOT NULL DEFAULT '';
UPDATE observations SET vantage = coalesce(json_extract(data, '$.vantage'), '');
