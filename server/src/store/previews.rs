//! Drafts shown in the dashboard editor's preview: the petition as it is
//! being typed, kept in the database (so that any instance can serve the
//! widget's requests for it) under a random token, until a day after it was
//! last changed.

use super::{on_pool, Db, StoreError};
use crate::{clock::Clock, petition_file::PetitionFile};

/// How long a draft is kept after its last change, in seconds.
pub const PREVIEW_KEPT_SECONDS: i64 = 24 * 60 * 60;

/// Keeps `definition` as the draft `token` of account `account_id`; `false`
/// (and nothing changed) if another account's draft has that token. Drafts
/// past [`PREVIEW_KEPT_SECONDS`] are deleted on the way.
pub async fn save_preview(
    db: &Db,
    clock: &Clock,
    token: &str,
    account_id: i64,
    definition: &PetitionFile,
) -> Result<bool, StoreError> {
    let definition = serde_json::to_string(definition)?;
    let now = clock.unix_seconds();
    let saved = on_pool!(db, pool => {
        sqlx::query("DELETE FROM petition_previews WHERE at < $1")
            .bind(now - PREVIEW_KEPT_SECONDS)
            .execute(pool)
            .await?;
        sqlx::query(
            "INSERT INTO petition_previews (token, account_id, definition, at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (token) DO UPDATE SET definition = excluded.definition, at = excluded.at
             WHERE petition_previews.account_id = excluded.account_id",
        )
        .bind(token)
        .bind(account_id)
        .bind(&definition)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(saved == 1)
}

/// The draft kept as `token`, unless it has expired.
pub async fn preview(db: &Db, clock: &Clock, token: &str) -> Result<Option<PetitionFile>, StoreError> {
    let definition: Option<String> = on_pool!(db, pool => {
        sqlx::query_scalar("SELECT definition FROM petition_previews WHERE token = $1 AND at >= $2")
            .bind(token)
            .bind(clock.unix_seconds() - PREVIEW_KEPT_SECONDS)
            .fetch_optional(pool)
            .await?
    });
    Ok(definition.map(|definition| serde_json::from_str(&definition)).transpose()?)
}
