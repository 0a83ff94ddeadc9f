//! Everything the server reads from and writes to its database, and the only
//! place that knows SQL. Admin, mail, retention and the HTTP handlers call
//! this module; it never calls them.
//!
//! Two databases serve, one at a time, chosen by the URL's scheme:
//!
//! - **SQLite** (`sqlite://…`, the default): one file beside one server,
//!   nothing else to run. Signings are committed in groups by one writer
//!   ([`sqlite::GroupCommit`]): many signatures per disk flush.
//! - **PostgreSQL** (`postgres://…`): for several server instances on one
//!   database, each signing in its own transaction.
//!
//! Every statement is written once, in the SQL both understand (`$1`
//! parameters, `ON CONFLICT`, `RETURNING`, `COUNT(*) FILTER`, `TRUE`), and
//! compiled for each backend by [`on_pool!`] and [`on_conn!`]: the body of a
//! function is expanded once per backend, with that backend's own pool or
//! connection type, so the compiler checks both and nothing is decided by a
//! trait object at run time. Where the two differ (opening, locking, what an
//! erasure leaves on disk) the difference is in [`sqlite`] or [`postgres`].

mod accounts;
mod dashboard;
mod images;
mod organiser;
mod outbox;
mod paper;
mod petitions;
pub mod postgres;
mod previews;
mod retention;
mod signing;
mod stats;
pub mod sqlite;

use std::fmt;

pub use accounts::*;
pub use dashboard::*;
pub use images::*;
pub use organiser::*;
pub use outbox::*;
pub use paper::*;
pub use petitions::*;
pub use previews::*;
pub use retention::*;
pub use signing::*;
pub use stats::*;

/// A storage failure. Its details go to the log, never to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No petition has that slug.
    #[error("no such petition")]
    NotFound,
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored petition definition could not be read back.
    #[error("stored petition definition is unreadable: {0}")]
    Definition(#[from] serde_json::Error),
    /// The signature's challenge has been answered before.
    #[error("challenge already spent")]
    Spent,
    /// The petition has closed.
    #[error("petition closed")]
    Closed,
    /// A stored value this build does not know (a newer server wrote it).
    #[error("unknown stored value {0:?}")]
    Unknown(String),
    /// The database is busy with something that must end first (the message says what).
    #[error("{0}")]
    Busy(String),
    /// The group-commit writer has stopped (the server is shutting down).
    #[error("the database writer has stopped")]
    Stopped,
}

/// The open database: a pool of connections to one of the two backends.
#[derive(Clone)]
pub enum Db {
    /// A SQLite file, and the writer that commits signings in groups.
    Sqlite(sqlx::SqlitePool, sqlite::GroupCommit),
    /// A PostgreSQL database, shared by any number of server instances.
    Postgres(sqlx::PgPool),
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.backend())
    }
}

/// Runs `$body` with `$pool` bound to the backend's own pool (`&SqlitePool`
/// or `&PgPool`): written once, compiled for both.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($pool, _) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the backend's own connection inside a
/// [`Tx`] (`&mut SqliteConnection` or `&mut PgConnection`).
macro_rules! on_conn {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx.conn() {
            $crate::store::Conn::Sqlite($conn) => $body,
            $crate::store::Conn::Postgres($conn) => $body,
        }
    };
}

pub(crate) use {on_conn, on_pool};

/// A write transaction on either backend.
pub enum Tx<'a> {
    /// SQLite's: it holds the one write lock from its first statement.
    Sqlite(sqlx::Transaction<'a, sqlx::Sqlite>),
    /// PostgreSQL's: rows are locked as they are written.
    Postgres(sqlx::Transaction<'a, sqlx::Postgres>),
}

/// The connection a [`Tx`] runs on, for [`on_conn!`].
pub enum Conn<'a> {
    /// SQLite.
    Sqlite(&'a mut sqlx::SqliteConnection),
    /// PostgreSQL.
    Postgres(&'a mut sqlx::PgConnection),
}

impl<'a> Tx<'a> {
    /// The transaction's connection, to run statements on.
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(tx) => Conn::Sqlite(tx),
            Tx::Postgres(tx) => Conn::Postgres(tx),
        }
    }

    /// Undoes what the transaction wrote.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await,
            Tx::Postgres(tx) => tx.rollback().await,
        }
    }

    /// Commits: once this returns, what the transaction wrote is durable.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

