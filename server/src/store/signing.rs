//! Signing, confirming and removing: the writes a signer causes.

use petition_core::{lang::text, milestones, reason_is_public, CountUpdate, SignatureReceipt, ValidSignature};

use super::{on_conn, on_pool, petitions, Db, Status, StoreError, Tx};
use crate::{clock::Clock, guard::Flag, petition_file::PetitionFile};

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
    /// The language the person saw the form in (a code of the server's
    /// catalogue), or `None` for the petition's own.
    pub lang: Option<String>,
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
/// change, in one transaction committed before this returns (on SQLite, the
/// group commit's: see [`super::sqlite::GroupCommit`]). A repeat of an
/// address that has signed (by its canonical form) changes nothing and gets
/// the same answer, except that a clean signature takes the place of a
/// flagged one from the same address: a bot that got there first must not
/// keep the person from being counted.
pub async fn sign(
    db: &Db,
    clock: &Clock,
    slug: &str,
    signature: &ValidSignature,
    attribution: &Attribution,
    screening: &Screening,
) -> Result<Signed, StoreError> {
    let (id, definition, _) = petitions::find(db, slug).await?;
    if definition.is_closed(clock.now()) {
        return Err(StoreError::Closed);
    }
    let now = clock.rfc3339();
    // A partner the petition doesn't list gets no attribution and no consent:
    // nobody could honour consent given to an unknown organisation.
    let lang = attribution.lang.clone().unwrap_or_else(|| definition.language.clone());
    // What the person read: the form in `lang`, the petition's names (a
    // partner's, say) in the best of its languages for it.
    let shown = definition.in_language(definition.best_language([lang.as_str()]));
    let words = crate::lang::find(&lang).unwrap_or_else(crate::lang::english);
    let consent_text = |organiser: &str| words.fill(text::CONSENT, &[("organiser", organiser)]);
    let partner = shown.partners.iter().find(|p| p.slug == attribution.partner);
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
        Some(_) => Status::Flagged,
        None if definition.confirm_by_email => Status::Pending,
        None => Status::Counted,
    };
    if let Some(flag) = screening.flag {
        tracing::info!(flag = flag.code(), "signature held for review");
    }
    let row = SignatureRow {
        petition_id: id,
        first_name: signature.first_name.clone(),
        last_name: signature.last_name.clone(),
        email: signature.email.clone(),
        canonical_email: signature.canonical_email(),
        postcode: signature.postcode.clone(),
        outside_uk: signature.outside_uk,
        profession: signature.profession.map(|p| p.code()),
        reason: signature.reason.clone(),
        reason_status,
        consent: signature.consent,
        consent_text: signature.consent.then(|| consent_text(&definition.organiser)),
        partner: partner.map(|p| p.slug.clone()),
        partner_consent,
        partner_consent_text: partner.filter(|_| partner_consent).map(|p| consent_text(&p.name)),
        consent_at: any_consent.then(|| now.clone()),
        source: Some(attribution.source.clone()).filter(|s| !s.is_empty()),
        created_at: now,
        status,
        flag: screening.flag.map(Flag::code),
        source_hash: attribution.source_hash.clone(),
        challenge_id: screening.challenge_id.clone(),
        challenge_expires: screening.challenge_expires,
        unix_now: clock.unix_seconds(),
        lang,
    };
    let written = match db {
        Db::Sqlite(_, writer) => writer.write(row).await?,
        Db::Postgres(_) => {
            let mut tx = db.begin_write().await?;
            let written = write_signature(&mut tx, &row).await?;
            tx.commit().await?;
            written
        }
    };
    let receipt = receipt(db, id, &definition, written.count).await?;
    let update = written.counted.then(|| CountUpdate {
        slug: definition.slug.clone(),
        signature_count: receipt.signature_count,
        goal: receipt.goal,
        milestones: receipt.milestones.clone(),
    });
    Ok(Signed { receipt, update })
}

