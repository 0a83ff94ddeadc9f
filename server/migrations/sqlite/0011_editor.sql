-- Editing petitions in the dashboard (/admin/petitions/…/edit).

-- The revision its petition file's text was last loaded as (or found in
-- step with): when `revision` has moved past it, the petition was changed
-- after its file was loaded, and the file is behind. NULL: no file yet.
ALTER TABLE petitions ADD COLUMN file_revision INTEGER;

-- Every petition's current definition is its first recorded revision, so
-- that the history starts with what was there before the dashboard.
INSERT INTO petition_revisions (petition_id, revision, definition, origin, actor, at)
SELECT id, revision, definition, 'file', 'petition file', updated_at FROM petitions
WHERE NOT EXISTS (SELECT 1 FROM petition_revisions r WHERE r.petition_id = petitions.id AND r.revision = petitions.revision);

-- Drafts shown in the editor's preview, as typed: served to the widget at
-- /admin/preview/{token}/…, whose requests carry no cookie, so the random
-- token is what finds them. `at` is Unix seconds; a draft unchanged for a
-- day is deleted.
CREATE TABLE petition_previews (
    token      TEXT    PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    definition TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX petition_previews_by_time ON petition_previews (at);
