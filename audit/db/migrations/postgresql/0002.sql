CREATE TABLE parse_cache (
    kind TEXT PRIMARY KEY,       -- one entry per kind ('registry')
    digest TEXT NOT NULL,        -- of the source text and the parser's version
    data TEXT NOT NULL           -- the parsed value as JSON
);