/// A signature as it is written: everything decided before the write.
#[derive(Debug)]
pub(crate) struct SignatureRow {
    petition_id: i64,
    first_name: String,
    last_name: String,
    email: String,
    canonical_email: String,
    postcode: String,
    outside_uk: bool,
    profession: Option<&'static str>,
    reason: String,
    reason_status: Option<&'static str>,
    consent: bool,
    consent_text: Option<String>,
    partner: Option<String>,
    partner_consent: bool,
    partner_consent_text: Option<String>,
    consent_at: Option<String>,
    source: Option<String>,
    created_at: String,
    status: Status,
    flag: Option<&'static str>,
    source_hash: String,
    challenge_id: String,
    challenge_expires: i64,
    unix_now: i64,
    lang: String,
}

/// What writing a signature did.
#[derive(Debug)]
pub(crate) struct Written {
    /// The petition's count after it.
    count: u64,
    /// Whether this signature is newly counted.
    counted: bool,
}

/// Spends the challenge and writes `row` (or leaves a repeat alone) in `tx`,
/// counting it if it is newly counted.
pub(crate) async fn write_signature(tx: &mut Tx<'_>, row: &SignatureRow) -> Result<Written, StoreError> {
    let fresh = on_conn!(tx, c => {
        sqlx::query("DELETE FROM spent_challenges WHERE expires_at < $1").bind(row.unix_now).execute(&mut *c).await?;
        sqlx::query("INSERT INTO spent_challenges (id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(&row.challenge_id)
            .bind(row.challenge_expires)
            .execute(&mut *c)
            .await?
            .rows_affected()
            == 1
    });
    if !fresh {
        return Err(StoreError::Spent);
    }
    let sql = format!(
        "INSERT INTO signatures (petition_id, first_name, last_name, email, canonical_email, postcode, outside_uk,
                                 profession, reason, reason_status, consent, consent_text, partner,
                                 partner_consent, partner_consent_text, consent_at, source, created_at,
                                 status, flag, source_hash, lang)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
         ON CONFLICT (petition_id, canonical_email) DO UPDATE SET
             first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email,
             postcode = excluded.postcode, outside_uk = excluded.outside_uk, profession = excluded.profession,
             reason = excluded.reason, reason_status = excluded.reason_status, consent = excluded.consent,
             consent_text = excluded.consent_text, partner = excluded.partner,
             partner_consent = excluded.partner_consent, partner_consent_text = excluded.partner_consent_text,
             consent_at = excluded.consent_at, source = excluded.source, created_at = excluded.created_at,
             status = excluded.status, flag = NULL, source_hash = excluded.source_hash, lang = excluded.lang
           WHERE (signatures.status = 'flagged' AND excluded.status <> 'flagged')
              OR (signatures.status = 'pending' AND excluded.status = 'pending')
         RETURNING id, status, partner, COALESCE(profession IN {HEALTHCARE}, FALSE)",
    );
    let stored: Option<(i64, String, Option<String>, bool)> = on_conn!(tx, c => {
        sqlx::query_as(&sql)
            .bind(row.petition_id)
            .bind(&row.first_name)
            .bind(&row.last_name)
            .bind(&row.email)
            .bind(&row.canonical_email)
            .bind(&row.postcode)
            .bind(row.outside_uk)
            .bind(row.profession)
            .bind(&row.reason)
            .bind(row.reason_status)
            .bind(row.consent)
            .bind(&row.consent_text)
            .bind(&row.partner)
            .bind(row.partner_consent)
            .bind(&row.partner_consent_text)
            .bind(&row.consent_at)
            .bind(&row.source)
            .bind(&row.created_at)
            .bind(row.status.as_str())
            .bind(row.flag)
            .bind(&row.source_hash)
            .bind(&row.lang)
            .fetch_optional(&mut *c)
            .await?
    });
    let stored = match stored {
        Some((id, status, partner, professional)) => Some((id, Status::parse(&status)?, partner, professional)),
        None => None,
    };
    if let Some((signature_id, Status::Pending, ..)) = stored {
        queue_mail(tx, signature_id, &row.email, "confirm", &row.lang, row.unix_now).await?;
    }
    match stored {
        Some((_, Status::Counted, partner, professional)) => {
            let count = count_one(tx, row.petition_id, partner.as_deref(), professional, &row.created_at).await?;
            Ok(Written { count, counted: true })
        }
        _ => {
            let count: i64 = on_conn!(tx, c => {
                sqlx::query_scalar(TOTAL)
                    .bind(row.petition_id)
                    .fetch_one(&mut *c)
                    .await?
            });
            Ok(Written { count: count as u64, counted: false })
        }
    }
}

