-- A signer's rights: removing their own signature through a mailed link,
-- and personal data that is kept only as long as the petition needs it.

-- What an outbox row asks for: 'confirm' (the confirmation mail, which also
-- carries a removal link) or 'removal' (a removal link someone asked for).
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'confirm';

-- Links that remove a signature: the SHA-256 of each link's token, never the
-- token, and when it stops working (Unix seconds).
CREATE TABLE removals (
    hash         TEXT    PRIMARY KEY,
    signature_id INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX removals_by_signature ON removals (signature_id);

-- When the row's personal data was erased: by its signer, an organiser, a
-- rejection, or the retention period running out. NULL while it is kept.
ALTER TABLE signatures ADD COLUMN erased_at TEXT;

-- When the keyed hash of the signer's address was dropped (after
-- --source-hash-days); NULL while it is kept.
ALTER TABLE signatures ADD COLUMN source_hash_dropped_at TEXT;
CREATE INDEX signatures_by_created_at ON signatures (created_at);
