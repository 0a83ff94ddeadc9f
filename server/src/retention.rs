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
use tokio::sync::watch;

use crate::{
    clock::{rfc3339, Clock},
    petition_file::PetitionFile,
    store::{self, Db, Rows, Status, StoreError},
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
    /// Nothing was done: another instance on the database was sweeping.
    pub another_instance_sweeping: bool,
}

/// One sweep, as of now. With several instances on one database, one
/// sweeps at a time; an instance that finds another sweeping skips its turn
/// (and returns nothing swept).
pub async fn sweep(db: &Db, clock: &Clock, source_hash_days: u32) -> Result<Swept, StoreError> {
    let Some(turn) = store::sweep_turn(db).await? else {
        tracing::debug!("another instance is sweeping");
        return Ok(Swept { another_instance_sweeping: true, ..Swept::default() });
    };
    let swept = sweep_now(db, clock, source_hash_days).await;
    turn.end().await?;
    swept
}

async fn sweep_now(db: &Db, clock: &Clock, source_hash_days: u32) -> Result<Swept, StoreError> {
    let now = clock.now();
    let mut swept = Swept::default();
    for (petition_id, definition) in store::petition_definitions(db).await? {
        let definition: PetitionFile = serde_json::from_str(&definition)?;
        if definition.anonymise_after().is_some_and(|after| after <= now) {
            swept.anonymised += store::erase_rows(db, clock, Rows::OfPetition(petition_id), None).await?;
        }
    }
    let unconfirmed_before = rfc3339(now - UNCONFIRMED_KEPT);
    swept.unconfirmed_erased =
        store::erase_rows(db, clock, Rows::PendingBefore(unconfirmed_before), Some(Status::Expired)).await?;
    let hashes_before = rfc3339(now - Duration::from_secs(u64::from(source_hash_days) * 24 * 60 * 60));
    swept.source_hashes_dropped = store::drop_source_hashes(db, &hashes_before, &rfc3339(now)).await?;
    // Dashboard sessions nobody can use any more, and failed sign-ins the
    // rate limit no longer counts.
    let idle = crate::dashboard::session::IDLE.as_secs() as i64;
    let lifetime = crate::dashboard::session::LIFETIME.as_secs() as i64;
    let failures = crate::dashboard::session::FAILURE_WINDOW.as_secs() as i64;
    store::forget_stale_sessions(db, clock, idle, lifetime, failures).await?;
    if swept != Swept::default() {
        store::forget_erased(db).await?;
        tracing::info!(?swept, "retention sweep");
    }
    Ok(swept)
}

/// One sweep, whose failure is logged rather than returned: the next sweep
/// catches up.
pub async fn sweep_logged(db: &Db, clock: &Clock, source_hash_days: u32) {
    if let Err(error) = sweep(db, clock, source_hash_days).await {
        tracing::error!(%error, "the retention sweep failed; it runs again within the hour");
    }
}

/// Sweeps every hour (the server sweeps once as it starts, before this),
/// until `shutdown` changes.
pub async fn run(db: Db, clock: Clock, source_hash_days: u32, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = clock.sleep(EVERY) => {}
            _ = shutdown.changed() => return,
        }
        sweep_logged(&db, &clock, source_hash_days).await;
    }
}
