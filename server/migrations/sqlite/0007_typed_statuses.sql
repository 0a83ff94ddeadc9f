-- A signature's status is one of the server's `store::Status` values, and
-- an outbox row's kind one of two: the database refuses anything else, so a
-- typo in a statement fails loudly instead of hiding a signature from every
-- count. (SQLite can't add a CHECK to an existing column; triggers do the same.)

CREATE TRIGGER signatures_status_on_insert BEFORE INSERT ON signatures
WHEN NEW.status NOT IN ('counted', 'pending', 'flagged', 'invalidated', 'removed', 'rejected', 'erased', 'expired')
BEGIN
    SELECT RAISE(ABORT, 'signatures.status is not a known status');
END;

CREATE TRIGGER signatures_status_on_update BEFORE UPDATE OF status ON signatures
WHEN NEW.status NOT IN ('counted', 'pending', 'flagged', 'invalidated', 'removed', 'rejected', 'erased', 'expired')
BEGIN
    SELECT RAISE(ABORT, 'signatures.status is not a known status');
END;

CREATE TRIGGER outbox_kind_on_insert BEFORE INSERT ON outbox
WHEN NEW.kind NOT IN ('confirm', 'removal')
BEGIN
    SELECT RAISE(ABORT, 'outbox.kind is not a known kind');
END;

-- An erasure finds a person's signatures on every petition by their address.
CREATE INDEX signatures_by_canonical_email ON signatures (canonical_email);
