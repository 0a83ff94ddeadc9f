//! One petition's figures for its dashboard page: the kept counts, counted
//! signatures per hour and per day, by partner and by share source.
//!
//! What a page view reads, and what it cost with 1,000,000 signatures on
//! one petition (spread over 200 days, a quarter each on two partners'
//! pages, a fifth from share links, an eighth consenting to a partner),
//! measured through the page on a debug build, on 2 cores shared with
//! other builds, with a warm cache:
//!
//! - the kept counts, the first signature and the milestones: a few rows by
//!   key (under 2 ms);
//! - the hours of the last 7 days: one range of the index
//!   `signatures (petition_id, status, created_at)` per hour, holding that
//!   week's rows only (2 ms);
//! - the days of the petition's whole life: one range of the same index per
//!   day, which reads each of the petition's counted rows once and sorts
//!   nothing: the one read that grows with the petition. SQLite 20–60 ms;
//!   PostgreSQL 350 ms (it counts index entries more slowly). Grouping the
//!   rows by `SUBSTR(created_at, 1, 10)` instead took 0.4–0.5 s on SQLite;
//! - the share sources and partner consents: each a range of a partial
//!   index holding only the rows it counts and every column it reads
//!   (10–20 ms each; half a second each when they read the table's rows);
//! - for a partner's account, its hours and days are ranges of
//!   `signatures (petition_id, partner, status, created_at)`: its own rows
//!   (20 ms on SQLite, 55–95 ms on PostgreSQL for 250,000).
//!
//! The whole page took 110–130 ms on SQLite and 350 ms on PostgreSQL for an
//! organiser, 65 and 90 ms for a partner. The page's script refreshes it at
//! most every few seconds, however fast people sign.
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
    /// Whether it still takes signatures.
    pub open: bool,
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

const FIRST: &str = "SELECT MIN(created_at) FROM signatures WHERE petition_id = $1 AND status = 'counted'";

/// The charts' statement: counted signatures of the petition `$1` (on the
/// partner `$2`'s pages, if `partner`) in each of `ranges` ranges of time,
/// each a range of an index holding every column it reads
/// (`signatures (petition_id, status, created_at)`, or for a partner
/// `signatures (petition_id, partner, status, created_at)`), so each row is
/// read once and never sorted or grouped. Range `i` runs from `$(i + 3)` to
/// `$(i + 4)`: the starts of the buckets, and of the one after the last.
fn ranges_sql(ranges: usize, partner: bool) -> String {
    let values: Vec<String> = (3..ranges + 3).map(|n| format!("(${n}, ${})", n + 1)).collect();
    let mine = if partner { " AND partner = $2" } else { "" };
    format!(
        "WITH ranges (starts_at, ends_at) AS (VALUES {})
         SELECT starts_at, (SELECT COUNT(*) FROM signatures WHERE petition_id = $1{mine} AND status = 'counted'
                            AND created_at >= ranges.starts_at AND created_at < ranges.ends_at)
         FROM ranges",
        values.join(", ")
    )
}

/// Counted signatures of the petition `id` (on `partner`'s pages, if
/// given) from each of `starts` to the next: the starts of hours or days as
/// RFC 3339 text cut short, the last one only ending the one before.
async fn buckets(db: &Db, id: i64, partner: Option<&str>, starts: &[String]) -> Result<Vec<Bucket>, StoreError> {
    if starts.len() < 2 {
        return Ok(Vec::new());
    }
    let sql = ranges_sql(starts.len() - 1, partner.is_some());
    let counts: Vec<(String, i64)> = on_pool!(db, pool => {
        // Without a partner, `$2` is never read (both databases allow that).
        let mut query = sqlx::query_as(&sql).bind(id).bind(partner.unwrap_or(""));
        for start in starts {
            query = query.bind(start);
        }
        query.fetch_all(pool).await?
    });
    Ok(starts[..starts.len() - 1]
        .iter()
        .map(|start| Bucket {
            start: start.clone(),
            count: counts.iter().find(|(s, _)| s == start).map_or(0, |(_, n)| *n as u64),
        })
        .collect())
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
    let id = petition.id;
    type Counts = Vec<(String, i64)>;
    let (kept, consents, first): (Counts, Counts, Option<String>) = on_pool!(db, pool => (
        sqlx::query_as(PARTNERS).bind(id).fetch_all(pool).await?,
        sqlx::query_as(CONSENTS).bind(id).fetch_all(pool).await?,
        sqlx::query_scalar(FIRST).bind(id).fetch_one(pool).await?,
    ));
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
    let first_hour = hour_start(now) - Duration::from_secs((HOURS_SHOWN - 1) * 3600);
    let hours = buckets(db, id, partner, &hour_starts(first_hour)).await?;
    let today = &read_at[..10];
    // The petition's life began with it, or with its first signature if
    // that is older (one imported, or signed on an instance whose clock ran early).
    let first_day = first.iter().chain([&petition.created_at]).filter_map(|at| at.get(..10)).min().unwrap_or(today);
    let days = buckets(db, id, partner, &day_starts(first_day, today)).await?;
    let counted: u64 = days.iter().map(|day| day.count).sum();
    let organiser = partner.is_none();
    Ok(PetitionFigures {
        open: !petition.definition.is_closed(now),
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

/// The starts of [`HOURS_SHOWN`] hours from `first`, and of the hour after
/// them (`2026-06-12T14`).
fn hour_starts(first: SystemTime) -> Vec<String> {
    (0..=HOURS_SHOWN).map(|n| rfc3339(first + Duration::from_secs(n * 3600))[..13].to_owned()).collect()
}

/// The starts of every day from `first` to `last` (`YYYY-MM-DD`, UTC), and
/// of the day after.
fn day_starts(first: &str, last: &str) -> Vec<String> {
    let day_of = |text: &str| humantime::parse_rfc3339(&format!("{text}T00:00:00Z")).ok();
    let (Some(first), Some(last)) = (day_of(first), day_of(last)) else { return Vec::new() };
    let mut days = Vec::new();
    let mut day = first;
    while day <= last + Duration::from_secs(24 * 3600) {
        days.push(rfc3339(day)[..10].to_owned());
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

    #[test]
    fn every_day_of_the_range_is_there_and_the_day_after_ends_it() {
        assert_eq!(day_starts("2026-02-27", "2026-03-01"), ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    }

    #[test]
    fn a_week_of_hours_ends_with_the_current_one() {
        let now = humantime::parse_rfc3339("2026-06-12T14:35:10Z").unwrap();
        let hours = hour_starts(hour_start(now) - Duration::from_secs((HOURS_SHOWN - 1) * 3600));
        assert_eq!(hours.len(), 169);
        assert_eq!(hours[0], "2026-06-05T15");
        assert_eq!(hours[167], "2026-06-12T14");
        assert_eq!(hours[168], "2026-06-12T15");
    }

    #[test]
    fn each_range_is_bound_from_one_start_to_the_next() {
        let sql = ranges_sql(3, true);
        assert!(sql.contains("VALUES ($3, $4), ($4, $5), ($5, $6))"), "{sql}");
        assert!(sql.contains("petition_id = $1 AND partner = $2 AND status = 'counted'"), "{sql}");
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
