//! The organiser's operations: petitions and their numbers, exports for
//! delivery and for partners, a signer's erasure, and the review of held
//! signatures. The command line (`petition-server admin …`) calls these.
//!
//! Every change that can move a count recounts it from the rows in the same
//! transaction, and takes back the date of any milestone the count has fallen
//! below: the numbers shown are always the rows that count.

use std::io::Write;

use serde::Serialize;
use sqlx::SqlitePool;

use crate::{clock::Clock, petition_file::PetitionFile, store::StoreError};

/// A petition as the organiser sees it.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The petition's name in embed tags and the API.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Signatures counted.
    pub signature_count: u64,
    /// Waiting for their email confirmation.
    pub pending: u64,
    /// Held for review (honeypot, too fast, burst).
    pub flagged: u64,
    /// Counted signatures made on each partner's page.
    pub partners: Vec<PartnerCount>,
    /// Each milestone and when it was reached.
    pub milestones: Vec<petition_core::Milestone>,
}

/// One partner's share of a petition.
#[derive(Debug, Serialize)]
pub struct PartnerCount {
    /// As in `data-partner`.
    pub slug: String,
    /// Counted signatures made on its pages.
    pub signature_count: u64,
    /// Of those, how many agreed to hear from it.
    pub consented: u64,
}

/// Every petition in the database, in slug order.
pub async fn list(pool: &SqlitePool) -> Result<Vec<Summary>, StoreError> {
    let petitions: Vec<(i64, String, String, i64)> =
        sqlx::query_as("SELECT id, slug, definition, signature_count FROM petitions ORDER BY slug").fetch_all(pool).await?;
    let mut summaries = Vec::with_capacity(petitions.len());
    for (id, slug, definition, count) in petitions {
        let definition: PetitionFile = serde_json::from_str(&definition)?;
        let by_status: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM signatures WHERE petition_id = ?1 GROUP BY status")
                .bind(id)
                .fetch_all(pool)
                .await?;
        let of = |status: &str| by_status.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n as u64);
        let partners: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT partner, COUNT(*), SUM(partner_consent) FROM signatures
             WHERE petition_id = ?1 AND status = 'counted' AND partner IS NOT NULL GROUP BY partner ORDER BY partner",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        let milestones: Vec<(i64, Option<String>)> =
            sqlx::query_as("SELECT count, reached_at FROM milestones WHERE petition_id = ?1 ORDER BY count")
                .bind(id)
                .fetch_all(pool)
                .await?;
        summaries.push(Summary {
            slug,
            title: definition.title,
            signature_count: count as u64,
            pending: of("pending"),
            flagged: of("flagged"),
            partners: partners
                .into_iter()
                .map(|(slug, count, consented)| PartnerCount {
                    slug,
                    signature_count: count as u64,
                    consented: consented as u64,
                })
                .collect(),
            milestones: milestones
                .into_iter()
                .filter(|(count, _)| definition.milestones.contains(&(*count as u64)))
                .map(|(count, reached_at)| petition_core::Milestone { count: count as u64, reached_at })
                .collect(),
        });
    }
    Ok(summaries)
}

/// Whom an export is for.
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    /// The campaign, delivering the petition: every counted signature.
    Organiser,
    /// A partner: only the people who signed on its pages and agreed to hear
    /// from it, and only what it needs to write to them.
    Partner(&'a str),
}

/// Rows fetched per query while exporting: the export never holds a read
/// open on the whole table, and reports progress between batches.
const EXPORT_BATCH: i64 = 1000;

