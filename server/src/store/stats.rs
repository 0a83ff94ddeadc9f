//! One petition's figures for its dashboard page: the kept counts, counted
//! signatures per hour and per day, by partner and by share source.
//!
//! What a page view reads, and what it costs with 1,000,000 counted
//! signatures on one petition (SQLite on a warm cache, 2 shared cores;
//! measured with a seeded database spread over 200 days, a fifth from
//! share links, an eighth consenting to a partner):
//!
//! - the kept counts and milestones: a few rows by key (under 1 ms);
//! - the hours of the last 7 days: a range of the index
//!   `signatures (petition_id, status, created_at)` holding that week's rows
//!   only (about 16 ms for 35,000 of them);
//! - the days of the petition's whole life: the same index, all of the
//!   petition's counted rows once, grouped by their date's text (about
//!   0.4–0.5 s: the one read that grows with the petition, and why the page
//!   refreshes at most every few seconds however fast people sign);
//! - the share sources and partner consents: each a range of a partial index
//!   that holds only the rows it counts (about 20 ms and 10 ms);
//! - for a partner's account, its hours and days are its own rows, found by
//!   `signatures (petition_id, partner)` (about 0.26 s for 250,000).
//!
//! No read touches another petition's rows.

use std::time::{Duration, SystemTime};

use petition_core::{milestones, Milestone};

use super::{on_pool, petitions::milestones_of, Db, StoreError};
use crate::{
    clock::{rfc3339, Clock},
    petition_file::{PartnerEntry, PetitionFile},
};

/// How many share sources are named; the rest are summed as "other".
pub const SOURCES_NAMED: usize = 20;

/// Hours the hourly chart covers, ending with the current one.
pub const HOURS_SHOWN: u64 = 7 * 24;

/// A petition as its page is about to be shown: enough to decide who may
/// see it before anything is counted.
#[derive(Debug)]
pub struct PetitionHead {
    id: i64,
    created_at: String,
    /// The public count (paper signatures included).
    pub signature_count: u64,
    /// Signatures gathered on paper or offline, part of the public count.
    pub paper_count: u64,
    /// Counted doctors, nurses and midwives (the kept tally).
    pub healthcare: u64,
    /// Its definition.
    pub definition: PetitionFile,
}

/// One hour or day of a chart: its start, as the first 13 (`2026-06-12T14`)
/// or 10 (`2026-06-12`) characters of an RFC 3339 time, and the counted
/// signatures made in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// The hour's or day's start, as RFC 3339 text cut short.
    pub start: String,
    /// Counted signatures made in it.
    pub count: u64,
}

/// One partner's figures on a petition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerFigures {
    /// As in `data-partner`.
    pub slug: String,
    /// The name people read.
    pub name: String,
    /// Counted signatures made on its pages (the kept count).
    pub signature_count: u64,
    /// Of those, how many agreed to hear from it.
    pub consented: u64,
}

/// Counted signatures by the share link that brought them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    /// The most used codes, most first (ties in code order), at most [`SOURCES_NAMED`].
    pub named: Vec<(String, u64)>,
    /// The signatures from every other code.
    pub other: u64,
    /// The signatures that came without one.
    pub without: u64,
}

/// What a petition's page shows. Built for one account: a partner's gets
/// only its own figures and the public ones (the count, the goal, the
/// milestones), with `None` for the rest.
#[derive(Debug, Clone)]
pub struct PetitionFigures {
    /// The public count (paper signatures included).
    pub signature_count: u64,
    /// The goal the widget shows now.
    pub goal: u64,
    /// Counted signatures made since midnight (UTC), for the partner's
    /// pages only if it is a partner's account.
    pub today: u64,
    /// Signatures on paper or offline (organisers only).
    pub paper_count: Option<u64>,
    /// Counted healthcare professionals (organisers only).
    pub healthcare: Option<u64>,
    /// Each partner the file lists; only its own for a partner's account.
    pub partners: Vec<PartnerFigures>,
    /// By share source (organisers only).
    pub sources: Option<Sources>,
    /// The milestone timeline.
    pub milestones: Vec<Milestone>,
    /// The last [`HOURS_SHOWN`] hours, oldest first, every hour present.
    pub hours: Vec<Bucket>,
    /// Every day from the petition's first to today, every day present.
    pub days: Vec<Bucket>,
    /// When these figures were read (RFC 3339).
    pub read_at: String,
}

const HEAD: &str = "SELECT id, definition, created_at, paper_count,
        signature_count + CAST(COALESCE((SELECT SUM(signatures) FROM count_slots
            WHERE petition_id = petitions.id AND partner = ''), 0) AS BIGINT),
        healthcare_count + CAST(COALESCE((SELECT SUM(healthcare) FROM count_slots
            WHERE petition_id = petitions.id AND partner = ''), 0) AS BIGINT)
    FROM petitions WHERE slug = $1";
