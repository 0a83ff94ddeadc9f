-- A petition's dashboard page. Each figure is a range of an index that
-- holds every column its count reads (no table row is visited), and the
-- partial ones only the rows they count, so no figure reads the petition's
-- other signatures (with a million: 10-30 ms each instead of half a second).

-- Counted signatures by share source.
CREATE INDEX signatures_counted_sources ON signatures (petition_id, source, status)
    WHERE status = 'counted' AND source IS NOT NULL;
-- How many agreed to hear from each partner.
CREATE INDEX signatures_partner_consents ON signatures (petition_id, partner, status, partner_consent)
    WHERE status = 'counted' AND partner_consent;
-- A partner's charts: its signatures by hour and by day.
CREATE INDEX signatures_partner_times ON signatures (petition_id, partner, status, created_at)
    WHERE partner IS NOT NULL;