/// Writes the petition's counted signatures as CSV to `out`, calling
/// `progress(done, total)` after each batch; returns how many rows.
///
/// Every cell is quoted, and one a spreadsheet would take for a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
/// prefixed with `'`, so opening the file runs nothing.
pub async fn export(
    pool: &SqlitePool,
    slug: &str,
    audience: Audience<'_>,
    out: &mut impl Write,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, ExportError> {
    let (petition_id,): (i64,) = sqlx::query_as("SELECT id FROM petitions WHERE slug = ?1")
        .bind(slug)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    let partner = match audience {
        Audience::Organiser => None,
        Audience::Partner(partner) => Some(partner),
    };
    // Erased signatures may still count, but have nothing to deliver.
    let filter = "petition_id = ?1 AND status = 'counted' AND erased_at IS NULL
                  AND (?2 IS NULL OR (partner = ?2 AND partner_consent = 1))";
    let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM signatures WHERE {filter}"))
        .bind(petition_id)
        .bind(partner)
        .fetch_one(pool)
        .await?;
    let columns: &[&str] = match audience {
        Audience::Organiser => &[
            "signed_at", "first_name", "last_name", "email", "postcode", "outside_uk", "profession", "reason",
            "organiser_consent", "organiser_consent_text", "partner", "partner_consent", "partner_consent_text",
            "consent_at", "source", "confirmed_at",
        ],
        Audience::Partner(_) => {
            &["signed_at", "first_name", "last_name", "email", "postcode", "partner_consent_text", "consent_at"]
        }
    };
    write_row(out, columns.iter().copied())?;
    let mut after = 0i64;
    let mut done = 0u64;
    loop {
        let rows: Vec<ExportRow> = sqlx::query_as(&format!(
            "SELECT id, created_at, first_name, last_name, email, postcode, outside_uk, profession, reason, consent,
                    consent_text, partner, partner_consent, partner_consent_text, consent_at, source, confirmed_at
             FROM signatures WHERE {filter} AND id > ?3 ORDER BY id LIMIT ?4"
        ))
        .bind(petition_id)
        .bind(partner)
        .bind(after)
        .bind(EXPORT_BATCH)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in rows.iter().map(ExportRow::text) {
            let cells: Vec<&str> = match audience {
                Audience::Organiser => vec![
                    &row.created_at, &row.first_name, &row.last_name, &row.email, &row.postcode, &row.outside_uk,
                    &row.profession, &row.reason, &row.consent, &row.consent_text, &row.partner,
                    &row.partner_consent, &row.partner_consent_text, &row.consent_at, &row.source,
                    &row.confirmed_at,
                ],
                Audience::Partner(_) => vec![
                    &row.created_at, &row.first_name, &row.last_name, &row.email, &row.postcode,
                    &row.partner_consent_text, &row.consent_at,
                ],
            };
            write_row(out, cells.into_iter())?;
        }
        done += rows.len() as u64;
        progress(done, total as u64);
    }
    out.flush()?;
    Ok(done)
}

/// A signature as exported; [`ExportRow::text`] gives every cell as text.
#[derive(sqlx::FromRow)]
struct ExportRow<T = Option<String>, B = bool> {
    id: i64,
    created_at: String,
    first_name: String,
    last_name: String,
    email: String,
    postcode: String,
    outside_uk: B,
    profession: T,
    reason: String,
    consent: B,
    consent_text: T,
    partner: T,
    partner_consent: B,
    partner_consent_text: T,
    consent_at: T,
    source: T,
    confirmed_at: T,
}

impl ExportRow {
    fn text(&self) -> ExportRow<String, String> {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let yes_no = |value: bool| if value { "yes" } else { "no" }.to_owned();
        ExportRow {
            id: self.id,
            created_at: self.created_at.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            postcode: self.postcode.clone(),
            outside_uk: yes_no(self.outside_uk),
            profession: text(&self.profession),
            reason: self.reason.clone(),
            consent: yes_no(self.consent),
            consent_text: text(&self.consent_text),
            partner: text(&self.partner),
            partner_consent: yes_no(self.partner_consent),
            partner_consent_text: text(&self.partner_consent_text),
            consent_at: text(&self.consent_at),
            source: text(&self.source),
            confirmed_at: text(&self.confirmed_at),
        }
    }
}

/// What can go wrong writing an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the signatures failed, or there is no such petition.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the file failed.
    #[error("could not write the export: {0}")]
    Write(#[from] std::io::Error),
}

impl From<sqlx::Error> for ExportError {
    fn from(error: sqlx::Error) -> ExportError {
        ExportError::Store(error.into())
    }
}

/// One CSV line (RFC 4180, CRLF), every cell quoted and made formula-safe.
fn write_row<'a>(out: &mut impl Write, cells: impl Iterator<Item = &'a str>) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push('"');
        if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            line.push('\'');
        }
        line.push_str(&cell.replace('"', "\"\""));
        line.push('"');
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}

