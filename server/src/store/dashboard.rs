//! What the dashboard shows of petitions: the list's figures, read from the
//! kept counts and from index ranges, never by scanning every signature.

use petition_core::milestones;
use serde::Serialize;

use super::{on_pool, Db, StoreError};
use crate::{clock::Clock, petition_file::PetitionFile};

/// One petition in the dashboard's list.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// Its slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// The public count (paper signatures included).
    pub signature_count: u64,
    /// Counted signatures made since midnight (UTC).
    pub today: u64,
    /// The next goal the widget shows.
    pub goal: u64,
    /// When the last counted signature was made (RFC 3339), if any.
    pub last_signature_at: Option<String>,
    /// Whether it still takes signatures.
    pub open: bool,
    /// The partners its file lists (slugs).
    #[serde(skip)]
    pub partners: Vec<String>,
}

// Each a range of `signatures_by_petition_status_time`: counted signatures
// since `$2`, and the time of the last one.
const SINCE: &str = "SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted' AND created_at >= $2";
const LAST: &str = "SELECT MAX(created_at) FROM signatures WHERE petition_id = $1 AND status = 'counted'";

/// Every petition, in slug order, with the figures the list shows.
pub async fn overview(db: &Db, clock: &Clock) -> Result<Vec<Overview>, StoreError> {
    let rows: Vec<(i64, String, String, i64)> = on_pool!(db, pool => {
        sqlx::query_as(super::petitions::ALL_WITH_COUNT).fetch_all(pool).await?
    });
    let midnight = format!("{}T00:00:00Z", &clock.rfc3339()[..10]);
    let mut list = Vec::with_capacity(rows.len());
    for (id, slug, definition, count) in rows {
        let definition: PetitionFile = serde_json::from_str(&definition)?;
        let (today, last): (i64, Option<String>) = on_pool!(db, pool => (
            sqlx::query_scalar(SINCE).bind(id).bind(&midnight).fetch_one(pool).await?,
            sqlx::query_scalar(LAST).bind(id).fetch_one(pool).await?,
        ));
        let count = count as u64;
        list.push(Overview {
            slug,
            goal: milestones::goal_for(count, &definition.goal_steps),
            open: !definition.is_closed(clock.now()),
            partners: definition.partners.iter().map(|p| p.slug.clone()).collect(),
            title: definition.title,
            signature_count: count,
            today: today as u64,
            last_signature_at: last,
        });
    }
    Ok(list)
}

/// The slugs of the partners the petition called `slug` lists.
pub async fn partners_of(db: &Db, slug: &str) -> Result<Vec<String>, StoreError> {
    let definition: Option<String> = on_pool!(db, pool => {
        sqlx::query_scalar("SELECT definition FROM petitions WHERE slug = $1").bind(slug).fetch_optional(pool).await?
    });
    let definition: PetitionFile = serde_json::from_str(&definition.ok_or(StoreError::NotFound)?)?;
    Ok(definition.partners.into_iter().map(|p| p.slug).collect())
}

/// Every petition's slug, in order: to tell every page watching any of them
/// after a change that may touch several (an erasure).
pub async fn slugs(db: &Db) -> Result<Vec<String>, StoreError> {
    Ok(on_pool!(db, pool => sqlx::query_scalar("SELECT slug FROM petitions ORDER BY slug").fetch_all(pool).await?))
}
