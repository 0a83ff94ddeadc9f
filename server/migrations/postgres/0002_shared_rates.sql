-- The guard's rates, shared by the instances on this database: each tells
-- the others what it counted (per rate and key: a keyed hash of a source,
-- or a petition's slug) every half second, in one insert, and reads what
-- they counted. Rows go after ten minutes, the longest window. UNLOGGED:
-- nothing here is worth a disk flush, and a crash losing it only forgets
-- a few minutes of rates.
CREATE UNLOGGED TABLE rate_events (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance TEXT   NOT NULL,
    kind     TEXT   NOT NULL,
    key      TEXT   NOT NULL,
    at_ms    BIGINT NOT NULL,
    n        BIGINT NOT NULL
);
CREATE INDEX rate_events_by_time ON rate_events (at_ms);
