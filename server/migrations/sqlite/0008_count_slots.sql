-- Counts added since they were last folded into `petitions` and
-- `partner_counts`, spread over a few rows per petition (slots) so that
-- signings on one petition don't all wait for one row's lock (on
-- PostgreSQL; SQLite has one writer and uses slot 0). A petition's total is
-- its row's count plus its slots'. `partner` is '' for the petition's own
-- total and professions tally, or a partner's slug for that partner's count.
CREATE TABLE count_slots (
    petition_id INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    partner     TEXT    NOT NULL,
    slot        INTEGER NOT NULL,
    signatures  INTEGER NOT NULL DEFAULT 0,
    healthcare  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (petition_id, partner, slot)
);