impl Db {
    /// Opens the database `url` names (creating a SQLite file if needed) and
    /// applies this build's migrations. A URL neither backend serves stops
    /// the start with a message saying what would.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        match url.split_once(':').map_or("", |(scheme, _)| scheme) {
            "sqlite" => sqlite::connect(url).await,
            "postgres" | "postgresql" => postgres::connect(url).await,
            _ => anyhow::bail!(
                "--database-url {:?}: give a SQLite URL like sqlite://data/petitions.db or a PostgreSQL URL \
                 like postgres://user@host:5432/petitions",
                redacted(url)
            ),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(..) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Begins a transaction that will write. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`): a transaction that reads first and
    /// writes later would fail with "database is locked" if another
    /// connection committed in between, while waiting for the lock up front
    /// lets the busy timeout do its job.
    pub async fn begin_write(&self) -> Result<Tx<'static>, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool, _) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Whether the database answers and has every migration this build
    /// expects (another instance, or a restore from an old backup, may not).
    pub async fn ready(&self) -> anyhow::Result<()> {
        let migrator = match self {
            Db::Sqlite(..) => &sqlite::MIGRATIONS,
            Db::Postgres(_) => &postgres::MIGRATIONS,
        };
        let applied: Vec<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
                .fetch_all(pool)
                .await
        })
        .map_err(|error| anyhow::anyhow!("the database does not answer: {error}"))?;
        let expected: Vec<i64> = migrator.iter().map(|migration| migration.version).collect();
        if applied != expected {
            anyhow::bail!("the database has migrations {applied:?}, this build expects {expected:?}");
        }
        Ok(())
    }

    /// Connections in use out of the pool (for the metrics).
    pub fn connections_in_use(&self) -> u32 {
        on_pool!(self, pool => pool.size().saturating_sub(u32::try_from(pool.num_idle()).unwrap_or(u32::MAX)))
    }

    /// The most connections the pool opens.
    pub fn max_connections(&self) -> u32 {
        on_pool!(self, pool => pool.options().get_max_connections())
    }

    /// Waits for every connection to close.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

/// Where a signature stands. Stored as its [`Status::as_str`] text, which
/// the database's own check (a `CHECK` on PostgreSQL, triggers on SQLite)
/// holds to exactly this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// In the count.
    Counted,
    /// Waiting for its signer to confirm by email.
    Pending,
    /// Held for the organiser's review (see [`crate::guard::Flag`]).
    Flagged,
    /// Taken out of the count by the organiser after an attack was found.
    Invalidated,
    /// Removed by its signer through a mailed link: data erased.
    Removed,
    /// Held, then rejected by the organiser: data erased.
    Rejected,
    /// Erased on request, never counted (or no longer, by the petition's rule).
    Erased,
    /// Never confirmed, and erased when [`crate::retention::UNCONFIRMED_KEPT`] passed.
    Expired,
}

impl Status {
    /// Every status, in the order the database's check lists them.
    pub const ALL: [Status; 8] = [
        Status::Counted,
        Status::Pending,
        Status::Flagged,
        Status::Invalidated,
        Status::Removed,
        Status::Rejected,
        Status::Erased,
        Status::Expired,
    ];

    /// As stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Counted => "counted",
            Status::Pending => "pending",
            Status::Flagged => "flagged",
            Status::Invalidated => "invalidated",
            Status::Removed => "removed",
            Status::Rejected => "rejected",
            Status::Erased => "erased",
            Status::Expired => "expired",
        }
    }

    /// The status stored as `text`.
    pub fn parse(text: &str) -> Result<Status, StoreError> {
        Status::ALL.into_iter().find(|status| status.as_str() == text).ok_or_else(|| StoreError::Unknown(text.into()))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `url` without a password, for messages.
pub(crate) fn redacted(url: &str) -> String {
    match url.split_once("://").and_then(|(scheme, rest)| Some((scheme, rest.split_once('@')?))) {
        Some((scheme, (credentials, host))) => {
            let user = credentials.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_as_itself() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()).unwrap(), status);
        }
        assert!(matches!(Status::parse("deleted"), Err(StoreError::Unknown(_))));
    }

    #[test]
    fn the_databases_checks_list_exactly_the_statuses() {
        let listed: Vec<String> = Status::ALL.iter().map(|s| format!("'{s}'")).collect();
        let listed = listed.join(", ");
        let sqlite = include_str!("../../migrations/sqlite/0007_typed_statuses.sql");
        let postgres = include_str!("../../migrations/postgres/0001_schema.sql");
        assert!(sqlite.contains(&listed), "the SQLite triggers list {listed}");
        assert!(postgres.contains(&listed), "the PostgreSQL check lists {listed}");
    }

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(redacted("postgres://root:hunter2@db:5432/p"), "postgres://root@db:5432/p");
        assert_eq!(redacted("sqlite://data/p.db"), "sqlite://data/p.db");
    }
}
