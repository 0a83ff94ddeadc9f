//! SQLite: opening the file so that an acknowledged signature is never lost,
//! and the one writer that commits signings in groups.

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous},
    Connection,
};
use tokio::sync::{mpsc, oneshot};

use super::{signing, Db, StoreError, Tx};

/// The schema this build expects on SQLite.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Opens (creating if needed) the database at `url` and applies every migration.
///
/// WAL lets readers carry on while a signature is written; `synchronous=FULL`
/// makes each commit reach the disk before it returns, so a signature the
/// server has acknowledged survives a crash or power cut.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
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
    let writer = GroupCommit::start(pool.clone());
    Ok(Db::Sqlite(pool, writer))
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

/// After an erasure: the old versions of the rows are still in the
/// write-ahead log. Copies it into the database file (where, with
/// `secure_delete`, they are zeroed) and empties it.
pub(super) async fn forget_overwritten(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
    Ok(())
}

/// The most signings one transaction takes: enough that a burst shares a
/// flush, few enough that the first in a group never waits long for the last.
const MOST_PER_COMMIT: usize = 256;

/// Signings waiting for the writer; beyond this, signers wait to queue.
const QUEUE: usize = 4096;

/// The one task that writes signatures to SQLite, many per transaction.
///
/// SQLite has one writer at a time, and each commit with `synchronous=FULL`
/// waits for the disk (this machine kind's takes about 7,700 small flushes a
/// second). So instead of a transaction per signing, the writer takes every
/// signing waiting, writes each inside a savepoint of one transaction (a
/// signing that fails, a spent challenge say, is rolled back alone), commits
/// once, and only then answers each: a signature is acknowledged only after
/// the commit that holds it is durable, exactly as before.
#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

/// One signing waiting for the writer, and where its answer goes.
struct Job {
    row: signing::SignatureRow,
    answer: oneshot::Sender<Result<signing::Written, StoreError>>,
}

impl GroupCommit {
    fn start(pool: SqlitePool) -> GroupCommit {
        let (jobs, waiting) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, waiting));
        GroupCommit { jobs }
    }

    /// Writes `row` in the next group; returns once its commit is durable.
    pub(super) async fn write(&self, row: signing::SignatureRow) -> Result<signing::Written, StoreError> {
        let (answer, answered) = oneshot::channel();
        self.jobs.send(Job { row, answer }).await.map_err(|_| StoreError::Stopped)?;
        answered.await.map_err(|_| StoreError::Stopped)?
    }
}

/// The writer: until every [`GroupCommit`] handle is gone, takes what is
/// waiting, commits it as one, then answers each.
async fn run(pool: SqlitePool, mut waiting: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(MOST_PER_COMMIT);
    while waiting.recv_many(&mut group, MOST_PER_COMMIT).await > 0 {
        match commit_group(&pool, &group).await {
            Ok(written) => {
                for (job, written) in group.drain(..).zip(written) {
                    // The signer may have gone (the request timed out): the
                    // signature is stored all the same.
                    let _ = job.answer.send(written);
                }
            }
            Err(error) => {
                tracing::error!(%error, signings = group.len(), "a group of signings could not be committed");
                let message = error.to_string();
                for job in group.drain(..) {
                    let _ = job.answer.send(Err(StoreError::Database(sqlx::Error::Protocol(message.clone()))));
                }
            }
        }
    }
}

/// One transaction for the whole group, a savepoint for each signing in it.
async fn commit_group(pool: &SqlitePool, group: &[Job]) -> Result<Vec<Result<signing::Written, StoreError>>, sqlx::Error> {
    let mut outer = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut results = Vec::with_capacity(group.len());
    for job in group {
        let mut one = Tx::Sqlite(Connection::begin(&mut *outer).await?);
        match signing::write_signature(&mut one, &job.row).await {
            Ok(written) => {
                one.commit().await?;
                results.push(Ok(written));
            }
            // Refused (a spent challenge), or failed alone: rolled back alone.
            Err(error) => {
                one.rollback().await?;
                results.push(Err(error));
            }
        }
    }
    outer.commit().await?;
    Ok(results)
}
