//! Everything the server reads from and writes to the database.

use petition_core::{
    consent_text, milestones, reason_is_public, CountUpdate, Milestone, Partner, Petition, SignatureReceipt,
    ValidSignature,
};
use sqlx::SqlitePool;

use crate::petition_file::PetitionFile;

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
}

/// Creates the petition `file` describes, or updates its words and steps if it
/// exists. Signatures, the count and reached milestones are never touched.
pub async fn upsert_petition(pool: &SqlitePool, file: &PetitionFile) -> Result<(), StoreError> {
    let definition = serde_json::to_string(file)?;
    let now = now();
    let mut tx = pool.begin().await?;
    let (id, count): (i64, i64) = sqlx::query_as(
        "INSERT INTO petitions (slug, definition, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (slug) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
         RETURNING id, signature_count",
    )
    .bind(&file.slug)
    .bind(&definition)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    for &milestone in &file.milestones {
        // A milestone added below the current count was reached before anyone
        // recorded when; it stays without a date rather than claim one.
        sqlx::query("INSERT INTO milestones (petition_id, count) VALUES (?1, ?2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(milestone as i64)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    tracing::debug!(slug = %file.slug, count, "petition saved");
    Ok(())
}

/// How many public reasons the petition view carries.
const REASONS_SHOWN: i64 = 5;

/// The public view of the petition called `slug`.
pub async fn petition(pool: &SqlitePool, slug: &str) -> Result<Petition, StoreError> {
    let (id, definition, count) = find(pool, slug).await?;
    let milestones = milestones_of(pool, id, &definition).await?;
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT reason FROM signatures WHERE petition_id = ?1 AND reason_status = 'public' ORDER BY id DESC LIMIT ?2",
    )
    .bind(id)
    .bind(REASONS_SHOWN)
    .fetch_all(pool)
    .await?;
    let healthcare_professionals = if definition.show_profession_tally {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM signatures WHERE petition_id = ?1 AND profession IN ('doctor', 'nurse', 'midwife')",
        )
        .bind(id)
        .fetch_one(pool)
        .await?;
        Some(n as u64)
    } else {
        None
    };
    let by_partner: Vec<(String, i64)> = sqlx::query_as(
        "SELECT partner, COUNT(*) FROM signatures WHERE petition_id = ?1 AND partner IS NOT NULL GROUP BY partner",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let partners = definition
        .partners
        .iter()
        .map(|p| Partner {
            slug: p.slug.clone(),
            name: p.name.clone(),
            signature_count: by_partner.iter().find(|(slug, _)| *slug == p.slug).map_or(0, |(_, n)| *n as u64),
        })
        .collect();
    Ok(Petition {
        body: definition.paragraphs(),
        goal: milestones::goal_for(count, &definition.goal_steps),
        signature_count: count,
        milestones,
        show_count_from: definition.show_count_from,
        healthcare_professionals,
        reasons,
        partners,
        slug: definition.slug,
        organiser: definition.organiser,
        target: definition.target,
        title: definition.title,
        summary: definition.summary,
        supported_by: definition.supported_by,
        ask_profession: definition.ask_profession,
        share: definition.share,
        next_action: definition.next_action,
    })
}

/// What [`sign`] stores besides the validated fields.
#[derive(Debug, Clone, Default)]
pub struct Attribution {
    /// The partner's slug as sent by the widget (ignored unless the petition lists it).
    pub partner: String,
    /// Whether the person agreed to hear from that partner.
    pub partner_consent: bool,
    /// The share source, already cleaned by [`petition_core::share_source`].
    pub source: String,
}

/// The outcome of [`sign`]: the answer for the person, and the live update
/// for everyone else if the count changed.
pub struct Signed {
    /// What the person is told, whether or not they had signed before.
    pub receipt: SignatureReceipt,
    /// `Some` only when a new signature was counted.
    pub update: Option<CountUpdate>,
}

/// Stores `signature` on the petition called `slug` and returns the count.
///
/// The insert, the count and the milestone stamps change in one transaction,
/// committed before this returns. A repeat of an address that has signed
/// (by its canonical form) changes nothing and gets the same answer.
pub async fn sign(
    pool: &SqlitePool,
    slug: &str,
    signature: &ValidSignature,
    attribution: &Attribution,
) -> Result<Signed, StoreError> {
    let (id, definition, _) = find(pool, slug).await?;
    let now = now();
    // A partner the petition doesn't list gets no attribution and no consent:
    // nobody could honour consent given to an unknown organisation.
    let partner = definition.partners.iter().find(|p| p.slug == attribution.partner);
    let partner_consent = partner.is_some() && attribution.partner_consent;
    let any_consent = signature.consent || partner_consent;
    let reason_status = if signature.reason.is_empty() {
        None
    } else if reason_is_public(&signature.reason) {
        Some("public")
    } else {
        Some("held")
    };
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO signatures (petition_id, first_name, last_name, email, canonical_email, postcode, outside_uk,
                                 profession, reason, reason_status, consent, consent_text, partner,
                                 partner_consent, partner_consent_text, consent_at, source, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
         ON CONFLICT (petition_id, canonical_email) DO NOTHING",
    )
    .bind(id)
    .bind(&signature.first_name)
    .bind(&signature.last_name)
    .bind(&signature.email)
    .bind(signature.canonical_email())
    .bind(&signature.postcode)
    .bind(signature.outside_uk)
    .bind(signature.profession.map(|p| p.code()))
    .bind(&signature.reason)
    .bind(reason_status)
    .bind(signature.consent)
    .bind(signature.consent.then(|| definition.consent_text()))
    .bind(partner.map(|p| &p.slug))
    .bind(partner_consent)
    .bind(partner.filter(|_| partner_consent).map(|p| consent_text(&p.name)))
    .bind(any_consent.then_some(&now))
    .bind(Some(&attribution.source).filter(|s| !s.is_empty()))
    .bind(&now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let count: i64 = if inserted {
        let count: i64 = sqlx::query_scalar(
            "UPDATE petitions SET signature_count = signature_count + 1 WHERE id = ?1 RETURNING signature_count",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE milestones SET reached_at = ?1 WHERE petition_id = ?2 AND count <= ?3 AND reached_at IS NULL",
        )
        .bind(&now)
        .bind(id)
        .bind(count)
        .execute(&mut *tx)
        .await?;
        count
    } else {
        sqlx::query_scalar("SELECT signature_count FROM petitions WHERE id = ?1").bind(id).fetch_one(&mut *tx).await?
    };
    tx.commit().await?;
    let count = count as u64;
    let receipt = SignatureReceipt {
        signature_count: count,
        goal: milestones::goal_for(count, &definition.goal_steps),
        milestones: milestones_of(pool, id, &definition).await?,
    };
    let update = inserted.then(|| CountUpdate {
        slug: definition.slug.clone(),
        signature_count: receipt.signature_count,
        goal: receipt.goal,
        milestones: receipt.milestones.clone(),
    });
    Ok(Signed { receipt, update })
}

/// The live state of the petition called `slug`, as the count stream sends it.
pub async fn count_update(pool: &SqlitePool, slug: &str) -> Result<CountUpdate, StoreError> {
    let (id, definition, count) = find(pool, slug).await?;
    Ok(CountUpdate {
        goal: milestones::goal_for(count, &definition.goal_steps),
        signature_count: count,
        milestones: milestones_of(pool, id, &definition).await?,
        slug: definition.slug,
    })
}

/// The petition's milestone timeline. Only the milestones its file still lists
/// are shown; rows for removed ones stay in the database with their history.
async fn milestones_of(pool: &SqlitePool, id: i64, definition: &PetitionFile) -> Result<Vec<Milestone>, StoreError> {
    let rows: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT count, reached_at FROM milestones WHERE petition_id = ?1 ORDER BY count")
            .bind(id)
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .filter(|(count, _)| definition.milestones.contains(&(*count as u64)))
        .map(|(count, reached_at)| Milestone { count: count as u64, reached_at })
        .collect())
}

async fn find(pool: &SqlitePool, slug: &str) -> Result<(i64, PetitionFile, u64), StoreError> {
    let row: Option<(i64, String, i64)> =
        sqlx::query_as("SELECT id, definition, signature_count FROM petitions WHERE slug = ?1")
            .bind(slug)
            .fetch_optional(pool)
            .await?;
    let (id, definition, count) = row.ok_or(StoreError::NotFound)?;
    Ok((id, serde_json::from_str(&definition)?, count as u64))
}

/// The current time as RFC 3339 UTC, e.g. `2017-04-20T08:13:26Z`.
fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
