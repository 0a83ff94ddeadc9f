//! Signatures gathered on paper or offline: counted by the organiser, a
//! number and a note per entry, with no rows of their own.
//!
//! They are part of the public count: `petitions.paper_count` is kept equal
//! to the sum of the petition's entries and is included in
//! `petitions.signature_count`, changed together in one transaction, so
//! every read of the count (the widget, the live stream, the dashboard)
//! shows them without knowing of them, and a recount of the rows adds them
//! back (see [`super::organiser::recount`]). An entry moves the count as a
//! batch of signings would: milestones it crosses are dated, and a
//! correction downward takes back the dates of those the count falls below.

use serde::Serialize;

use super::{
    on_conn, on_pool,
    organiser::{lock_slots, redate_milestones},
    petitions::petition_id,
    signing::TOTAL,
    Db, StoreError, Tx,
};
use crate::clock::Clock;

/// One count of paper signatures.
#[derive(Debug, Clone, Serialize)]
pub struct PaperEntry {
    /// What a correction names.
    pub id: i64,
    /// Signatures it adds to the count (0: withdrawn).
    pub amount: u64,
    /// The organiser's words: where the signatures came from.
    pub note: String,
    /// When it was entered (RFC 3339).
    pub created_at: String,
    /// Who entered it.
    pub created_by: String,
    /// When it was last corrected (the same as `created_at` if never).
    pub updated_at: String,
    /// Who last corrected it.
    pub updated_by: String,
}

/// The petition `slug`'s paper entries, oldest first.
pub async fn paper_entries(db: &Db, slug: &str) -> Result<Vec<PaperEntry>, StoreError> {
    let petition_id = petition_id(db, slug).await?;
    type Row = (i64, i64, String, String, String, String, String);
    let rows: Vec<Row> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT id, amount, note, created_at, created_by, updated_at, updated_by FROM paper_counts
             WHERE petition_id = $1 ORDER BY id",
        )
        .bind(petition_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, amount, note, created_at, created_by, updated_at, updated_by)| PaperEntry {
            id,
            amount: amount as u64,
            note,
            created_at,
            created_by,
            updated_at,
            updated_by,
        })
        .collect())
}

/// What an addition or correction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaperChange {
    /// The entry.
    pub entry: i64,
    /// Its amount before (0 for a new one).
    pub from: u64,
    /// Its amount now.
    pub to: u64,
    /// The petition's public count after.
    pub count: u64,
}

/// Adds an entry of `amount` paper signatures to the petition `slug`,
/// entered by `actor`.
pub async fn add_paper(
    db: &Db,
    clock: &Clock,
    slug: &str,
    actor: &str,
    amount: u64,
    note: &str,
) -> Result<PaperChange, StoreError> {
    let petition_id = petition_id(db, slug).await?;
    let now = clock.rfc3339();
    let mut tx = db.begin_write().await?;
    let before = lock_petition(&mut tx, petition_id).await?;
    let entry: i64 = on_conn!(tx, c => {
        sqlx::query_scalar(
            "INSERT INTO paper_counts (petition_id, amount, note, created_at, updated_at, created_by, updated_by)
             VALUES ($1, $2, $3, $4, $4, $5, $5) RETURNING id",
        )
        .bind(petition_id)
        .bind(amount as i64)
        .bind(note)
        .bind(&now)
        .bind(actor)
        .fetch_one(&mut *c)
        .await?
    });
    let count = settle(&mut tx, petition_id, before, &now).await?;
    tx.commit().await?;
    Ok(PaperChange { entry, from: 0, to: amount, count })
}

/// Corrects the entry `entry` of the petition `slug` to `amount` (0
/// withdraws it) and `note`, by `actor`; `None` if the petition has no
/// such entry.
pub async fn correct_paper(
    db: &Db,
    clock: &Clock,
    slug: &str,
    entry: i64,
    actor: &str,
    amount: u64,
    note: &str,
) -> Result<Option<PaperChange>, StoreError> {
    let petition_id = petition_id(db, slug).await?;
    let now = clock.rfc3339();
    let mut tx = db.begin_write().await?;
    let before = lock_petition(&mut tx, petition_id).await?;
    let from: Option<i64> = on_conn!(tx, c => {
        sqlx::query_scalar("SELECT amount FROM paper_counts WHERE id = $1 AND petition_id = $2")
            .bind(entry)
            .bind(petition_id)
            .fetch_optional(&mut *c)
            .await?
    });
    let Some(from) = from else {
        tx.rollback().await?;
        return Ok(None);
    };
    on_conn!(tx, c => {
        sqlx::query("UPDATE paper_counts SET amount = $2, note = $3, updated_at = $4, updated_by = $5 WHERE id = $1")
            .bind(entry)
            .bind(amount as i64)
            .bind(note)
            .bind(&now)
            .bind(actor)
            .execute(&mut *c)
            .await?;
    });
    let count = settle(&mut tx, petition_id, before, &now).await?;
    tx.commit().await?;
    Ok(Some(PaperChange { entry, from: from as u64, to: amount, count }))
}

/// Holds the petition's count still for the rest of `tx`, as a recount
/// does: its slots (no signing counts meanwhile, and every one in flight
/// has committed) and its row. Returns the total before the change.
async fn lock_petition(tx: &mut Tx<'_>, petition_id: i64) -> Result<i64, StoreError> {
    lock_slots(tx).await?;
    Ok(on_conn!(tx, c => {
        sqlx::query("UPDATE petitions SET signature_count = signature_count WHERE id = $1")
            .bind(petition_id)
            .execute(&mut *c)
            .await?;
        sqlx::query_scalar(TOTAL).bind(petition_id).fetch_one(&mut *c).await?
    }))
}

/// Sets the petition's paper count to the sum of its entries, moves its
/// public count by the difference, and dates or takes back the milestones
/// between the total `before` and the new one. Returns the new total.
async fn settle(tx: &mut Tx<'_>, petition_id: i64, before: i64, now: &str) -> Result<u64, StoreError> {
    let total: i64 = on_conn!(tx, c => {
        // Both right-hand sides read the row as it was: the count moves by
        // exactly what the paper count does.
        sqlx::query(
            "UPDATE petitions SET
                 signature_count = signature_count - paper_count + (SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT)
                                                                    FROM paper_counts WHERE petition_id = $1),
                 paper_count = (SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM paper_counts WHERE petition_id = $1)
             WHERE id = $1",
        )
        .bind(petition_id)
        .execute(&mut *c)
        .await?;
        sqlx::query_scalar(TOTAL).bind(petition_id).fetch_one(&mut *c).await?
    });
    redate_milestones(tx, petition_id, before, total, now).await?;
    Ok(total as u64)
}
