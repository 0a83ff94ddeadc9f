//! PostgreSQL: for campaigns that outgrow one machine, several server
//! instances on one database.
//!
//! Each signing is its own transaction; PostgreSQL runs many at once, and
//! what must happen once happens once whichever instance does it:
//!
//! - one person counts once: the unique index on `(petition_id,
//!   canonical_email)` and `INSERT … ON CONFLICT` decide, not a read before;
//! - a challenge is spent once: its id's primary key in `spent_challenges`;
//! - the server's secrets are made once: `ON CONFLICT DO NOTHING`, then read.
//!
//! Erasure: SQLite zeroes what an erasure overwrites (`secure_delete`) and
//! empties its log. PostgreSQL keeps an overwritten row's old version in the
//! table's file until the space is reused, and in its write-ahead log until
//! that is recycled. After an erasure the server runs `VACUUM` on the
//! signatures table, which makes that space reusable at once but does not
//! zero it; `petition-server admin compact` rewrites the table
//! (`VACUUM FULL`, which locks it while it runs) so that the old versions
//! are gone from its files. See the README.

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::{Db, StoreError};

/// The schema this build expects on PostgreSQL.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connects to the database at `url` and applies every migration (under
/// PostgreSQL's advisory lock, so instances starting together take turns).
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    let shown = super::redacted(url);
    let options = PgConnectOptions::from_str(url).with_context(|| format!("{shown:?} is not a PostgreSQL URL"))?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .with_context(|| format!("could not connect to the database {shown:?}"))?;
    MIGRATIONS.run(&pool).await.context("could not apply database migrations")?;
    Ok(Db::Postgres(pool))
}

/// After an erasure: makes the space of the erased rows' old versions
/// reusable (see the module's notes for what this does not do).
pub(super) async fn forget_overwritten(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query("VACUUM signatures").execute(pool).await?;
    Ok(())
}

/// Rewrites the signatures table and its indexes, so that no old version of
/// an erased row is left in their files, then checkpoints.
pub(super) async fn compact(pool: &PgPool) -> Result<(), StoreError> {
    for statement in ["VACUUM FULL signatures", "VACUUM FULL outbox", "CHECKPOINT"] {
        sqlx::query(statement).execute(pool).await?;
    }
    Ok(())
}

/// The channel instances tell each other of count changes on.
const COUNTS_CHANNEL: &str = "petition_counts";

/// Tells every instance listening that the petition `slug`'s count changed
/// on `instance` (see [`crate::live`]).
pub async fn notify_count(pool: &PgPool, instance: &str, slug: &str) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)").bind(COUNTS_CHANNEL).bind(format!("{instance} {slug}")).execute(pool).await?;
    Ok(())
}

/// A connection listening for count changes.
pub async fn listen_for_counts(pool: &PgPool) -> Result<sqlx::postgres::PgListener, StoreError> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(COUNTS_CHANNEL).await?;
    Ok(listener)
}

/// The next count change heard: which instance made it, and the petition.
pub async fn next_count(listener: &mut sqlx::postgres::PgListener) -> Result<(String, String), StoreError> {
    loop {
        let notification = listener.recv().await?;
        if let Some((instance, slug)) = notification.payload().split_once(' ') {
            return Ok((instance.to_owned(), slug.to_owned()));
        }
    }
}
