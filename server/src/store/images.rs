//! An organiser's pictures (see [`crate::pictures`]): kept per petition, one
//! of each kind, replaced whenever the petition's file is loaded from the
//! petitions folder.

use super::{on_conn, on_pool, petitions::petition_id, Db, StoreError};
use crate::{
    clock::Clock,
    pictures::{Kind, Picture},
};

/// A stored picture without its bytes: what the page needs to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureSize {
    /// Hero image or logo.
    pub kind: Kind,
    /// The file it came from.
    pub file_name: String,
    /// In pixels, as encoded.
    pub width: u32,
    /// In pixels, as encoded.
    pub height: u32,
    /// SHA-256 of its bytes (hex).
    pub digest: String,
}

/// Gives petition `slug` exactly `pictures`: each replaces the stored one of
/// its kind, and a kind not among them is removed (its file no longer
/// names one).
pub async fn keep_pictures(
    db: &Db,
    clock: &Clock,
    slug: &str,
    pictures: &[Picture],
) -> Result<(), StoreError> {
    let id = petition_id(db, slug).await?;
    let at = clock.rfc3339();
    let mut tx = db.begin_write().await?;
    on_conn!(tx, conn => {
        sqlx::query("DELETE FROM petition_images WHERE petition_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        for picture in pictures {
            sqlx::query(
                "INSERT INTO petition_images (petition_id, kind, file_name, width, height, bytes, digest, stored_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(picture.kind.as_str())
            .bind(&picture.file_name)
            .bind(i64::from(picture.width))
            .bind(i64::from(picture.height))
            .bind(&picture.bytes)
            .bind(&picture.digest)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
    });
    tx.commit().await?;
    Ok(())
}

/// The sizes of petition `slug`'s stored pictures (none if it has none, or
/// there is no such petition).
pub async fn picture_sizes(db: &Db, slug: &str) -> Result<Vec<PictureSize>, StoreError> {
    let rows: Vec<(String, String, i64, i64, String)> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT i.kind, i.file_name, i.width, i.height, i.digest
             FROM petition_images i JOIN petitions p ON p.id = i.petition_id
             WHERE p.slug = $1 ORDER BY i.kind",
        )
        .bind(slug)
        .fetch_all(pool)
        .await?
    });
    rows.into_iter()
        .map(|(kind, file_name, width, height, digest)| {
            Ok(PictureSize {
                kind: Kind::parse(&kind).ok_or(StoreError::Unknown(kind))?,
                file_name,
                width: u32::try_from(width).unwrap_or(0),
                height: u32::try_from(height).unwrap_or(0),
                digest,
            })
        })
        .collect()
}

/// Petition `slug`'s stored picture of `kind`: the file it came from, its
/// bytes and their digest.
pub async fn picture(
    db: &Db,
    slug: &str,
    kind: Kind,
) -> Result<Option<(String, Vec<u8>, String)>, StoreError> {
    Ok(on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT i.file_name, i.bytes, i.digest
             FROM petition_images i JOIN petitions p ON p.id = i.petition_id
             WHERE p.slug = $1 AND i.kind = $2",
        )
        .bind(slug)
        .bind(kind.as_str())
        .fetch_optional(pool)
        .await?
    }))
}
