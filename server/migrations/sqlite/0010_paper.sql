-- Who entered each count of paper signatures, and who last corrected it:
-- the table beside the form names them.
ALTER TABLE paper_counts ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE paper_counts ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
