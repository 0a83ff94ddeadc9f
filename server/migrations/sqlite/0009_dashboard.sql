-- The organiser's dashboard (/admin/): accounts and their sessions, failed
-- sign-ins (for the rate limit, shared by every instance), the audit log,
-- signatures counted on paper, and the history of petition definitions.

-- An account with no partner is an organiser's; one with a partner sees only
-- that partner's petitions, figures and consenting signers.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    partner       TEXT,
    created_at    TEXT    NOT NULL
);

-- The cookie holds a random id; only its SHA-256 is stored, so a copy of the
-- database opens no session. Times are Unix seconds.
CREATE TABLE sessions (
    id_hash    TEXT    PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);

-- One row per failed sign-in, keyed by the source's keyed hash or the name
-- tried (hashed too: a mistyped password is not kept).
CREATE TABLE sign_in_failures (
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, at);

-- Who did what and when. `actor` is an account's name (or "command line"),
-- `detail` is written by the server from counts and slugs: never a signer's
-- name, address or reason.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT    NOT NULL,
    actor    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    petition TEXT,
    detail   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_petition ON audit_log (petition, id);

-- Signatures gathered on paper or offline: a number and a note per entry.
-- Their sum is kept in petitions.paper_count and is part of signature_count.
CREATE TABLE paper_counts (
    id          INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    note        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX paper_counts_by_petition ON paper_counts (petition_id);
ALTER TABLE petitions ADD COLUMN paper_count INTEGER NOT NULL DEFAULT 0 CHECK (paper_count >= 0);

-- Every definition a petition has had, from its file or from the dashboard,
-- so that no edit is ever lost; `revision` counts them, and an edit made
-- against an older revision is refused.
ALTER TABLE petitions ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
-- SHA-256 of the petition file's text when it was last loaded.
ALTER TABLE petitions ADD COLUMN file_digest TEXT;
CREATE TABLE petition_revisions (
    id          INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL,
    definition  TEXT    NOT NULL,
    origin      TEXT    NOT NULL CHECK (origin IN ('file', 'dashboard')),
    actor       TEXT    NOT NULL,
    at          TEXT    NOT NULL
);
CREATE INDEX petition_revisions_by_petition ON petition_revisions (petition_id, revision);

-- The dashboard's figures per petition: signatures today, the last one,
-- and the chart's hours and days, each a range of this index.
CREATE INDEX signatures_by_petition_status_time ON signatures (petition_id, status, created_at);
