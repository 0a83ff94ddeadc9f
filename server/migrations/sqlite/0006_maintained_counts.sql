-- Every number the public petition view shows is kept up to date in the
-- same transaction as the signature that changes it, so reading a petition
-- costs the same at ten signatures and at ten million: no read counts rows.

-- Counted signatures from healthcare professionals (doctor, nurse, midwife).
ALTER TABLE petitions ADD COLUMN healthcare_count INTEGER NOT NULL DEFAULT 0 CHECK (healthcare_count >= 0);

-- Counted signatures per partner (a slug from the petition file).
CREATE TABLE partner_counts (
    petition_id     INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    partner         TEXT    NOT NULL,
    signature_count INTEGER NOT NULL DEFAULT 0 CHECK (signature_count >= 0),
    PRIMARY KEY (petition_id, partner)
);

-- What exists already, counted once.
UPDATE petitions SET healthcare_count = (
    SELECT COUNT(*) FROM signatures
    WHERE petition_id = petitions.id AND status = 'counted' AND profession IN ('doctor', 'nurse', 'midwife')
);
INSERT INTO partner_counts (petition_id, partner, signature_count)
    SELECT petition_id, partner, COUNT(*) FROM signatures
    WHERE status = 'counted' AND partner IS NOT NULL GROUP BY petition_id, partner;

-- The latest public reasons of counted signatures, read newest first and
-- never more than a few: the index holds exactly the rows shown.
DROP INDEX signatures_public_reasons;
CREATE INDEX signatures_public_reasons ON signatures (petition_id, id)
    WHERE reason_status = 'public' AND status = 'counted';
