-- A milestone added to a petition whose count has already passed it was
-- reached before anyone recorded when: `undated` says so, and signing never
-- dates it (it used to be dated by the next signing, as if reached then).
-- It is cleared when the count falls below the milestone again, which then
-- gets a date when it is crossed.
ALTER TABLE milestones ADD COLUMN undated INTEGER NOT NULL DEFAULT 0;
UPDATE milestones SET undated = 1
WHERE reached_at IS NULL
  AND count <= (SELECT p.signature_count + COALESCE((SELECT SUM(s.signatures) FROM count_slots s
                                                     WHERE s.petition_id = p.id AND s.partner = ''), 0)
                FROM petitions p WHERE p.id = milestones.petition_id);
