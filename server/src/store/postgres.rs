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

/// How long [`compact`] waits for older transactions to end.
const COMPACT_PATIENCE: Duration = Duration::from_secs(5 * 60);

/// Rewrites the signatures table and its indexes, so that no old version of
/// an erased row is left in their files, then checkpoints.
///
/// `VACUUM FULL` copies every row version a still-running transaction might
/// see, and a transaction open in *any* database of the cluster counts
/// (seen here: one left open in another database kept an erased address in
/// the rewritten file). So this first waits, up to five minutes, until
/// every transaction that began before it has ended, and says so rather
/// than claim a compaction it could not make.
pub(super) async fn compact(pool: &PgPool) -> Result<(), StoreError> {
    let began: String = sqlx::query_scalar("SELECT CAST(clock_timestamp() AS TEXT)").fetch_one(pool).await?;
    let waiting_since = std::time::Instant::now();
    loop {
        let older: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity
             WHERE pid <> pg_backend_pid() AND xact_start < CAST($1 AS TIMESTAMPTZ)
               AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)",
        )
        .bind(&began)
        .fetch_one(pool)
        .await?;
        if older == 0 {
            break;
        }
        if waiting_since.elapsed() > COMPACT_PATIENCE {
            return Err(StoreError::Busy(format!(
                "{older} transaction(s) begun before the compaction are still running on the database server; \
                 they may still see erased rows, so nothing was rewritten (pg_stat_activity shows them)"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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

/// Events one instance's guard counted (rate, key, how many), at `at_ms`.
pub type RateEvents = Vec<(String, String, i64)>;

/// Tells the other instances what this one's guard counted since its last
/// tick: one insert, however many keys.
pub async fn share_rates(pool: &PgPool, instance: &str, at_ms: i64, events: RateEvents) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let (mut kinds, mut keys, mut counts) = (vec![], vec![], vec![]);
    for (kind, key, n) in events {
        kinds.push(kind);
        keys.push(key);
        counts.push(n);
    }
    sqlx::query(
        "INSERT INTO rate_events (instance, kind, key, at_ms, n)
         SELECT $1, kind, key, $2, n FROM UNNEST($3::TEXT[], $4::TEXT[], $5::BIGINT[]) AS e (kind, key, n)",
    )
    .bind(instance)
    .bind(at_ms)
    .bind(kinds)
    .bind(keys)
    .bind(counts)
    .execute(pool)
    .await?;
    Ok(())
}

/// What the other instances counted after the row `after`: (id, rate, key,
/// at_ms, n), oldest first. A row committed late with a lower id than one
/// already read is missed: rates are a defence, not a ledger.
pub async fn rates_elsewhere(
    pool: &PgPool,
    instance: &str,
    after: i64,
) -> Result<Vec<(i64, String, String, i64, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, kind, key, at_ms, n FROM rate_events WHERE id > $1 AND instance <> $2 ORDER BY id LIMIT 10000",
    )
    .bind(after)
    .bind(instance)
    .fetch_all(pool)
    .await?)
}

/// Forgets rate events from before `before_ms`.
pub async fn forget_rates(pool: &PgPool, before_ms: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM rate_events WHERE at_ms < $1").bind(before_ms).execute(pool).await?;
    Ok(())
}
