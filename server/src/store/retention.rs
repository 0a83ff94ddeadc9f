//! The retention sweep's reads and writes (see [`crate::retention`] for
//! what it keeps and for how long).

use super::{on_conn, on_pool, organiser, Db, Status, StoreError};
use crate::clock::Clock;

/// Every petition's id and definition (JSON).
pub async fn petition_definitions(db: &Db) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(on_pool!(db, pool => sqlx::query_as("SELECT id, definition FROM petitions").fetch_all(pool).await?))
}

/// Which signatures [`erase_rows`] takes.
#[derive(Debug)]
pub enum Rows {
    /// Every one of this petition's still holding personal data.
    OfPetition(i64),
    /// Pending (unconfirmed) ones made before this time (RFC 3339).
    PendingBefore(String),
}

/// Erases the personal data of `rows`. A counted signature keeps counting
/// unless `status` says otherwise; one not counted becomes `erased`.
/// Returns how many.
pub async fn erase_rows(db: &Db, clock: &Clock, rows: Rows, status: Option<Status>) -> Result<u64, StoreError> {
    let now = clock.rfc3339();
    let mut tx = db.begin_write().await?;
    let found: Vec<(i64, String)> = on_conn!(tx, c => match &rows {
        Rows::OfPetition(id) => {
            sqlx::query_as("SELECT id, status FROM signatures WHERE petition_id = $1 AND erased_at IS NULL")
                .bind(id)
                .fetch_all(&mut *c)
                .await?
        }
        Rows::PendingBefore(time) => {
            sqlx::query_as("SELECT id, status FROM signatures WHERE status = 'pending' AND created_at < $1")
                .bind(time)
                .fetch_all(&mut *c)
                .await?
        }
    });
    for (id, current) in &found {
        let kept = if Status::parse(current)? == Status::Counted { Status::Counted } else { Status::Erased };
        organiser::erase_row(&mut tx, *id, status.unwrap_or(kept), &now).await?;
    }
    tx.commit().await?;
    Ok(found.len() as u64)
}

/// Drops the source hash of every signature made before `before` (RFC
/// 3339), noting when (`now`). Returns how many.
pub async fn drop_source_hashes(db: &Db, before: &str, now: &str) -> Result<u64, StoreError> {
    Ok(on_pool!(db, pool => {
        sqlx::query(
            "UPDATE signatures SET source_hash = NULL, source_hash_dropped_at = $2
             WHERE source_hash IS NOT NULL AND created_at < $1",
        )
        .bind(before)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected()
    }))
}

/// After a sweep changed anything: clears what the database keeps of the
/// old versions of the rows it erased.
pub async fn forget_erased(db: &Db) -> Result<(), StoreError> {
    organiser::forget_overwritten(db).await
}

/// Held while one instance sweeps: on PostgreSQL, a transaction holding an
/// advisory lock, so instances sharing a database take turns (the others
/// skip their sweep; one an hour is plenty). On SQLite, one server per file.
pub struct SweepTurn(Option<sqlx::Transaction<'static, sqlx::Postgres>>);

/// The advisory lock's key: any number the server uses for nothing else.
const SWEEP_LOCK: i64 = 0x7065_7469_7469_6f6e; // "petition"

/// This instance's turn to sweep, or `None` if another instance is sweeping.
pub async fn sweep_turn(db: &Db) -> Result<Option<SweepTurn>, StoreError> {
    match db {
        Db::Sqlite(..) => Ok(Some(SweepTurn(None))),
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            let mine: bool =
                sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(SWEEP_LOCK).fetch_one(&mut *tx).await?;
            Ok(mine.then_some(SweepTurn(Some(tx))))
        }
    }
}

impl SweepTurn {
    /// Ends the turn (the lock goes with its transaction).
    pub async fn end(self) -> Result<(), StoreError> {
        if let Some(tx) = self.0 {
            tx.rollback().await?;
        }
        Ok(())
    }
}
