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
    // sqlx takes anything after an unknown scheme as a file name: a
    // `postgres://…` URL would quietly become a SQLite file named after it.
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    if scheme != "sqlite" {
        anyhow::bail!(
            "--database-url {:?}: this server stores signatures in SQLite; give a URL like \
             sqlite://data/petitions.db (PostgreSQL is not supported yet)",
            redacted(url)
        );
    }
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
        .after_connect(|connection, _| Box::pin(async move { keep_log_files(connection).await }))
        .connect_with(options)
        .await
        .with_context(|| format!("could not open the database {url:?}"))?;
    MIGRATIONS.run(&pool).await.context("could not apply database migrations")?;
    Ok(pool)
}

/// The schema this build expects.
static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Whether the database answers and has every migration this build expects
/// (another instance, or a restore from an old backup, may not).
pub async fn ready(pool: &SqlitePool) -> anyhow::Result<()> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await
        .context("the database does not answer")?;
    let expected: Vec<i64> = MIGRATIONS.iter().map(|migration| migration.version).collect();
    if applied != expected {
        anyhow::bail!("the database has migrations {applied:?}, this build expects {expected:?}");
    }
    Ok(())
}

/// `url` without a password, for messages.
fn redacted(url: &str) -> String {
    match url.split_once("://").and_then(|(scheme, rest)| Some((scheme, rest.split_once('@')?))) {
        Some((scheme, (credentials, host))) => {
            let user = credentials.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_owned(),
    }
}

/// Tells SQLite never to delete the write-ahead log and its index (`-wal`,
/// `-shm`) when this connection closes (`SQLITE_FCNTL_PERSIST_WAL`).
///
/// SQLite deletes them when the last connection to a database closes, and
/// judges "last" by whether it can take an exclusive lock on the file. That
/// lock is a POSIX record lock, which belongs to a process and silently
/// disappears when that process closes *any* descriptor of the file (a backup
/// script, a test reading the file's bytes), and which some network and
/// container filesystems don't honour at all. An `admin` command run beside
/// the server could then believe itself alone and delete the log the server
/// is still writing: the server's next signatures would go to a deleted file,
/// and its next reads fail with a short read (`disk I/O error`, code 522).
/// Keeping the files costs nothing: an erasure empties the log itself
/// (`forget_overwritten`), and the next writer reuses it.
async fn keep_log_files(connection: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = connection.lock_handle().await?;
    let mut persist: std::ffi::c_int = 1;
    // SAFETY: the handle is a live connection, held locked for the call; the
    // file control reads and writes only the `c_int` it is given.
    let code = unsafe {
        libsqlite3_sys::sqlite3_file_control(
            handle.as_raw_handle().as_ptr(),
            c"main".as_ptr(),
            libsqlite3_sys::SQLITE_FCNTL_PERSIST_WAL,
            (&mut persist as *mut std::ffi::c_int).cast(),
        )
    };
    if code != libsqlite3_sys::SQLITE_OK {
        return Err(sqlx::Error::Configuration(format!("could not keep the write-ahead log (SQLite code {code})").into()));
    }
    Ok(())
}

/// Begins a transaction that will write, taking the write lock at once
/// (`BEGIN IMMEDIATE`). A transaction that reads first and writes later
/// would fail with "database is locked" if another connection committed a
/// write in between (SQLite can't upgrade a stale read); waiting for the
/// lock up front lets the busy timeout do its job instead.
pub async fn begin_write(pool: &SqlitePool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}
