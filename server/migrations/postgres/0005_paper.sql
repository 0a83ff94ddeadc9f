-- Who entered each count of paper signatures, and who last corrected it:
-- see migrations/sqlite/0010_paper.sql.
ALTER TABLE paper_counts ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE paper_counts ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
