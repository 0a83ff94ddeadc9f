-- See migrations/sqlite/0015_languages.sql.
ALTER TABLE signatures ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lang TEXT NOT NULL DEFAULT '';
