-- Partners, consent per organisation, public reasons and share sources.

-- Where the person lives (the postcode is checked as a UK one unless they
-- live elsewhere).
ALTER TABLE signatures ADD COLUMN outside_uk INTEGER NOT NULL DEFAULT 0;
-- The partner whose page the signature came from (a slug from the petition
-- file), or NULL.
ALTER TABLE signatures ADD COLUMN partner TEXT;
-- Consent is per organisation: the existing `consent`/`consent_text` are the
-- organiser's; these are the partner's. Each stores the words shown.
ALTER TABLE signatures ADD COLUMN partner_consent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE signatures ADD COLUMN partner_consent_text TEXT;
-- When consent was given (the signing time), NULL when none was given.
ALTER TABLE signatures ADD COLUMN consent_at TEXT;
-- 'public' (shown in the widget), 'held' (for the organiser to review), or
-- NULL when no reason was given.
ALTER TABLE signatures ADD COLUMN reason_status TEXT CHECK (reason_status IN ('public', 'held'));
-- The share link that brought the person, e.g. 'share-whatsapp'.
ALTER TABLE signatures ADD COLUMN source TEXT;

CREATE INDEX signatures_public_reasons ON signatures (petition_id, id) WHERE reason_status = 'public';
CREATE INDEX signatures_by_partner ON signatures (petition_id, partner);
CREATE INDEX signatures_by_profession ON signatures (petition_id, profession);
