//! Opening the SQLite database so that an acknowledged signature is never lost.

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

/// Opens (creating if needed) the database at `url` and applies every migration.
///
/// WAL lets readers carry on while a signature is written; `synchronous=FULL`
/// makes each commit reach the disk before it returns, so a signature the
/// server has acknowledged survives a crash or power cut.
pub async fn connect(url: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("{url:?} is not a SQLite database URL"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // What is deleted or overwritten (an erased signer) is zeroed on disk,
        // not left in free space.
        .pragma("secure_delete", "ON")
        .busy_timeout(Duration::from_secs(10));
    if let Some(dir) = options.get_filename().parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .with_context(|| format!("could not open the database {url:?}"))?;
    sqlx::migrate!("./migrations").run(&pool).await.context("could not apply database migrations")?;
    Ok(pool)
}

/// Begins a transaction that will write, taking the write lock at once
/// (`BEGIN IMMEDIATE`). A transaction that reads first and writes later
/// would fail with "database is locked" if another connection committed a
/// write in between (SQLite can't upgrade a stale read); waiting for the
/// lock up front lets the busy timeout do its job instead.
pub async fn begin_write(pool: &SqlitePool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}
