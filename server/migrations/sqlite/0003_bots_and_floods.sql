-- Keeping the count to real people: signatures that are stored but not
-- counted, the challenges already answered, and the server's secret.

-- 'counted', or 'flagged': stored for the organiser to review, not counted.
ALTER TABLE signatures ADD COLUMN status TEXT NOT NULL DEFAULT 'counted';
-- Why a signature is flagged: 'honeypot', 'too-fast' or 'burst'.
ALTER TABLE signatures ADD COLUMN flag TEXT;
-- A keyed hash of the address the signature came from (never the address),
-- for reviewing a burst from one source.
ALTER TABLE signatures ADD COLUMN source_hash TEXT;

CREATE INDEX signatures_by_status ON signatures (petition_id, status);

-- A challenge can be answered once: its id is kept until it would have
-- expired anyway.
CREATE TABLE spent_challenges (
    id         TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX spent_challenges_by_expiry ON spent_challenges (expires_at);

-- Keys the server signs and hashes with, made once, on the first start. In
-- the database so that every server using it agrees.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    secret     BLOB NOT NULL,
    created_at TEXT NOT NULL
);
