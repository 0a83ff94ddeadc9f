//! The outbox's reads and writes: mail due, claimed, sent or failed, and the
//! links mail carries.

use super::{on_pool, Db, Status, StoreError};

/// How long a claimed mail is left to the instance that claimed it. If that
/// instance dies mid-send, another takes the mail up after this.
const CLAIM_LEASE_SECONDS: i64 = 5 * 60;

/// The most mails one pass claims.
const CLAIM_AT_ONCE: i64 = 50;

/// A mail claimed for delivery.
#[derive(Debug)]
pub struct Due {
    /// The outbox row.
    pub id: i64,
    /// The signature it is about.
    pub signature_id: i64,
    /// Where it goes.
    pub to: String,
    /// Failed attempts so far.
    pub attempts: i64,
    /// `confirm` or `removal`.
    pub kind: String,
    /// The signature's status now (it may have changed since the mail was queued).
    pub status: Status,
    /// The petition's definition (JSON).
    pub definition: String,
    /// The language to write it in: the one it was queued in, else its
    /// signature's; empty for neither (the petition's own, then).
    pub lang: String,
}

/// The two kinds of link a mail carries, by the table their hashes live in.
#[derive(Debug, Clone, Copy)]
pub enum LinkTable {
    /// `confirmations`.
    Confirm,
    /// `removals`.
    Remove,
}

impl LinkTable {
    fn name(self) -> &'static str {
        match self {
            LinkTable::Confirm => "confirmations",
            LinkTable::Remove => "removals",
        }
    }
}

/// Drops links that have stopped working.
pub async fn drop_expired_links(db: &Db, unix_now: i64) -> Result<(), StoreError> {
    for table in [LinkTable::Confirm, LinkTable::Remove] {
        let sql = format!("DELETE FROM {} WHERE expires_at < $1", table.name());
        on_pool!(db, pool => {
            sqlx::query(&sql).bind(unix_now).execute(pool).await?;
        });
    }
    Ok(())
}

/// Claims the mail due now (fewer than `max_attempts` failures), oldest
/// first: each is leased to this instance for a few minutes. With several
/// instances on PostgreSQL the rows are taken with `FOR UPDATE SKIP
/// LOCKED`, so two instances never claim the same mail.
pub async fn claim_due_mail(db: &Db, max_attempts: i64, unix_now: i64) -> Result<Vec<Due>, StoreError> {
    let locking = match db {
        Db::Sqlite(..) => "",
        Db::Postgres(_) => "FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "UPDATE outbox SET next_attempt_at = $3
         WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND attempts < $1 AND next_attempt_at <= $2
                      ORDER BY id LIMIT $4 {locking})
         RETURNING id, signature_id, to_address, attempts, kind",
    );
    let mut claimed: Vec<(i64, i64, String, i64, String)> = on_pool!(db, pool => {
        sqlx::query_as(&sql)
            .bind(max_attempts)
            .bind(unix_now)
            .bind(unix_now + CLAIM_LEASE_SECONDS)
            .bind(CLAIM_AT_ONCE)
            .fetch_all(pool)
            .await?
    });
    claimed.sort_by_key(|row| row.0);
    let mut due = Vec::with_capacity(claimed.len());
    for (id, signature_id, to, attempts, kind) in claimed {
        let (status, definition, lang): (String, String, String) = on_pool!(db, pool => {
            sqlx::query_as(
                "SELECT signatures.status, petitions.definition, COALESCE(NULLIF(outbox.lang, ''), signatures.lang)
                 FROM outbox JOIN signatures ON signatures.id = outbox.signature_id
                 JOIN petitions ON petitions.id = signatures.petition_id WHERE outbox.id = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await?
        });
        due.push(Due { id, signature_id, to, attempts, kind, status: Status::parse(&status)?, definition, lang });
    }
    Ok(due)
}

/// Marks the mail `id` sent (or no longer needed): its address goes.
pub async fn mail_sent(db: &Db, id: i64, unix_now: i64) -> Result<(), StoreError> {
    on_pool!(db, pool => {
        sqlx::query("UPDATE outbox SET sent_at = $1, to_address = '', last_error = NULL WHERE id = $2")
            .bind(unix_now)
            .bind(id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Records a failed attempt at the mail `id`: `error` (with no address in
/// it), and when to try again.
pub async fn mail_failed(db: &Db, id: i64, retry_at: i64, error: &str) -> Result<(), StoreError> {
    on_pool!(db, pool => {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3")
            .bind(retry_at)
            .bind(error)
            .bind(id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// When the next mail falls due (Unix seconds), if any is waiting.
pub async fn next_mail_due(db: &Db, max_attempts: i64) -> Result<Option<i64>, StoreError> {
    Ok(on_pool!(db, pool => {
        sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM outbox WHERE sent_at IS NULL AND attempts < $1")
            .bind(max_attempts)
            .fetch_one(pool)
            .await?
    }))
}

/// The outbox's backlog, for the metrics: mails not sent yet that will be
/// tried (again), mails given up on after `max_attempts`, and when the
/// oldest of those still to be tried was queued (Unix seconds).
pub async fn outbox_backlog(db: &Db, max_attempts: i64) -> Result<(i64, i64, Option<i64>), StoreError> {
    Ok(on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE attempts < $1), COUNT(*) FILTER (WHERE attempts >= $1),
                    MIN(created_at) FILTER (WHERE attempts < $1)
             FROM outbox WHERE sent_at IS NULL",
        )
        .bind(max_attempts)
        .fetch_one(pool)
        .await?
    }))
}

/// Stores a link's hash (never its token) for `signature_id` until `expires_at`.
pub async fn add_link(db: &Db, table: LinkTable, hash: &str, signature_id: i64, expires_at: i64) -> Result<(), StoreError> {
    let sql = format!("INSERT INTO {} (hash, signature_id, expires_at) VALUES ($1, $2, $3)", table.name());
    on_pool!(db, pool => {
        sqlx::query(&sql).bind(hash).bind(signature_id).bind(expires_at).execute(pool).await?;
    });
    Ok(())
}

/// Drops a link nobody received (its mail failed): it must not stay usable.
pub async fn drop_link(db: &Db, table: LinkTable, hash: &str) -> Result<(), StoreError> {
    let sql = format!("DELETE FROM {} WHERE hash = $1", table.name());
    on_pool!(db, pool => {
        sqlx::query(&sql).bind(hash).execute(pool).await?;
    });
    Ok(())
}