/// What [`erase`] did.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Erased {
    /// Signatures whose personal data is gone.
    pub signatures: u64,
    /// Of those, how many no longer count (their petition says so).
    pub uncounted: u64,
}

/// Removes the personal data of every signature from `email` (compared in
/// its canonical form, as duplicates are), on every petition, at once: the
/// rows keep only when they were made, on which partner's page, and their
/// status. A petition whose file sets `erasure_keeps_count = false` also
/// stops counting them. Pending mail to the address is dropped.
pub async fn erase(pool: &SqlitePool, clock: &Clock, email: &str) -> Result<Erased, StoreError> {
    let canonical = petition_core::canonical_email(email);
    let now = clock.rfc3339();
    let mut tx = crate::db::begin_write(pool).await?;
    let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT signatures.id, petition_id, status, definition FROM signatures
         JOIN petitions ON petitions.id = signatures.petition_id WHERE canonical_email = ?1",
    )
    .bind(&canonical)
    .fetch_all(&mut *tx)
    .await?;
    let mut erased = Erased { signatures: 0, uncounted: 0 };
    for (id, petition_id, status, definition) in rows {
        let definition: PetitionFile = serde_json::from_str(&definition)?;
        // Counted signatures may keep counting; anything not yet counted
        // (pending, flagged) never will.
        let new_status = if status == "counted" && definition.erasure_keeps_count { "counted" } else { "erased" };
        erase_row(&mut tx, id, new_status, &now).await?;
        if status == "counted" && new_status != "counted" {
            erased.uncounted += 1;
            recount(&mut tx, petition_id, &now).await?;
        }
        erased.signatures += 1;
    }
    tx.commit().await?;
    forget_overwritten(pool).await?;
    Ok(erased)
}

/// Blanks one signature's personal data, sets its status, and drops every
/// mail and link that would reach its signer; `now` is when.
pub(crate) async fn erase_row(tx: &mut sqlx::SqliteConnection, id: i64, status: &str, now: &str) -> Result<(), StoreError> {
    // The profession goes with the rest: a counted one leaves the tally now.
    // (A row that stops counting is recounted by the caller.)
    sqlx::query(&format!(
        "UPDATE petitions SET healthcare_count = healthcare_count - 1
         WHERE id = (SELECT petition_id FROM signatures WHERE id = ?1 AND status = 'counted' AND profession IN {HEALTHCARE})",
        HEALTHCARE = crate::store::HEALTHCARE,
    ))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    // The canonical address must stay unique per petition: the row's id is.
    sqlx::query(
        "UPDATE signatures SET first_name = '', last_name = '', email = '', canonical_email = 'erased:' || id,
             postcode = '', reason = '', reason_status = NULL, profession = NULL, source = NULL,
             consent = 0, consent_text = NULL, partner_consent = 0, partner_consent_text = NULL, consent_at = NULL,
             source_hash = NULL, status = ?2, erased_at = ?3
         WHERE id = ?1",
    )
    .bind(id)
    .bind(status)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM outbox WHERE signature_id = ?1 AND sent_at IS NULL").bind(id).execute(&mut *tx).await?;
    sqlx::query("UPDATE outbox SET to_address = '' WHERE signature_id = ?1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM confirmations WHERE signature_id = ?1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM removals WHERE signature_id = ?1").bind(id).execute(&mut *tx).await?;
    Ok(())
}

/// After an erasure: the old versions of the rows are still in the
/// write-ahead log. Copies it into the database file (where, with
/// `secure_delete`, they are zeroed) and empties it.
pub(crate) async fn forget_overwritten(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
    Ok(())
}

