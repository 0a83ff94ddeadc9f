-- See migrations/sqlite/0013_undated_milestones.sql.
ALTER TABLE milestones ADD COLUMN undated BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE milestones SET undated = TRUE
WHERE reached_at IS NULL
  AND count <= (SELECT p.signature_count + COALESCE((SELECT SUM(s.signatures) FROM count_slots s
                                                     WHERE s.petition_id = p.id AND s.partner = ''), 0)
                FROM petitions p WHERE p.id = milestones.petition_id);