// The kept counts per partner, as the public view reads them.
const PARTNERS: &str = "SELECT partner, CAST(SUM(n) AS BIGINT) FROM
        (SELECT partner, signature_count AS n FROM partner_counts WHERE petition_id = $1
         UNION ALL SELECT partner, signatures FROM count_slots WHERE petition_id = $1 AND partner <> '') AS counts
    GROUP BY partner";
// Ranges of partial indexes holding exactly these rows (migration 0010).
const CONSENTS: &str = "SELECT partner, COUNT(*) FROM signatures
    WHERE petition_id = $1 AND status = 'counted' AND partner_consent GROUP BY partner";
const SOURCES: &str = "SELECT source, COUNT(*) FROM signatures
    WHERE petition_id = $1 AND status = 'counted' AND source IS NOT NULL GROUP BY source";

/// The chart's statement: counted signatures of the petition `$1` made
/// since `$2`, grouped by the first `length` characters of their time (13
/// for hours, 10 for days), and on the partner `$3`'s pages if `partner`.
fn buckets_sql(length: u8, partner: bool) -> String {
    let mine = if partner { " AND partner = $3" } else { "" };
    format!(
        "SELECT SUBSTR(created_at, 1, {length}), COUNT(*) FROM signatures
         WHERE petition_id = $1 AND status = 'counted' AND created_at >= $2{mine}
         GROUP BY SUBSTR(created_at, 1, {length})"
    )
}

/// The petition called `slug`, before its figures are read.
pub async fn petition_head(db: &Db, slug: &str) -> Result<PetitionHead, StoreError> {
    let row: Option<(i64, String, String, i64, i64, i64)> =
        on_pool!(db, pool => sqlx::query_as(HEAD).bind(slug).fetch_optional(pool).await?);
    let (id, definition, created_at, paper_count, count, healthcare) = row.ok_or(StoreError::NotFound)?;
    Ok(PetitionHead {
        id,
        created_at,
        signature_count: count as u64,
        paper_count: paper_count as u64,
        healthcare: healthcare as u64,
        definition: serde_json::from_str(&definition)?,
    })
}

/// The figures of `petition` that `partner`'s account may see (every one
/// for an organiser's, `None`).
pub async fn petition_figures(
    db: &Db,
    clock: &Clock,
    petition: &PetitionHead,
    partner: Option<&str>,
) -> Result<PetitionFigures, StoreError> {
    let now = clock.now();
    let read_at = rfc3339(now);
    let first_hour = hour_start(now) - Duration::from_secs((HOURS_SHOWN - 1) * 3600);
    let since_hour = rfc3339(first_hour);
    let id = petition.id;
    let hours_sql = buckets_sql(13, partner.is_some());
    let days_sql = buckets_sql(10, partner.is_some());
    type Counts = Vec<(String, i64)>;
    let (kept, consents, hours, days): (Counts, Counts, Counts, Counts) = on_pool!(db, pool => {
        let mut hours = sqlx::query_as(&hours_sql).bind(id).bind(&since_hour);
        // The whole life: every time is after the empty text.
        let mut days = sqlx::query_as(&days_sql).bind(id).bind("");
        if let Some(partner) = partner {
            hours = hours.bind(partner);
            days = days.bind(partner);
        }
        (
            sqlx::query_as(PARTNERS).bind(id).fetch_all(pool).await?,
            sqlx::query_as(CONSENTS).bind(id).fetch_all(pool).await?,
            hours.fetch_all(pool).await?,
            days.fetch_all(pool).await?,
        )
    });
    let sources: Option<Counts> = match partner {
        Some(_) => None,
        None => Some(on_pool!(db, pool => sqlx::query_as(SOURCES).bind(id).fetch_all(pool).await?)),
    };
    let of = |counts: &Counts, slug: &str| counts.iter().find(|(s, _)| s == slug).map_or(0, |(_, n)| *n as u64);
    let partners = petition
        .definition
        .partners
        .iter()
        .filter(|p| partner.is_none_or(|mine| p.slug == mine))
        .map(|PartnerEntry { slug, name }| PartnerFigures {
            slug: slug.clone(),
            name: name.clone(),
            signature_count: of(&kept, slug),
            consented: of(&consents, slug),
        })
        .collect();
    let hours = every_hour(first_hour, &hours);
    let today = &read_at[..10];
    let first_day = days.iter().map(|(day, _)| day.as_str()).chain([&petition.created_at[..10]]).min().unwrap_or(today);
    let days = every_day(first_day, today, &days);
    let counted: u64 = days.iter().map(|day| day.count).sum();
    let organiser = partner.is_none();
    Ok(PetitionFigures {
        signature_count: petition.signature_count,
        goal: milestones::goal_for(petition.signature_count, &petition.definition.goal_steps),
        today: hours.iter().filter(|hour| hour.start.starts_with(today)).map(|hour| hour.count).sum(),
        paper_count: organiser.then_some(petition.paper_count),
        healthcare: organiser.then_some(petition.healthcare),
        partners,
        sources: sources.map(|counts| by_source(counts, counted)),
        milestones: milestones_of(db, id, &petition.definition).await?,
        hours,
        days,
        read_at,
    })
}

