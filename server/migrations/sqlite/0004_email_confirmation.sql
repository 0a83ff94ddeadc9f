-- Email confirmation: a signature on a petition that asks for it is
-- 'pending' until the person follows a link sent to them, and mail goes out
-- from an outbox written in the same transaction as the signature.

-- When the person confirmed (NULL when the petition asks for no confirmation).
ALTER TABLE signatures ADD COLUMN confirmed_at TEXT;

-- Links that can still confirm a pending signature: the SHA-256 of each
-- link's token (never the token itself), and when it stops working (Unix
-- seconds). A signature may have a few (each repeat of it mails a new link,
-- and every one of them works); all go once one is used.
CREATE TABLE confirmations (
    hash         TEXT    PRIMARY KEY,
    signature_id INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX confirmations_by_signature ON confirmations (signature_id);

-- Mail to send, and mail sent: written in the same transaction as the
-- signature it confirms. The message, and the link's token in it, are made
-- only as the mail goes out, so no token is ever at rest. The address is
-- cleared once sent; the row stays to count how much mail one signature has
-- caused.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    signature_id    INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    to_address      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_by_signature ON outbox (signature_id, created_at);
