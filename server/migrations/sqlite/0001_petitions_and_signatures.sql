-- Petitions, their milestone timeline, and the signatures themselves.

-- A petition's text lives in `definition` (the petition file, as JSON) so that
-- new fields in the file need no migration; the count is kept beside it and
-- changed in the same transaction as the signature that changes it.
CREATE TABLE petitions (
    id              INTEGER PRIMARY KEY,
    slug            TEXT    NOT NULL UNIQUE,
    definition      TEXT    NOT NULL,
    signature_count INTEGER NOT NULL DEFAULT 0 CHECK (signature_count >= 0),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE milestones (
    petition_id INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    count       INTEGER NOT NULL CHECK (count > 0),
    reached_at  TEXT,
    PRIMARY KEY (petition_id, count)
);

-- One row per person per petition: the unique constraint, not a check before
-- the insert, is what keeps a repeat from being counted twice.
CREATE TABLE signatures (
    id              INTEGER PRIMARY KEY,
    petition_id     INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    first_name      TEXT    NOT NULL,
    last_name       TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    canonical_email TEXT    NOT NULL,
    postcode        TEXT    NOT NULL,
    profession      TEXT,
    reason          TEXT    NOT NULL,
    consent         INTEGER NOT NULL,
    consent_text    TEXT,
    created_at      TEXT    NOT NULL,
    UNIQUE (petition_id, canonical_email)
);
