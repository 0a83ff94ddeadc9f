//! Everything the server reads from and writes to the database.

use petition_core::{
    consent_text, milestones, reason_is_public, CountUpdate, Milestone, Partner, Petition, SignatureReceipt,
    ValidSignature,
};
use sqlx::SqlitePool;

use crate::{clock::Clock, guard::Flag, petition_file::PetitionFile};

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
}

/// The server's secret called `name`, made (32 random bytes) and stored the
/// first time it is asked for. Two servers starting together on one database
/// end up with the same one: the first insert wins, both read it back.
pub async fn secret(pool: &SqlitePool, clock: &Clock, name: &str) -> Result<Vec<u8>, StoreError> {
    let mut fresh = [0u8; 32];
    getrandom::getrandom(&mut fresh).expect("the operating system provides randomness");
    sqlx::query("INSERT INTO server_secrets (name, secret, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")
        .bind(name)
        .bind(&fresh[..])
        .bind(clock.rfc3339())
        .execute(pool)
        .await?;
    Ok(sqlx::query_scalar("SELECT secret FROM server_secrets WHERE name = ?1").bind(name).fetch_one(pool).await?)
}

/// Creates the petition `file` describes, or updates its words and steps if it
/// exists. Signatures, the count and reached milestones are never touched.
pub async fn upsert_petition(pool: &SqlitePool, clock: &Clock, file: &PetitionFile) -> Result<(), StoreError> {
    let definition = serde_json::to_string(file)?;
    let now = clock.rfc3339();
    let mut tx = crate::db::begin_write(pool).await?;
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

// The petition view's statements besides `find` and `milestones_of`: each
// reads a few rows by key, whatever the number of signatures (the maintained
// counts, and an index holding exactly the reasons shown). A test holds
// their query plans to that.
const VIEW_REASONS: &str = "SELECT reason FROM signatures WHERE petition_id = ?1 AND reason_status = 'public' \
                            AND status = 'counted' ORDER BY id DESC LIMIT ?2";
const VIEW_HEALTHCARE: &str = "SELECT healthcare_count FROM petitions WHERE id = ?1";
const VIEW_PARTNERS: &str = "SELECT partner, signature_count FROM partner_counts WHERE petition_id = ?1";
const VIEW_FIND: &str = "SELECT id, definition, signature_count FROM petitions WHERE slug = ?1";
const VIEW_MILESTONES: &str = "SELECT count, reached_at FROM milestones WHERE petition_id = ?1 ORDER BY count";

/// Every statement a petition read runs, for the test of their query plans.
pub const PETITION_VIEW_STATEMENTS: [&str; 5] = [VIEW_FIND, VIEW_MILESTONES, VIEW_REASONS, VIEW_HEALTHCARE, VIEW_PARTNERS];

/// The public view of the petition called `slug`: the same for everyone.
///
/// Everything in it counts only counted signatures: flagged ones wait for
/// the organiser, their reasons unseen.
pub async fn petition(pool: &SqlitePool, clock: &Clock, slug: &str) -> Result<Petition, StoreError> {
    let (id, definition, count) = find(pool, slug).await?;
    let milestones = milestones_of(pool, id, &definition).await?;
    let reasons: Vec<String> = sqlx::query_scalar(VIEW_REASONS)
    .bind(id)
    .bind(REASONS_SHOWN)
    .fetch_all(pool)
    .await?;
    let healthcare_professionals = if definition.show_profession_tally {
        let n: i64 = sqlx::query_scalar(VIEW_HEALTHCARE).bind(id).fetch_one(pool).await?;
        Some(n as u64)
    } else {
        None
    };
    let by_partner: Vec<(String, i64)> = sqlx::query_as(VIEW_PARTNERS).bind(id).fetch_all(pool).await?;
    let partners = definition
        .partners
        .iter()
        .map(|p| Partner {
            slug: p.slug.clone(),
            name: p.name.clone(),
            signature_count: by_partner.iter().find(|(slug, _)| *slug == p.slug).map_or(0, |(_, n)| *n as u64),
        })
        .collect();
    let closed = definition.is_closed(clock.now());
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
        confirm_by_email: definition.confirm_by_email,
        closed,
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
    /// The keyed hash of where the request came from.
    pub source_hash: String,
}

/// What the guard made of a signature: see [`crate::guard`].
#[derive(Debug, Clone)]
pub struct Screening {
    /// Why it is stored but not counted, or `None` to count it.
    pub flag: Option<Flag>,
    /// The challenge it answered, spent with it.
    pub challenge_id: String,
    /// When the challenge expires (Unix seconds): its record can go then.
    pub challenge_expires: i64,
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
/// The challenge is spent, and the insert, the count and the milestone stamps
/// change, in one transaction committed before this returns. A repeat of an
/// address that has signed (by its canonical form) changes nothing and gets
/// the same answer, except that a clean signature takes the place of a
/// flagged one from the same address: a bot that got there first must not
/// keep the person from being counted.
pub async fn sign(
    pool: &SqlitePool,
    clock: &Clock,
    slug: &str,
    signature: &ValidSignature,
    attribution: &Attribution,
    screening: &Screening,
) -> Result<Signed, StoreError> {
    let (id, definition, _) = find(pool, slug).await?;
    if definition.is_closed(clock.now()) {
        return Err(StoreError::Closed);
    }
    let now = clock.rfc3339();
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
    let status = match screening.flag {
        Some(_) => "flagged",
        None if definition.confirm_by_email => "pending",
        None => "counted",
    };
    let mut tx = crate::db::begin_write(pool).await?;
    let unix_now = clock.unix_seconds();
    sqlx::query("DELETE FROM spent_challenges WHERE expires_at < ?1").bind(unix_now).execute(&mut *tx).await?;
    let fresh = sqlx::query("INSERT INTO spent_challenges (id, expires_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING")
        .bind(&screening.challenge_id)
        .bind(screening.challenge_expires)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if !fresh {
        return Err(StoreError::Spent);
    }
    let stored: Option<(i64, String, Option<String>, bool)> = sqlx::query_as(&format!(
        "INSERT INTO signatures (petition_id, first_name, last_name, email, canonical_email, postcode, outside_uk,
                                 profession, reason, reason_status, consent, consent_text, partner,
                                 partner_consent, partner_consent_text, consent_at, source, created_at,
                                 status, flag, source_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)
         ON CONFLICT (petition_id, canonical_email) DO UPDATE SET
             first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email,
             postcode = excluded.postcode, outside_uk = excluded.outside_uk, profession = excluded.profession,
             reason = excluded.reason, reason_status = excluded.reason_status, consent = excluded.consent,
             consent_text = excluded.consent_text, partner = excluded.partner,
             partner_consent = excluded.partner_consent, partner_consent_text = excluded.partner_consent_text,
             consent_at = excluded.consent_at, source = excluded.source, created_at = excluded.created_at,
             status = excluded.status, flag = NULL, source_hash = excluded.source_hash
           WHERE (signatures.status = 'flagged' AND excluded.status <> 'flagged')
              OR (signatures.status = 'pending' AND excluded.status = 'pending')
         RETURNING id, status, partner, COALESCE(profession IN {HEALTHCARE}, 0)",
    ))
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
    .bind(status)
    .bind(screening.flag.map(Flag::code))
    .bind(&attribution.source_hash)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((signature_id, "pending")) = stored.as_ref().map(|(id, status, ..)| (*id, status.as_str())) {
        queue_mail(&mut tx, signature_id, &signature.email, "confirm", unix_now).await?;
    }
    let counted = stored.as_ref().is_some_and(|(_, status, ..)| status == "counted");
    if let Some(flag) = screening.flag {
        tracing::info!(flag = flag.code(), "signature held for review");
    }
    let count = if let Some((_, _, partner, professional)) = stored.as_ref().filter(|_| counted) {
        count_one(&mut tx, id, partner.as_deref(), *professional, &now).await?
    } else {
        let count: i64 =
            sqlx::query_scalar("SELECT signature_count FROM petitions WHERE id = ?1").bind(id).fetch_one(&mut *tx).await?;
        count as u64
    };
    tx.commit().await?;
    let receipt = receipt(pool, id, &definition, count).await?;
    let update = counted.then(|| CountUpdate {
        slug: definition.slug.clone(),
        signature_count: receipt.signature_count,
        goal: receipt.goal,
        milestones: receipt.milestones.clone(),
    });
    Ok(Signed { receipt, update })
}

/// Puts a mail of `kind` (`confirm` or `removal`) for a signature in the
/// outbox, unless it has caused a few today already. A repeat of a pending
/// signature asks for confirmation again: the first mail may have been lost,
/// and every link sent keeps working until one is used.
async fn queue_mail(
    tx: &mut sqlx::SqliteConnection,
    signature_id: i64,
    to: &str,
    kind: &str,
    unix_now: i64,
) -> Result<(), StoreError> {
    let recent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE signature_id = ?1 AND created_at > ?2")
        .bind(signature_id)
        .bind(unix_now - 24 * 60 * 60)
        .fetch_one(&mut *tx)
        .await?;
    if recent < crate::mail::PER_SIGNATURE_PER_DAY {
        sqlx::query(
            "INSERT INTO outbox (signature_id, to_address, kind, created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        )
        .bind(signature_id)
        .bind(to)
        .bind(kind)
        .bind(unix_now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// What [`confirm`] did.
pub enum Confirmed {
    /// The signature now counts; the live update for everyone watching.
    Now {
        /// The petition's title, for the page that says so.
        title: String,
        /// The petition's new state.
        update: CountUpdate,
    },
    /// No pending signature has that link: used already, expired, or never sent.
    NotPending,
}

/// The two kinds of link a mail carries.
enum Link {
    Confirm,
    Remove,
}

/// Whether a link whose token hashes to `hash` exists and works. Asked
/// before the write lock is taken: a guessed or spent link costs a read and
/// never holds up a signing.
async fn link_is_current(pool: &SqlitePool, clock: &Clock, link: Link, hash: &str) -> Result<bool, StoreError> {
    let query = match link {
        Link::Confirm => "SELECT 1 FROM confirmations WHERE hash = ?1 AND expires_at >= ?2",
        Link::Remove => "SELECT 1 FROM removals WHERE hash = ?1 AND expires_at >= ?2",
    };
    let found: Option<i64> =
        sqlx::query_scalar(query).bind(hash).bind(clock.unix_seconds()).fetch_optional(pool).await?;
    Ok(found.is_some())
}

/// Counts the pending signature whose link carries `token`, once.
pub async fn confirm(pool: &SqlitePool, clock: &Clock, token: &str) -> Result<Confirmed, StoreError> {
    let hash = crate::mail::token_hash(token);
    let now = clock.rfc3339();
    if !link_is_current(pool, clock, Link::Confirm, &hash).await? {
        return Ok(Confirmed::NotPending);
    }
    let mut tx = crate::db::begin_write(pool).await?;
    let confirmed: Option<(i64, i64, Option<String>, bool)> = sqlx::query_as(&format!(
        "UPDATE signatures SET status = 'counted', confirmed_at = ?1
         WHERE status = 'pending'
           AND id = (SELECT signature_id FROM confirmations WHERE hash = ?2 AND expires_at >= ?3)
         RETURNING id, petition_id, partner, COALESCE(profession IN {HEALTHCARE}, 0)",
    ))
    .bind(&now)
    .bind(&hash)
    .bind(clock.unix_seconds())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((signature_id, petition_id, partner, professional)) = confirmed else { return Ok(Confirmed::NotPending) };
    // Every link to this signature is used up with this one.
    sqlx::query("DELETE FROM confirmations WHERE signature_id = ?1").bind(signature_id).execute(&mut *tx).await?;
    count_one(&mut tx, petition_id, partner.as_deref(), professional, &now).await?;
    tx.commit().await?;
    let (title, update) = titled_update(pool, petition_id).await?;
    Ok(Confirmed::Now { title, update })
}

/// Asks for a link that removes each signature made with `email` (in its
/// canonical form) to be mailed to it, within the per-signature daily limit.
/// Says nothing of whether the address signed: the caller answers alike.
pub async fn request_removal(pool: &SqlitePool, clock: &Clock, email: &str) -> Result<(), StoreError> {
    let unix_now = clock.unix_seconds();
    let mut tx = crate::db::begin_write(pool).await?;
    let signatures: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, email FROM signatures
         WHERE canonical_email = ?1 AND status IN ('counted', 'pending', 'flagged')",
    )
    .bind(petition_core::canonical_email(email))
    .fetch_all(&mut *tx)
    .await?;
    for (id, to) in signatures {
        queue_mail(&mut tx, id, &to, "removal", unix_now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What [`remove`] did.
pub enum Removed {
    /// The signature is gone; the update for everyone watching its petition.
    Now {
        /// The petition's title, for the page that says so.
        title: String,
        /// The petition's new state.
        update: CountUpdate,
    },
    /// No signature has that link: used already, expired, or never sent.
    NotFound,
}

/// Removes the signature whose removal link carries `token`, at its signer's
/// request: its personal data is erased and it no longer counts.
pub async fn remove(pool: &SqlitePool, clock: &Clock, token: &str) -> Result<Removed, StoreError> {
    let hash = crate::mail::token_hash(token);
    if !link_is_current(pool, clock, Link::Remove, &hash).await? {
        return Ok(Removed::NotFound);
    }
    let mut tx = crate::db::begin_write(pool).await?;
    let found: Option<(i64, i64)> = sqlx::query_as(
        "SELECT signatures.id, petition_id FROM removals JOIN signatures ON signatures.id = removals.signature_id
         WHERE removals.hash = ?1 AND removals.expires_at >= ?2 AND signatures.erased_at IS NULL",
    )
    .bind(&hash)
    .bind(clock.unix_seconds())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((signature_id, petition_id)) = found else { return Ok(Removed::NotFound) };
    let now = clock.rfc3339();
    crate::admin::erase_row(&mut tx, signature_id, "removed", &now).await?;
    crate::admin::recount(&mut tx, petition_id, &now).await?;
    tx.commit().await?;
    crate::admin::forget_overwritten(pool).await?;
    let (title, update) = titled_update(pool, petition_id).await?;
    Ok(Removed::Now { title, update })
}

/// The petition's title and live state, after a confirmation or removal
/// changed its count.
async fn titled_update(pool: &SqlitePool, petition_id: i64) -> Result<(String, CountUpdate), StoreError> {
    let (slug, definition): (String, String) =
        sqlx::query_as("SELECT slug, definition FROM petitions WHERE id = ?1").bind(petition_id).fetch_one(pool).await?;
    let definition: PetitionFile = serde_json::from_str(&definition)?;
    Ok((definition.title, count_update(pool, &slug).await?))
}

/// The professions the petition view's tally counts, as SQL.
pub(crate) const HEALTHCARE: &str = "('doctor', 'nurse', 'midwife')";

/// Counts a signature just made `counted` (on `partner`'s page, by a doctor,
/// nurse or midwife if `professional`; both as the statement that counted it
/// returned): adds one to the petition's count, the partner's and the
/// professionals' tally, and stamps the milestones it reaches.
async fn count_one(
    tx: &mut sqlx::SqliteConnection,
    petition_id: i64,
    partner: Option<&str>,
    professional: bool,
    now: &str,
) -> Result<u64, StoreError> {
    let count: i64 = sqlx::query_scalar(
        "UPDATE petitions SET signature_count = signature_count + 1, healthcare_count = healthcare_count + ?2
         WHERE id = ?1 RETURNING signature_count",
    )
    .bind(petition_id)
    .bind(i64::from(professional))
    .fetch_one(&mut *tx)
    .await?;
    if let Some(partner) = partner {
        sqlx::query(
            "INSERT INTO partner_counts (petition_id, partner, signature_count) VALUES (?1, ?2, 1)
             ON CONFLICT (petition_id, partner) DO UPDATE SET signature_count = signature_count + 1",
        )
        .bind(petition_id)
        .bind(partner)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE milestones SET reached_at = ?1 WHERE petition_id = ?2 AND count <= ?3 AND reached_at IS NULL")
        .bind(now)
        .bind(petition_id)
        .bind(count)
        .execute(&mut *tx)
        .await?;
    Ok(count as u64)
}

async fn receipt(pool: &SqlitePool, id: i64, definition: &PetitionFile, count: u64) -> Result<SignatureReceipt, StoreError> {
    Ok(SignatureReceipt {
        signature_count: count,
        goal: milestones::goal_for(count, &definition.goal_steps),
        milestones: milestones_of(pool, id, definition).await?,
    })
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
        sqlx::query_as(VIEW_MILESTONES)
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
        sqlx::query_as(VIEW_FIND)
            .bind(slug)
            .fetch_optional(pool)
            .await?;
    let (id, definition, count) = row.ok_or(StoreError::NotFound)?;
    Ok((id, serde_json::from_str(&definition)?, count as u64))
}
