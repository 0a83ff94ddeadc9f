//! The dashboard's accounts, their sessions, failed sign-ins and the audit
//! log. Passwords arrive here already hashed (Argon2id) and session ids
//! already hashed (SHA-256): nothing stored here opens anything.

use serde::Serialize;

use super::{on_pool, Db, StoreError};
use crate::clock::Clock;

/// A dashboard account.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Account {
    /// Its id.
    pub id: i64,
    /// The name it signs in with.
    pub name: String,
    /// `None` for an organiser; a partner's slug for a partner's account.
    pub partner: Option<String>,
    /// When it was made.
    pub created_at: String,
}

/// Adds an account; `false` if the name is taken.
pub async fn add_account(
    db: &Db,
    clock: &Clock,
    name: &str,
    password_hash: &str,
    partner: Option<&str>,
) -> Result<bool, StoreError> {
    let added = on_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO accounts (name, password_hash, partner, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(password_hash)
        .bind(partner)
        .bind(clock.rfc3339())
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(added == 1)
}

/// Every account, by name.
pub async fn accounts(db: &Db) -> Result<Vec<Account>, StoreError> {
    let rows: Vec<(i64, String, Option<String>, String)> = on_pool!(db, pool => {
        sqlx::query_as("SELECT id, name, partner, created_at FROM accounts ORDER BY name").fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(|(id, name, partner, created_at)| Account { id, name, partner, created_at }).collect())
}

/// Removes the account called `name` and ends its sessions; `false` if there was none.
pub async fn remove_account(db: &Db, name: &str) -> Result<bool, StoreError> {
    let mut tx = db.begin_write().await?;
    let id: Option<i64> = super::on_conn!(tx, c => {
        sqlx::query_scalar("SELECT id FROM accounts WHERE name = $1").bind(name).fetch_optional(&mut *c).await?
    });
    let Some(id) = id else {
        tx.rollback().await?;
        return Ok(false);
    };
    super::on_conn!(tx, c => {
        sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM accounts WHERE id = $1").bind(id).execute(&mut *c).await?;
    });
    tx.commit().await?;
    Ok(true)
}

/// The account called `name` and its password hash, to check a sign-in.
pub async fn account_for_sign_in(db: &Db, name: &str) -> Result<Option<(Account, String)>, StoreError> {
    let row: Option<(i64, String, Option<String>, String, String)> = on_pool!(db, pool => {
        sqlx::query_as("SELECT id, name, partner, created_at, password_hash FROM accounts WHERE name = $1")
            .bind(name)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.map(|(id, name, partner, created_at, hash)| (Account { id, name, partner, created_at }, hash)))
}

/// Starts a session for `account`: `id_hash` is the SHA-256 of the cookie's id.
pub async fn start_session(db: &Db, clock: &Clock, id_hash: &str, account: i64, csrf: &str) -> Result<(), StoreError> {
    let now = clock.unix_seconds();
    on_pool!(db, pool => {
        sqlx::query("INSERT INTO sessions (id_hash, account_id, csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $4)")
            .bind(id_hash)
            .bind(account)
            .bind(csrf)
            .bind(now)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// A live session: whose, and its CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    /// The signed-in account.
    pub account: Account,
    /// The token every state-changing request of this session carries.
    pub csrf: String,
}

/// The session whose id hashes to `id_hash`, if it has been used within
/// `idle_seconds` and began less than `lifetime_seconds` ago; using it keeps
/// it alive until then (its last use is written at most once a minute). An
/// expired one is deleted.
pub async fn session(
    db: &Db,
    clock: &Clock,
    id_hash: &str,
    idle_seconds: i64,
    lifetime_seconds: i64,
) -> Result<Option<Session>, StoreError> {
    let now = clock.unix_seconds();
    // The account (id, name, partner, since), then the session's token, last
    // use and start.
    type Row = (i64, String, Option<String>, String, String, i64, i64);
    let row: Option<Row> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT a.id, a.name, a.partner, a.created_at, s.csrf, s.last_seen, s.created_at
             FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(pool)
        .await?
    });
    let Some((id, name, partner, created_at, csrf, last_seen, began)) = row else { return Ok(None) };
    if now - last_seen >= idle_seconds || now - began >= lifetime_seconds {
        end_session(db, id_hash).await?;
        return Ok(None);
    }
    if now - last_seen >= 60 {
        on_pool!(db, pool => {
            sqlx::query("UPDATE sessions SET last_seen = $1 WHERE id_hash = $2").bind(now).bind(id_hash).execute(pool).await?;
        });
    }
    Ok(Some(Session { account: Account { id, name, partner, created_at }, csrf }))
}

/// Ends a session (signing out), and any other that has been idle too long.
pub async fn end_session(db: &Db, id_hash: &str) -> Result<(), StoreError> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(pool).await?;
    });
    Ok(())
}

/// Deletes sessions idle for `idle_seconds` or begun `lifetime_seconds` ago,
/// and failed sign-ins older than `failure_window` seconds (the retention
/// sweep calls this).
pub async fn forget_stale_sessions(
    db: &Db,
    clock: &Clock,
    idle_seconds: i64,
    lifetime_seconds: i64,
    failure_window: i64,
) -> Result<(), StoreError> {
    let now = clock.unix_seconds();
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM sessions WHERE last_seen <= $1 OR created_at <= $2")
            .bind(now - idle_seconds)
            .bind(now - lifetime_seconds)
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1").bind(now - failure_window).execute(pool).await?;
    });
    Ok(())
}

/// Records a failed sign-in under each of `keys`.
pub async fn record_sign_in_failure(db: &Db, clock: &Clock, keys: &[&str]) -> Result<(), StoreError> {
    let now = clock.unix_seconds();
    for key in keys {
        on_pool!(db, pool => {
            sqlx::query("INSERT INTO sign_in_failures (key, at) VALUES ($1, $2)").bind(*key).bind(now).execute(pool).await?;
        });
    }
    Ok(())
}

/// Failed sign-ins under `key` in the last `window` seconds.
pub async fn sign_in_failures(db: &Db, clock: &Clock, key: &str, window: i64) -> Result<u64, StoreError> {
    let since = clock.unix_seconds() - window;
    let n: i64 = on_pool!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures WHERE key = $1 AND at > $2")
            .bind(key)
            .bind(since)
            .fetch_one(pool)
            .await?
    });
    Ok(n as u64)
}

/// One line of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// When (RFC 3339).
    pub at: String,
    /// Who: an account's name, "command line", or the name tried at a failed sign-in.
    pub actor: String,
    /// What, as a short code (`sign-in`, `paper-count`, `export`, …).
    pub action: String,
    /// The petition it was about, if any.
    pub petition: Option<String>,
    /// Counts and slugs, never a signer's personal data.
    pub detail: String,
}

/// Adds a line to the audit log.
pub async fn audit(
    db: &Db,
    clock: &Clock,
    actor: &str,
    action: &str,
    petition: Option<&str>,
    detail: &str,
) -> Result<(), StoreError> {
    on_pool!(db, pool => {
        sqlx::query("INSERT INTO audit_log (at, actor, action, petition, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(clock.rfc3339())
            .bind(actor)
            .bind(action)
            .bind(petition)
            .bind(detail)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// The newest `limit` lines of the audit log, newest first (only those about
/// `petition` if given).
pub async fn audit_log(db: &Db, petition: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let rows: Vec<(String, String, String, Option<String>, String)> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT at, actor, action, petition, detail FROM audit_log
             WHERE $1 IS NULL OR petition = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(petition)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(at, actor, action, petition, detail)| AuditEntry { at, actor, action, petition, detail })
        .collect())
}
