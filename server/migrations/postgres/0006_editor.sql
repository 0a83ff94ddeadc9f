-- Editing petitions in the dashboard: see migrations/sqlite/0010_editor.sql
-- for why each part is there; the same in PostgreSQL's types.

ALTER TABLE petitions ADD COLUMN file_revision BIGINT;

INSERT INTO petition_revisions (petition_id, revision, definition, origin, actor, at)
SELECT id, revision, definition, 'file', 'petition file', updated_at FROM petitions
WHERE NOT EXISTS (SELECT 1 FROM petition_revisions r WHERE r.petition_id = petitions.id AND r.revision = petitions.revision);

CREATE TABLE petition_previews (
    token      TEXT   PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    definition TEXT   NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX petition_previews_by_time ON petition_previews (at);