/// Sets the petition's count, its partners' and the professionals' tally
/// to its counted rows, takes back the date of every milestone above the
/// count, and dates the ones it has newly reached (with `now`). Returns the
/// count. Reads every row of the petition: for the organiser's rare
/// corrections, never on a public path.
pub(crate) async fn recount(tx: &mut sqlx::SqliteConnection, petition_id: i64, now: &str) -> Result<u64, StoreError> {
    let before: i64 =
        sqlx::query_scalar("SELECT signature_count FROM petitions WHERE id = ?1").bind(petition_id).fetch_one(&mut *tx).await?;
    let count: i64 = sqlx::query_scalar(&format!(
        "UPDATE petitions SET
             signature_count = (SELECT COUNT(*) FROM signatures WHERE petition_id = ?1 AND status = 'counted'),
             healthcare_count = (SELECT COUNT(*) FROM signatures
                                 WHERE petition_id = ?1 AND status = 'counted' AND profession IN {HEALTHCARE})
         WHERE id = ?1 RETURNING signature_count",
        HEALTHCARE = crate::store::HEALTHCARE,
    ))
    .bind(petition_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM partner_counts WHERE petition_id = ?1").bind(petition_id).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO partner_counts (petition_id, partner, signature_count)
         SELECT petition_id, partner, COUNT(*) FROM signatures
         WHERE petition_id = ?1 AND status = 'counted' AND partner IS NOT NULL GROUP BY partner",
    )
    .bind(petition_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE milestones SET reached_at = NULL WHERE petition_id = ?1 AND count > ?2")
        .bind(petition_id)
        .bind(count)
        .execute(&mut *tx)
        .await?;
    // Only those crossed now: one added below the count stays undated.
    sqlx::query("UPDATE milestones SET reached_at = ?4 WHERE petition_id = ?1 AND count > ?2 AND count <= ?3")
        .bind(petition_id)
        .bind(before)
        .bind(count)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(count as u64)
}

/// A signature held for review.
#[derive(Debug, Serialize)]
pub struct Held {
    /// What `approve` and `reject` take.
    pub id: i64,
    /// When it was made.
    pub signed_at: String,
    /// Why it was held: `honeypot`, `too-fast` or `burst`.
    pub flag: String,
    /// The keyed hash of where it came from: many from one source suggest a bot.
    pub source: String,
    /// Who it says signed.
    pub name: String,
    /// Their address.
    pub email: String,
}

/// The petition's held signatures, oldest first.
pub async fn held(pool: &SqlitePool, slug: &str) -> Result<Vec<Held>, StoreError> {
    let petition_id = petition_id(pool, slug).await?;
    type Row = (i64, String, Option<String>, Option<String>, String, String, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, created_at, flag, source_hash, first_name, last_name, email FROM signatures
         WHERE petition_id = ?1 AND status = 'flagged' ORDER BY id",
    )
    .bind(petition_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, signed_at, flag, source, first, last, email)| Held {
            id,
            signed_at,
            flag: flag.unwrap_or_default(),
            source: source.unwrap_or_default(),
            name: format!("{first} {last}").trim().to_owned(),
            email,
        })
        .collect())
}

/// What to do with held signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A person after all: count it.
    Approve,
    /// Not a person: its personal data goes, and it never counts.
    Reject,
}

/// Applies `verdict` to the held signatures `ids` of the petition `slug`;
/// ids that are not held there are left alone. Returns how many changed and
/// the petition's count after.
pub async fn review(
    pool: &SqlitePool,
    clock: &Clock,
    slug: &str,
    ids: &[i64],
    verdict: Verdict,
) -> Result<(u64, u64), StoreError> {
    let petition_id = petition_id(pool, slug).await?;
    let now = clock.rfc3339();
    let mut tx = crate::db::begin_write(pool).await?;
    let mut changed = 0;
    for &id in ids {
        let held: Option<i64> =
            sqlx::query_scalar("SELECT id FROM signatures WHERE id = ?1 AND petition_id = ?2 AND status = 'flagged'")
                .bind(id)
                .bind(petition_id)
                .fetch_optional(&mut *tx)
                .await?;
        if held.is_none() {
            continue;
        }
        match verdict {
            Verdict::Approve => {
                sqlx::query("UPDATE signatures SET status = 'counted', flag = NULL WHERE id = ?1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            Verdict::Reject => erase_row(&mut tx, id, "rejected", &now).await?,
        }
        changed += 1;
    }
    let count = recount(&mut tx, petition_id, &now).await?;
    tx.commit().await?;
    Ok((changed, count))
}

/// A reason for signing held back from the widget (it has a link, or is
/// long), for the organiser to show or drop.
#[derive(Debug, Serialize)]
pub struct HeldReason {
    /// What `review_reasons` takes (the signature's id).
    pub id: i64,
    /// When it was given.
    pub signed_at: String,
    /// The words, as typed.
    pub reason: String,
}

/// The petition's held reasons (of counted signatures), oldest first.
pub async fn held_reasons(pool: &SqlitePool, slug: &str) -> Result<Vec<HeldReason>, StoreError> {
    let petition_id = petition_id(pool, slug).await?;
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, created_at, reason FROM signatures
         WHERE petition_id = ?1 AND reason_status = 'held' AND status = 'counted' ORDER BY id",
    )
    .bind(petition_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id, signed_at, reason)| HeldReason { id, signed_at, reason }).collect())
}

