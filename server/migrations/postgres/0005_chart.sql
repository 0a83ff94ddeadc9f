-- A petition's dashboard page: its counted signatures by share source, and
-- how many agreed to hear from each partner. Each is a range of a partial
-- index that holds only the rows it counts, so neither figure reads the
-- petition's other signatures (a tenth of the time at a million).
CREATE INDEX signatures_counted_sources ON signatures (petition_id, source)
    WHERE status = 'counted' AND source IS NOT NULL;
CREATE INDEX signatures_partner_consents ON signatures (petition_id, partner)
    WHERE status = 'counted' AND partner_consent;