/// Puts a mail of `kind` (`confirm` or `removal`), in the language `lang`,
/// for a signature in the outbox, unless it has caused a few today already. A repeat of a pending
/// signature asks for confirmation again: the first mail may have been lost,
/// and every link sent keeps working until one is used.
async fn queue_mail(tx: &mut Tx<'_>, signature_id: i64, to: &str, kind: &str, lang: &str, unix_now: i64) -> Result<(), StoreError> {
    on_conn!(tx, c => {
        let recent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE signature_id = $1 AND created_at > $2")
            .bind(signature_id)
            .bind(unix_now - 24 * 60 * 60)
            .fetch_one(&mut *c)
            .await?;
        if recent < crate::mail::PER_SIGNATURE_PER_DAY {
            sqlx::query(
                "INSERT INTO outbox (signature_id, to_address, kind, created_at, next_attempt_at, lang) VALUES ($1, $2, $3, $4, $4, $5)",
            )
            .bind(signature_id)
            .bind(to)
            .bind(kind)
            .bind(unix_now)
            .bind(lang)
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}

/// What [`confirm`] did.
pub enum Confirmed {
    /// The signature now counts; the live update for everyone watching.
    Now {
        /// The petition, for the page that names it.
        petition: Box<PetitionFile>,
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

/// The language of the signature whose confirmation (or, not `confirm`,
/// removal) link carries `token`, if the link works and the signature has
/// one: the pages the link opens are in it.
pub async fn link_language(db: &Db, clock: &Clock, confirm: bool, token: &str) -> Result<Option<String>, StoreError> {
    let hash = crate::mail::token_hash(token);
    let query = if confirm {
        "SELECT signatures.lang FROM confirmations JOIN signatures ON signatures.id = confirmations.signature_id
         WHERE confirmations.hash = $1 AND confirmations.expires_at >= $2"
    } else {
        "SELECT signatures.lang FROM removals JOIN signatures ON signatures.id = removals.signature_id
         WHERE removals.hash = $1 AND removals.expires_at >= $2"
    };
    let found: Option<String> = on_pool!(db, pool => {
        sqlx::query_scalar(query).bind(hash).bind(clock.unix_seconds()).fetch_optional(pool).await?
    });
    Ok(found.filter(|lang| !lang.is_empty()))
}

/// Whether a link whose token hashes to `hash` exists and works. Asked
/// before the write lock is taken: a guessed or spent link costs a read and
/// never holds up a signing.
async fn link_is_current(db: &Db, clock: &Clock, link: Link, hash: &str) -> Result<bool, StoreError> {
    let query = match link {
        Link::Confirm => "SELECT signature_id FROM confirmations WHERE hash = $1 AND expires_at >= $2",
        Link::Remove => "SELECT signature_id FROM removals WHERE hash = $1 AND expires_at >= $2",
    };
    let found: Option<i64> = on_pool!(db, pool => {
        sqlx::query_scalar(query).bind(hash).bind(clock.unix_seconds()).fetch_optional(pool).await?
    });
    Ok(found.is_some())
}

/// Counts the pending signature whose link carries `token`, once.
pub async fn confirm(db: &Db, clock: &Clock, token: &str) -> Result<Confirmed, StoreError> {
    let hash = crate::mail::token_hash(token);
    let now = clock.rfc3339();
    if !link_is_current(db, clock, Link::Confirm, &hash).await? {
        return Ok(Confirmed::NotPending);
    }
    let mut tx = db.begin_write().await?;
    let sql = format!(
        "UPDATE signatures SET status = 'counted', confirmed_at = $1
         WHERE status = 'pending'
           AND id = (SELECT signature_id FROM confirmations WHERE hash = $2 AND expires_at >= $3)
         RETURNING id, petition_id, partner, COALESCE(profession IN {HEALTHCARE}, FALSE)",
    );
    let confirmed: Option<(i64, i64, Option<String>, bool)> = on_conn!(tx, c => {
        sqlx::query_as(&sql).bind(&now).bind(&hash).bind(clock.unix_seconds()).fetch_optional(&mut *c).await?
    });
    let Some((signature_id, petition_id, partner, professional)) = confirmed else { return Ok(Confirmed::NotPending) };
    // Every link to this signature is used up with this one.
    on_conn!(tx, c => {
        sqlx::query("DELETE FROM confirmations WHERE signature_id = $1").bind(signature_id).execute(&mut *c).await?;
    });
    count_one(&mut tx, petition_id, partner.as_deref(), professional, &now).await?;
    tx.commit().await?;
    let (petition, update) = petitions::titled_update(db, petition_id).await?;
    Ok(Confirmed::Now { petition: Box::new(petition), update })
}

/// Asks for a link that removes each signature made with `email` (in its
/// canonical form) to be mailed to it, in the language `lang` (the page's
/// where it was asked for), within the per-signature daily limit. Says
/// nothing of whether the address signed: the caller answers alike.
pub async fn request_removal(db: &Db, clock: &Clock, email: &str, lang: &str) -> Result<(), StoreError> {
    let unix_now = clock.unix_seconds();
    let mut tx = db.begin_write().await?;
    let signatures: Vec<(i64, String)> = on_conn!(tx, c => {
        sqlx::query_as(
            "SELECT id, email FROM signatures
             WHERE canonical_email = $1 AND status IN ('counted', 'pending', 'flagged')",
        )
        .bind(petition_core::canonical_email(email))
        .fetch_all(&mut *c)
        .await?
    });
    for (id, to) in signatures {
        queue_mail(&mut tx, id, &to, "removal", lang, unix_now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What [`remove`] did.
pub enum Removed {
    /// The signature is gone; the update for everyone watching its petition.
    Now {
        /// The petition, for the page that names it.
        petition: Box<PetitionFile>,
        /// The petition's new state.
        update: CountUpdate,
    },
    /// No signature has that link: used already, expired, or never sent.
    NotFound,
}

/// Removes the signature whose removal link carries `token`, at its signer's
/// request: its personal data is erased and it no longer counts.
pub async fn remove(db: &Db, clock: &Clock, token: &str) -> Result<Removed, StoreError> {
    let hash = crate::mail::token_hash(token);
    if !link_is_current(db, clock, Link::Remove, &hash).await? {
        return Ok(Removed::NotFound);
    }
    let mut tx = db.begin_write().await?;
    let found: Option<(i64, i64)> = on_conn!(tx, c => {
        sqlx::query_as(
            "SELECT signatures.id, petition_id FROM removals JOIN signatures ON signatures.id = removals.signature_id
             WHERE removals.hash = $1 AND removals.expires_at >= $2 AND signatures.erased_at IS NULL",
        )
        .bind(&hash)
        .bind(clock.unix_seconds())
        .fetch_optional(&mut *c)
        .await?
    });
    let Some((signature_id, petition_id)) = found else { return Ok(Removed::NotFound) };
    let now = clock.rfc3339();
    super::organiser::erase_row(&mut tx, signature_id, Status::Removed, &now).await?;
    super::organiser::recount(&mut tx, petition_id, &now).await?;
    tx.commit().await?;
    super::organiser::forget_overwritten(db).await?;
    let (petition, update) = petitions::titled_update(db, petition_id).await?;
    Ok(Removed::Now { petition: Box::new(petition), update })
}

/// The professions the petition view's tally counts, as SQL.
pub(super) const HEALTHCARE: &str = "('doctor', 'nurse', 'midwife')";

/// The petition `$1`'s total: its row's count and its slots'.
pub(super) const TOTAL: &str = "SELECT signature_count + CAST(COALESCE((SELECT SUM(signatures) FROM count_slots \
                                WHERE petition_id = $1 AND partner = ''), 0) AS BIGINT) FROM petitions WHERE id = $1";

/// Slots a petition's counts are spread over on PostgreSQL (SQLite has one
/// writer: one slot).
const SLOTS: u8 = 64;

/// How close to its next milestone a petition's total must be for a signing
/// to take the petition's row lock before dating it. Far from one, signings
/// only touch their slots and never wait for each other; near one, they
/// take turns, so the signing that crosses it sees every one before it and
/// dates it then. It must be more than the signings that can be in flight
/// at once, unseen by each other: 16 connections an instance, so 256 holds
/// for up to 16 instances (with more, a milestone may be dated by the
/// signing after the one that crossed it). The load test showed a margin of
/// 10,000 kept every signing of a young petition queueing for one row.
const MILESTONE_MARGIN: i64 = 256;

/// Counts a signature just made `counted` (on `partner`'s page, by a doctor,
/// nurse or midwife if `professional`; both as the statement that counted it
/// returned): adds one to a slot of the petition's count and professionals'
/// tally and of the partner's, dates the milestones it reaches, and returns
/// the total.
async fn count_one(
    tx: &mut Tx<'_>,
    petition_id: i64,
    partner: Option<&str>,
    professional: bool,
    now: &str,
) -> Result<u64, StoreError> {
    let slot = match tx {
        Tx::Sqlite(_) => 0,
        Tx::Postgres(_) => {
            let mut byte = [0u8];
            getrandom::getrandom(&mut byte).expect("the operating system provides randomness");
            i16::from(byte[0] % SLOTS)
        }
    };
    let total: i64 = on_conn!(tx, c => {
        for (partner, healthcare) in [("", i64::from(professional))].into_iter().chain(partner.map(|p| (p, 0))) {
            sqlx::query(
                "INSERT INTO count_slots (petition_id, partner, slot, signatures, healthcare) VALUES ($1, $2, $3, 1, $4)
                 ON CONFLICT (petition_id, partner, slot) DO UPDATE SET
                     signatures = count_slots.signatures + 1, healthcare = count_slots.healthcare + $4",
            )
            .bind(petition_id)
            .bind(partner)
            .bind(slot)
            .bind(healthcare)
            .execute(&mut *c)
            .await?;
        }
        let total: i64 = sqlx::query_scalar(TOTAL).bind(petition_id).fetch_one(&mut *c).await?;
        let next: Option<i64> =
            sqlx::query_scalar("SELECT MIN(count) FROM milestones WHERE petition_id = $1 AND reached_at IS NULL AND NOT undated")
                .bind(petition_id)
                .fetch_one(&mut *c)
                .await?;
        match next {
            Some(next) if total + MILESTONE_MARGIN >= next => {
                // Near a milestone: take turns on the petition's row, then
                // read the total again (now holding every signing before).
                sqlx::query("UPDATE petitions SET signature_count = signature_count WHERE id = $1")
                    .bind(petition_id)
                    .execute(&mut *c)
                    .await?;
                let total: i64 = sqlx::query_scalar(TOTAL).bind(petition_id).fetch_one(&mut *c).await?;
                sqlx::query(
                    "UPDATE milestones SET reached_at = $1 WHERE petition_id = $2 AND count <= $3 AND reached_at IS NULL AND NOT undated",
                )
                .bind(now)
                .bind(petition_id)
                .bind(total)
                .execute(&mut *c)
                .await?;
                total
            }
            _ => total,
        }
    });
    Ok(total as u64)
}

async fn receipt(db: &Db, id: i64, definition: &PetitionFile, count: u64) -> Result<SignatureReceipt, StoreError> {
    Ok(SignatureReceipt {
        signature_count: count,
        goal: milestones::goal_for(count, &definition.goal_steps),
        milestones: petitions::milestones_of(db, id, definition).await?,
    })
}