/// The start of the hour `time` is in.
fn hour_start(time: SystemTime) -> SystemTime {
    let seconds = crate::clock::unix_seconds(time).max(0) as u64;
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds - seconds % 3600)
}

/// [`HOURS_SHOWN`] hours from `first`, each with its count (zero if none).
fn every_hour(first: SystemTime, counts: &[(String, i64)]) -> Vec<Bucket> {
    (0..HOURS_SHOWN)
        .map(|n| {
            let start = rfc3339(first + Duration::from_secs(n * 3600))[..13].to_owned();
            let count = counts.iter().find(|(hour, _)| *hour == start).map_or(0, |(_, n)| *n as u64);
            Bucket { start, count }
        })
        .collect()
}

/// Every day from `first` to `last` (`YYYY-MM-DD`, UTC), each with its count
/// (zero if none).
fn every_day(first: &str, last: &str, counts: &[(String, i64)]) -> Vec<Bucket> {
    let day_of = |text: &str| humantime::parse_rfc3339(&format!("{text}T00:00:00Z")).ok();
    let (Some(first), Some(last)) = (day_of(first), day_of(last)) else { return Vec::new() };
    let mut days = Vec::new();
    let mut day = first;
    while day <= last {
        let start = rfc3339(day)[..10].to_owned();
        let count = counts.iter().find(|(d, _)| *d == start).map_or(0, |(_, n)| *n as u64);
        days.push(Bucket { start, count });
        day += Duration::from_secs(24 * 3600);
    }
    days
}

/// The share sources, most used first, out of `counted` signatures in all.
fn by_source(mut counts: Vec<(String, i64)>, counted: u64) -> Sources {
    counts.sort_by(|(a, m), (b, n)| n.cmp(m).then_with(|| a.cmp(b)));
    let sourced: u64 = counts.iter().map(|(_, n)| *n as u64).sum();
    let other = counts.iter().skip(SOURCES_NAMED).map(|(_, n)| *n as u64).sum();
    counts.truncate(SOURCES_NAMED);
    Sources {
        named: counts.into_iter().map(|(source, n)| (source, n as u64)).collect(),
        other,
        without: counted.saturating_sub(sourced),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
        pairs.iter().map(|(s, n)| (s.to_string(), *n)).collect()
    }

    #[test]
    fn every_day_of_the_range_is_there_with_zero_for_days_without() {
        let days = every_day("2026-02-27", "2026-03-02", &counts(&[("2026-02-28", 3), ("2026-03-02", 1)]));
        let got: Vec<(&str, u64)> = days.iter().map(|d| (d.start.as_str(), d.count)).collect();
        assert_eq!(got, [("2026-02-27", 0), ("2026-02-28", 3), ("2026-03-01", 0), ("2026-03-02", 1)]);
    }

    #[test]
    fn a_week_of_hours_ends_with_the_current_one() {
        let now = humantime::parse_rfc3339("2026-06-12T14:35:10Z").unwrap();
        let first = hour_start(now) - Duration::from_secs((HOURS_SHOWN - 1) * 3600);
        let hours = every_hour(first, &counts(&[("2026-06-12T14", 2)]));
        assert_eq!(hours.len(), 168);
        assert_eq!(hours[0].start, "2026-06-05T15");
        assert_eq!(hours[167], Bucket { start: "2026-06-12T14".into(), count: 2 });
    }

    #[test]
    fn the_most_used_sources_are_named_and_the_rest_summed() {
        let many: Vec<(String, i64)> = (0..25).map(|n| (format!("code-{n:02}"), 100 - n)).collect();
        let sources = by_source(many, 5000);
        assert_eq!(sources.named.len(), SOURCES_NAMED);
        assert_eq!(sources.named[0], ("code-00".into(), 100));
        assert_eq!(sources.other, 80 + 79 + 78 + 77 + 76);
        assert_eq!(sources.without, 5000 - (76..=100).sum::<u64>());
    }
}