/// Shows (`Approve`) or drops (`Reject`: the words are deleted) the held
/// reasons of the signatures `ids`; others are left alone. Returns how many
/// changed.
pub async fn review_reasons(pool: &SqlitePool, slug: &str, ids: &[i64], verdict: Verdict) -> Result<u64, StoreError> {
    let petition_id = petition_id(pool, slug).await?;
    let mut tx = crate::db::begin_write(pool).await?;
    let mut changed = 0;
    for &id in ids {
        let query = match verdict {
            Verdict::Approve => "UPDATE signatures SET reason_status = 'public' WHERE id = ?1 AND petition_id = ?2 AND reason_status = 'held'",
            Verdict::Reject => "UPDATE signatures SET reason = '', reason_status = NULL WHERE id = ?1 AND petition_id = ?2 AND reason_status = 'held'",
        };
        changed += sqlx::query(query).bind(id).bind(petition_id).execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    Ok(changed)
}

/// Which counted signatures a batch invalidation takes out.
#[derive(Debug, Clone)]
pub enum Batch {
    /// Made between these two times (RFC 3339, inclusive).
    Between(String, String),
    /// From this source (the hash `held` shows).
    Source(String),
}

/// Stops counting the petition's signatures in `batch` (an attack found
/// after the fact), keeping them as `invalidated` for the record. Returns
/// how many and the count after; milestone dates above it are taken back.
pub async fn invalidate(pool: &SqlitePool, clock: &Clock, slug: &str, batch: &Batch) -> Result<(u64, u64), StoreError> {
    let petition_id = petition_id(pool, slug).await?;
    let mut tx = crate::db::begin_write(pool).await?;
    let query = match batch {
        Batch::Between(from, to) => sqlx::query(
            "UPDATE signatures SET status = 'invalidated'
             WHERE petition_id = ?1 AND status = 'counted' AND created_at >= ?2 AND created_at <= ?3",
        )
        .bind(petition_id)
        .bind(from)
        .bind(to),
        Batch::Source(source) => sqlx::query(
            "UPDATE signatures SET status = 'invalidated' WHERE petition_id = ?1 AND status = 'counted' AND source_hash = ?2",
        )
        .bind(petition_id)
        .bind(source),
    };
    let changed = query.execute(&mut *tx).await?.rows_affected();
    let count = recount(&mut tx, petition_id, &clock.rfc3339()).await?;
    tx.commit().await?;
    Ok((changed, count))
}

async fn petition_id(pool: &SqlitePool, slug: &str) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT id FROM petitions WHERE slug = ?1")
        .bind(slug)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> String {
        let mut out = Vec::new();
        write_row(&mut out, cells.iter().copied()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(row(&["Amara", "O\"Neil", "a,b"]), "\"Amara\",\"O\"\"Neil\",\"a,b\"\r\n");
        assert_eq!(row(&["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx"]), "\"'=HYPERLINK(\"\"x\"\")\",\"'+1\",\"'-2\",\"'@SUM(A1)\",\"'\tx\"\r\n");
        assert_eq!(row(&["line\nbreak", ""]), "\"line\nbreak\",\"\"\r\n");
    }
}
