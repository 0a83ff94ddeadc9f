//! The organiser's reads and corrections: petitions and their numbers, rows
//! for export, erasure, the review of held signatures and reasons, and
//! batch invalidation.
//!
//! Every change that can move a count recounts it from the rows in the same
//! transaction, and takes back the date of any milestone the count has fallen
//! below: the numbers shown are always the rows that count.

use serde::Serialize;

use super::{
    on_conn, on_pool,
    petitions::petition_id,
    signing::{HEALTHCARE, TOTAL},
    Db, Status, StoreError, Tx,
};
use crate::{clock::Clock, petition_file::PetitionFile};

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
pub async fn list(db: &Db) -> Result<Vec<Summary>, StoreError> {
    let petitions: Vec<(i64, String, String, i64)> = on_pool!(db, pool => {
        sqlx::query_as(super::petitions::ALL_WITH_COUNT).fetch_all(pool).await?
    });
    let mut summaries = Vec::with_capacity(petitions.len());
    for (id, slug, definition, count) in petitions {
        let definition: PetitionFile = serde_json::from_str(&definition)?;
        type ByStatus = Vec<(String, i64)>;
        type Partners = Vec<(String, i64, i64)>;
        type Milestones = Vec<(i64, Option<String>)>;
        let (by_status, partners, milestones): (ByStatus, Partners, Milestones) =
            on_pool!(db, pool => (
                sqlx::query_as("SELECT status, COUNT(*) FROM signatures WHERE petition_id = $1 GROUP BY status")
                    .bind(id)
                    .fetch_all(pool)
                    .await?,
                sqlx::query_as(
                    "SELECT partner, COUNT(*), COUNT(*) FILTER (WHERE partner_consent) FROM signatures
                     WHERE petition_id = $1 AND status = 'counted' AND partner IS NOT NULL
                     GROUP BY partner ORDER BY partner",
                )
                .bind(id)
                .fetch_all(pool)
                .await?,
                sqlx::query_as("SELECT count, reached_at FROM milestones WHERE petition_id = $1 ORDER BY count")
                    .bind(id)
                    .fetch_all(pool)
                    .await?,
            ));
        let of = |status: Status| by_status.iter().find(|(s, _)| s == status.as_str()).map_or(0, |(_, n)| *n as u64);
        summaries.push(Summary {
            slug,
            title: definition.title,
            signature_count: count as u64,
            pending: of(Status::Pending),
            flagged: of(Status::Flagged),
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

/// A counted signature as exported, read in pages by [`export_page`].
#[derive(Debug, sqlx::FromRow)]
pub struct ExportRow {
    /// Where the next page starts after.
    pub id: i64,
    /// When it was made (RFC 3339).
    pub created_at: String,
    #[allow(missing_docs)]
    pub first_name: String,
    #[allow(missing_docs)]
    pub last_name: String,
    #[allow(missing_docs)]
    pub email: String,
    #[allow(missing_docs)]
    pub postcode: String,
    #[allow(missing_docs)]
    pub outside_uk: bool,
    #[allow(missing_docs)]
    pub profession: Option<String>,
    #[allow(missing_docs)]
    pub reason: String,
    /// Consent to hear from the organiser.
    pub consent: bool,
    /// The words the organiser's consent was given to.
    pub consent_text: Option<String>,
    #[allow(missing_docs)]
    pub partner: Option<String>,
    #[allow(missing_docs)]
    pub partner_consent: bool,
    #[allow(missing_docs)]
    pub partner_consent_text: Option<String>,
    #[allow(missing_docs)]
    pub consent_at: Option<String>,
    #[allow(missing_docs)]
    pub source: Option<String>,
    #[allow(missing_docs)]
    pub confirmed_at: Option<String>,
    /// The language the person signed in (a code of lang/), or empty for
    /// the petition's own: what to write to them in.
    pub lang: String,
}

// Which signatures an export holds: counted, not erased (an erased one may
// still count, but has nothing to deliver), and for a partner only those who
// signed on its pages and agreed to hear from it.
const EXPORT_FILTER: &str = "petition_id = $1 AND status = 'counted' AND erased_at IS NULL
                             AND (CAST($2 AS TEXT) IS NULL OR (partner = $2 AND partner_consent))";

/// The petition `slug`'s id and how many rows its export for `partner` (or
/// the organiser, if `None`) holds.
pub async fn export_total(db: &Db, slug: &str, partner: Option<&str>) -> Result<(i64, u64), StoreError> {
    let petition_id = petition_id(db, slug).await?;
    let sql = format!("SELECT COUNT(*) FROM signatures WHERE {EXPORT_FILTER}");
    let total: i64 =
        on_pool!(db, pool => sqlx::query_scalar(&sql).bind(petition_id).bind(partner).fetch_one(pool).await?);
    Ok((petition_id, total as u64))
}

/// Up to `limit` rows of the export, in id order, after the row `after`: the
/// export never holds a read open on the whole table.
pub async fn export_page(
    db: &Db,
    petition_id: i64,
    partner: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<ExportRow>, StoreError> {
    let sql = format!(
        "SELECT id, created_at, first_name, last_name, email, postcode, outside_uk, profession, reason, consent,
                consent_text, partner, partner_consent, partner_consent_text, consent_at, source, confirmed_at, lang
         FROM signatures WHERE {EXPORT_FILTER} AND id > $3 ORDER BY id LIMIT $4"
    );
    Ok(on_pool!(db, pool => {
        sqlx::query_as(&sql).bind(petition_id).bind(partner).bind(after).bind(limit).fetch_all(pool).await?
    }))
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
pub async fn erase(db: &Db, clock: &Clock, email: &str) -> Result<Erased, StoreError> {
    let canonical = petition_core::canonical_email(email);
    let now = clock.rfc3339();
    let mut tx = db.begin_write().await?;
    let rows: Vec<(i64, i64, String, String)> = on_conn!(tx, c => {
        sqlx::query_as(
            "SELECT signatures.id, petition_id, status, definition FROM signatures
             JOIN petitions ON petitions.id = signatures.petition_id WHERE canonical_email = $1",
        )
        .bind(&canonical)
        .fetch_all(&mut *c)
        .await?
    });
    let mut erased = Erased { signatures: 0, uncounted: 0 };
    for (id, petition_id, status, definition) in rows {
        let definition: PetitionFile = serde_json::from_str(&definition)?;
        let status = Status::parse(&status)?;
        // Counted signatures may keep counting; anything not yet counted
        // (pending, flagged) never will.
        let keeps_counting = status == Status::Counted && definition.erasure_keeps_count;
        erase_row(&mut tx, id, if keeps_counting { Status::Counted } else { Status::Erased }, &now).await?;
        if status == Status::Counted && !keeps_counting {
            erased.uncounted += 1;
            recount(&mut tx, petition_id, &now).await?;
        }
        erased.signatures += 1;
    }
    tx.commit().await?;
    forget_overwritten(db).await?;
    Ok(erased)
}

/// Blanks one signature's personal data, sets its status, and drops every
/// mail and link that would reach its signer; `now` is when.
pub(super) async fn erase_row(tx: &mut Tx<'_>, id: i64, status: Status, now: &str) -> Result<(), StoreError> {
    // The profession goes with the rest: a counted one leaves the tally now,
    // taken from the petition's row once its slots are folded into it (only
    // then: folding holds up signings while its transaction lasts).
    // (A row that stops counting is recounted by the caller.)
    let tallied = format!(
        "SELECT petition_id, COALESCE(status = 'counted' AND profession IN {HEALTHCARE}, FALSE) FROM signatures WHERE id = $1"
    );
    let (petition_id, professional): (i64, bool) =
        on_conn!(tx, c => sqlx::query_as(&tallied).bind(id).fetch_one(&mut *c).await?);
    if professional {
        fold_slots(tx, petition_id).await?;
        on_conn!(tx, c => {
            sqlx::query("UPDATE petitions SET healthcare_count = healthcare_count - 1 WHERE id = $1")
                .bind(petition_id)
                .execute(&mut *c)
                .await?;
        });
    }
    on_conn!(tx, c => {
        // The canonical address must stay unique per petition: the row's id is.
        sqlx::query(
            "UPDATE signatures SET first_name = '', last_name = '', email = '', canonical_email = 'erased:' || id,
                 postcode = '', reason = '', reason_status = NULL, profession = NULL, source = NULL,
                 consent = FALSE, consent_text = NULL, partner_consent = FALSE, partner_consent_text = NULL,
                 consent_at = NULL, source_hash = NULL, lang = '', status = $2, erased_at = $3
             WHERE id = $1",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(now)
        .execute(&mut *c)
        .await?;
        sqlx::query("DELETE FROM outbox WHERE signature_id = $1 AND sent_at IS NULL").bind(id).execute(&mut *c).await?;
        sqlx::query("UPDATE outbox SET to_address = '' WHERE signature_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM confirmations WHERE signature_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM removals WHERE signature_id = $1").bind(id).execute(&mut *c).await?;
    });
    Ok(())
}

/// Folds the petition's count slots into its row and `partner_counts`.
/// Exactly what is deleted is added, so a signing counting meanwhile is
/// neither lost nor counted twice: it waits for its slot's row, or makes a
/// new one that stays a slot.
async fn fold_slots(tx: &mut Tx<'_>, petition_id: i64) -> Result<(), StoreError> {
    lock_slots(tx).await?;
    let gone: Vec<(String, i64, i64)> = on_conn!(tx, c => {
        sqlx::query_as("DELETE FROM count_slots WHERE petition_id = $1 RETURNING partner, signatures, healthcare")
            .bind(petition_id)
            .fetch_all(&mut *c)
            .await?
    });
    let mut own = (0, 0);
    let mut partners: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (partner, signatures, healthcare) in gone {
        if partner.is_empty() {
            own = (own.0 + signatures, own.1 + healthcare);
        } else {
            *partners.entry(partner).or_default() += signatures;
        }
    }
    on_conn!(tx, c => {
        sqlx::query(
            "UPDATE petitions SET signature_count = signature_count + $2, healthcare_count = healthcare_count + $3
             WHERE id = $1",
        )
        .bind(petition_id)
        .bind(own.0)
        .bind(own.1)
        .execute(&mut *c)
        .await?;
        for (partner, signatures) in &partners {
            sqlx::query(
                "INSERT INTO partner_counts (petition_id, partner, signature_count) VALUES ($1, $2, $3)
                 ON CONFLICT (petition_id, partner) DO UPDATE
                 SET signature_count = partner_counts.signature_count + excluded.signature_count",
            )
            .bind(petition_id)
            .bind(partner)
            .bind(signatures)
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}

/// On PostgreSQL, stops every signing from counting into a slot until this
/// transaction ends. A recount needs it: a signing committed between the
/// count of the rows and the slots' deletion would count twice. Signings
/// wait for the correction (an organiser's, or a removal: rare), then count
/// on. Every transaction that folds or recounts takes it before any other
/// lock on the slots, so two of them queue rather than deadlock.
pub(super) async fn lock_slots(tx: &mut Tx<'_>) -> Result<(), StoreError> {
    if let Tx::Postgres(tx) = tx {
        sqlx::query("LOCK TABLE count_slots IN SHARE ROW EXCLUSIVE MODE").execute(&mut **tx).await?;
    }
    Ok(())
}

/// After an erasure: clears what the database keeps of the old versions of
/// the erased rows, as far as the backend allows (see [`super::postgres`]).
pub(super) async fn forget_overwritten(db: &Db) -> Result<(), StoreError> {
    match db {
        Db::Sqlite(pool, _) => super::sqlite::forget_overwritten(pool).await,
        Db::Postgres(pool) => super::postgres::forget_overwritten(pool).await,
    }
}

/// Rewrites what holds signatures so that nothing erased is left in the
/// database's files: on PostgreSQL a `VACUUM FULL` (it locks the tables
/// while it runs: for a quiet hour); on SQLite, where every erasure does
/// this already, a checkpoint.
pub async fn compact(db: &Db) -> Result<(), StoreError> {
    match db {
        Db::Sqlite(pool, _) => super::sqlite::forget_overwritten(pool).await,
        Db::Postgres(pool) => super::postgres::compact(pool).await,
    }
}

/// Sets the petition's count, its partners' and the professionals' tally
/// to its counted rows (the count with its paper signatures added back:
/// they have no rows), takes back the date of every milestone above the
/// count, and dates the ones it has newly reached (with `now`). Returns the
/// count. Reads every row of the petition: for the organiser's rare
/// corrections, never on a public path.
pub(super) async fn recount(tx: &mut Tx<'_>, petition_id: i64, now: &str) -> Result<u64, StoreError> {
    let count_sql = format!(
        "UPDATE petitions SET
             signature_count = (SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted')
                               + paper_count,
             healthcare_count = (SELECT COUNT(*) FROM signatures
                                 WHERE petition_id = $1 AND status = 'counted' AND profession IN {HEALTHCARE})
         WHERE id = $1 RETURNING signature_count",
    );
    lock_slots(tx).await?;
    let (before, count): (i64, i64) = on_conn!(tx, c => {
        // Takes the petition's row too (signings near a milestone queue for it).
        sqlx::query("UPDATE petitions SET signature_count = signature_count WHERE id = $1")
            .bind(petition_id)
            .execute(&mut *c)
            .await?;
        let before: i64 = sqlx::query_scalar(TOTAL).bind(petition_id).fetch_one(&mut *c).await?;
        sqlx::query("DELETE FROM count_slots WHERE petition_id = $1").bind(petition_id).execute(&mut *c).await?;
        let count: i64 = sqlx::query_scalar(&count_sql).bind(petition_id).fetch_one(&mut *c).await?;
        sqlx::query("DELETE FROM partner_counts WHERE petition_id = $1").bind(petition_id).execute(&mut *c).await?;
        sqlx::query(
            "INSERT INTO partner_counts (petition_id, partner, signature_count)
             SELECT petition_id, partner, COUNT(*) FROM signatures
             WHERE petition_id = $1 AND status = 'counted' AND partner IS NOT NULL GROUP BY petition_id, partner",
        )
        .bind(petition_id)
        .execute(&mut *c)
        .await?;
        (before, count)
    });
    redate_milestones(tx, petition_id, before, count, now).await?;
    Ok(count as u64)
}

/// After the petition's total went from `before` to `count` in an
/// organiser's correction: takes back the date of every milestone above
/// `count`, and dates (with `now`) those crossed on the way up. Only those
/// crossed now: one added below the count stays undated. The caller holds
/// the slots and the petition's row (see [`lock_slots`]), so no signing
/// dates one meanwhile.
pub(super) async fn redate_milestones(
    tx: &mut Tx<'_>,
    petition_id: i64,
    before: i64,
    count: i64,
    now: &str,
) -> Result<(), StoreError> {
    on_conn!(tx, c => {
        // Below the count again: no longer reached, so no longer "reached,
        // date unknown" either; crossing it again dates it.
        sqlx::query("UPDATE milestones SET reached_at = NULL, undated = FALSE WHERE petition_id = $1 AND count > $2")
            .bind(petition_id)
            .bind(count)
            .execute(&mut *c)
            .await?;
        sqlx::query("UPDATE milestones SET reached_at = $4 WHERE petition_id = $1 AND count > $2 AND count <= $3")
            .bind(petition_id)
            .bind(before)
            .bind(count)
            .bind(now)
            .execute(&mut *c)
            .await?;
    });
    Ok(())
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
pub async fn held(db: &Db, slug: &str) -> Result<Vec<Held>, StoreError> {
    let petition_id = petition_id(db, slug).await?;
    type Row = (i64, String, Option<String>, Option<String>, String, String, String);
    let rows: Vec<Row> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT id, created_at, flag, source_hash, first_name, last_name, email FROM signatures
             WHERE petition_id = $1 AND status = 'flagged' ORDER BY id",
        )
        .bind(petition_id)
        .fetch_all(pool)
        .await?
    });
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
pub async fn review(db: &Db, clock: &Clock, slug: &str, ids: &[i64], verdict: Verdict) -> Result<(u64, u64), StoreError> {
    let petition_id = petition_id(db, slug).await?;
    let now = clock.rfc3339();
    let mut tx = db.begin_write().await?;
    let mut changed = 0;
    for &id in ids {
        let held: Option<i64> = on_conn!(tx, c => {
            sqlx::query_scalar("SELECT id FROM signatures WHERE id = $1 AND petition_id = $2 AND status = 'flagged'")
                .bind(id)
                .bind(petition_id)
                .fetch_optional(&mut *c)
                .await?
        });
        if held.is_none() {
            continue;
        }
        match verdict {
            Verdict::Approve => on_conn!(tx, c => {
                sqlx::query("UPDATE signatures SET status = 'counted', flag = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
            }),
            Verdict::Reject => erase_row(&mut tx, id, Status::Rejected, &now).await?,
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
pub async fn held_reasons(db: &Db, slug: &str) -> Result<Vec<HeldReason>, StoreError> {
    let petition_id = petition_id(db, slug).await?;
    let rows: Vec<(i64, String, String)> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT id, created_at, reason FROM signatures
             WHERE petition_id = $1 AND reason_status = 'held' AND status = 'counted' ORDER BY id",
        )
        .bind(petition_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().map(|(id, signed_at, reason)| HeldReason { id, signed_at, reason }).collect())
}

/// Shows (`Approve`) or drops (`Reject`: the words are deleted) the held
/// reasons of the signatures `ids`; others are left alone. Returns how many
/// changed.
pub async fn review_reasons(db: &Db, slug: &str, ids: &[i64], verdict: Verdict) -> Result<u64, StoreError> {
    let petition_id = petition_id(db, slug).await?;
    let query = match verdict {
        Verdict::Approve => {
            "UPDATE signatures SET reason_status = 'public' WHERE id = $1 AND petition_id = $2 AND reason_status = 'held'"
        }
        Verdict::Reject => {
            "UPDATE signatures SET reason = '', reason_status = NULL
             WHERE id = $1 AND petition_id = $2 AND reason_status = 'held'"
        }
    };
    let mut tx = db.begin_write().await?;
    let mut changed = 0;
    for &id in ids {
        changed += on_conn!(tx, c => {
            sqlx::query(query).bind(id).bind(petition_id).execute(&mut *c).await?.rows_affected()
        });
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
pub async fn invalidate(db: &Db, clock: &Clock, slug: &str, batch: &Batch) -> Result<(u64, u64), StoreError> {
    let petition_id = petition_id(db, slug).await?;
    let mut tx = db.begin_write().await?;
    let changed = on_conn!(tx, c => match batch {
        Batch::Between(from, to) => sqlx::query(
            "UPDATE signatures SET status = 'invalidated'
             WHERE petition_id = $1 AND status = 'counted' AND created_at >= $2 AND created_at <= $3",
        )
        .bind(petition_id)
        .bind(from)
        .bind(to)
        .execute(&mut *c)
        .await?
        .rows_affected(),
        Batch::Source(source) => sqlx::query(
            "UPDATE signatures SET status = 'invalidated' WHERE petition_id = $1 AND status = 'counted' AND source_hash = $2",
        )
        .bind(petition_id)
        .bind(source)
        .execute(&mut *c)
        .await?
        .rows_affected(),
    });
    let count = recount(&mut tx, petition_id, &clock.rfc3339()).await?;
    tx.commit().await?;
    Ok((changed, count))
}
