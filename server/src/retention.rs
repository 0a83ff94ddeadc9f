//! Keeping personal data only as long as it is needed. A sweep, run when the
//! server starts and every hour after (and by `petition-server admin
//! retention`):
//!
//! - anonymises every signature of a petition whose `retention_days` after
//!   `closes_at` have passed: names, addresses, postcodes and reasons go;
//!   the count and the milestones stay;
//! - erases signatures left unconfirmed for [`UNCONFIRMED_KEPT`];
//! - drops the keyed hash of the signer's address after `--source-hash-days`.

use std::time::Duration;

use serde::Serialize;
use sqlx::SqlitePool;
use tokio::sync::watch;

use crate::{
    admin,
    clock::{rfc3339, Clock},
    petition_file::PetitionFile,
    store::StoreError,
};

/// How long a signature waiting for its email confirmation is kept: its
/// link expired long before.
pub const UNCONFIRMED_KEPT: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How often the server sweeps.
const EVERY: Duration = Duration::from_secs(60 * 60);

/// What one sweep did.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Swept {
    /// Signatures of closed petitions anonymised.
    pub anonymised: u64,
    /// Unconfirmed signatures erased.
    pub unconfirmed_erased: u64,
    /// Source hashes dropped.
    pub source_hashes_dropped: u64,
}

/// One sweep, as of now.
pub async fn sweep(pool: &SqlitePool, clock: &Clock, source_hash_days: u32) -> Result<Swept, StoreError> {
    let now = clock.now();
    let mut swept = Swept::default();
    let petitions: Vec<(i64, String)> = sqlx::query_as("SELECT id, definition FROM petitions").fetch_all(pool).await?;
    for (petition_id, definition) in petitions {
        let definition: PetitionFile = serde_json::from_str(&definition)?;
        if definition.anonymise_after().is_some_and(|after| after <= now) {
            swept.anonymised += erase(pool, clock, Rows::OfPetition(petition_id), None).await?;
        }
    }
    let unconfirmed_before = rfc3339(now - UNCONFIRMED_KEPT);
    swept.unconfirmed_erased = erase(pool, clock, Rows::PendingBefore(unconfirmed_before), Some("expired")).await?;
    let hashes_before = rfc3339(now - Duration::from_secs(u64::from(source_hash_days) * 24 * 60 * 60));
    swept.source_hashes_dropped = sqlx::query(
        "UPDATE signatures SET source_hash = NULL, source_hash_dropped_at = ?2
         WHERE source_hash IS NOT NULL AND created_at < ?1",
    )
    .bind(&hashes_before)
    .bind(rfc3339(now))
    .execute(pool)
    .await?
    .rows_affected();
    if swept != Swept::default() {
        admin::forget_overwritten(pool).await?;
        tracing::info!(?swept, "retention sweep");
    }
    Ok(swept)
}

/// Which signatures [`erase`] takes.
enum Rows {
    /// Every one of this petition's still holding personal data.
    OfPetition(i64),
    /// Pending (unconfirmed) ones made before this time.
    PendingBefore(String),
}

/// Erases the personal data of `rows`. A counted signature keeps counting
/// unless `status` says otherwise; one not counted becomes `erased`.
async fn erase(pool: &SqlitePool, clock: &Clock, rows: Rows, status: Option<&str>) -> Result<u64, StoreError> {
    let now = clock.rfc3339();
    let mut tx = crate::db::begin_write(pool).await?;
    let found: Vec<(i64, String)> = match &rows {
        Rows::OfPetition(id) => {
            sqlx::query_as("SELECT id, status FROM signatures WHERE petition_id = ?1 AND erased_at IS NULL").bind(id)
        }
        Rows::PendingBefore(time) => {
            sqlx::query_as("SELECT id, status FROM signatures WHERE status = 'pending' AND created_at < ?1").bind(time)
        }
    }
    .fetch_all(&mut *tx)
    .await?;
    for (id, current) in &found {
        let new_status = status.unwrap_or(if current == "counted" { "counted" } else { "erased" });
        admin::erase_row(&mut tx, *id, new_status, &now).await?;
    }
    tx.commit().await?;
    Ok(found.len() as u64)
}

/// One sweep, whose failure is logged rather than returned: the next sweep
/// catches up.
pub async fn sweep_logged(pool: &SqlitePool, clock: &Clock, source_hash_days: u32) {
    if let Err(error) = sweep(pool, clock, source_hash_days).await {
        tracing::error!(%error, "the retention sweep failed; it runs again within the hour");
    }
}

/// Sweeps every hour (the server sweeps once as it starts, before this),
/// until `shutdown` changes.
pub async fn run(pool: SqlitePool, clock: Clock, source_hash_days: u32, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = clock.sleep(EVERY) => {}
            _ = shutdown.changed() => return,
        }
        sweep_logged(&pool, &clock, source_hash_days).await;
    }
}
