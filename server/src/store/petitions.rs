//! Petitions: their definitions, the public view and the live state, and
//! the server's secrets.

use petition_core::{milestones, CountUpdate, Milestone, Partner, Petition};

use super::{on_conn, on_pool, Db, StoreError};
use crate::{clock::Clock, petition_file::PetitionFile};

/// The server's secret called `name`, made (32 random bytes) and stored the
/// first time it is asked for. Every server on one database ends up with the
/// same one: the first insert wins, all read it back.
pub async fn secret(db: &Db, clock: &Clock, name: &str) -> Result<Vec<u8>, StoreError> {
    let mut fresh = [0u8; 32];
    getrandom::getrandom(&mut fresh).expect("the operating system provides randomness");
    on_pool!(db, pool => {
        sqlx::query("INSERT INTO server_secrets (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(name)
            .bind(&fresh[..])
            .bind(clock.rfc3339())
            .execute(pool)
            .await?;
        Ok(sqlx::query_scalar("SELECT secret FROM server_secrets WHERE name = $1").bind(name).fetch_one(pool).await?)
    })
}

/// Creates the petition `file` describes, or updates its words and steps if it
/// exists; says whether it existed. Signatures, the count and reached
/// milestones are never touched.
pub async fn upsert_petition(db: &Db, clock: &Clock, file: &PetitionFile) -> Result<bool, StoreError> {
    let definition = serde_json::to_string(file)?;
    let now = clock.rfc3339();
    let mut tx = db.begin_write().await?;
    let existed: Option<i64> = on_conn!(tx, c => {
        sqlx::query_scalar("SELECT id FROM petitions WHERE slug = $1").bind(&file.slug).fetch_optional(&mut *c).await?
    });
    let (id, count): (i64, i64) = on_conn!(tx, c => {
        sqlx::query_as(
            "INSERT INTO petitions (slug, definition, created_at, updated_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (slug) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
             RETURNING id, signature_count",
        )
        .bind(&file.slug)
        .bind(&definition)
        .bind(&now)
        .fetch_one(&mut *c)
        .await?
    });
    for &milestone in &file.milestones {
        // A milestone added below the current count was reached before anyone
        // recorded when; it stays without a date rather than claim one.
        on_conn!(tx, c => {
            sqlx::query("INSERT INTO milestones (petition_id, count) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(milestone as i64)
                .execute(&mut *c)
                .await?;
        });
    }
    tx.commit().await?;
    tracing::debug!(slug = %file.slug, count, "petition saved");
    Ok(existed.is_some())
}

/// How many public reasons the petition view carries.
const REASONS_SHOWN: i64 = 5;

// The petition view's statements besides `find` and `milestones_of`: each
// reads a few rows by key, whatever the number of signatures (the maintained
// counts, and an index holding exactly the reasons shown). A test holds
// their query plans to that.
const VIEW_REASONS: &str = "SELECT reason FROM signatures WHERE petition_id = $1 AND reason_status = 'public' \
                            AND status = 'counted' ORDER BY id DESC LIMIT $2";
const VIEW_HEALTHCARE: &str = "SELECT healthcare_count + CAST(COALESCE((SELECT SUM(healthcare) FROM count_slots \
                               WHERE petition_id = $1 AND partner = ''), 0) AS BIGINT) FROM petitions WHERE id = $1";
const VIEW_PARTNERS: &str = "SELECT partner, CAST(SUM(n) AS BIGINT) FROM \
                             (SELECT partner, signature_count AS n FROM partner_counts WHERE petition_id = $1 \
                              UNION ALL SELECT partner, signatures FROM count_slots WHERE petition_id = $1 AND partner <> '') \
                             AS counts GROUP BY partner";
const VIEW_FIND: &str = "SELECT id, definition, signature_count + CAST(COALESCE((SELECT SUM(signatures) FROM count_slots \
                         WHERE petition_id = petitions.id AND partner = ''), 0) AS BIGINT) FROM petitions WHERE slug = $1";
const VIEW_MILESTONES: &str = "SELECT count, reached_at FROM milestones WHERE petition_id = $1 ORDER BY count";

/// Every statement a petition read runs, for the test of their query plans.
pub const PETITION_VIEW_STATEMENTS: [&str; 5] = [VIEW_FIND, VIEW_MILESTONES, VIEW_REASONS, VIEW_HEALTHCARE, VIEW_PARTNERS];

/// The public view of the petition called `slug`: the same for everyone who
/// asks, so caches may share it.
///
/// Everything in it counts only counted signatures: flagged ones wait for
/// the organiser, their reasons unseen.
pub async fn petition(db: &Db, clock: &Clock, slug: &str) -> Result<Petition, StoreError> {
    let (id, definition, count) = find(db, slug).await?;
    let milestones = milestones_of(db, id, &definition).await?;
    let (reasons, healthcare, by_partner): (Vec<String>, i64, Vec<(String, i64)>) = on_pool!(db, pool => (
        sqlx::query_scalar(VIEW_REASONS).bind(id).bind(REASONS_SHOWN).fetch_all(pool).await?,
        sqlx::query_scalar(VIEW_HEALTHCARE).bind(id).fetch_one(pool).await?,
        sqlx::query_as(VIEW_PARTNERS).bind(id).fetch_all(pool).await?,
    ));
    let healthcare_professionals = definition.show_profession_tally.then_some(healthcare as u64);
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

/// The live state of the petition called `slug`, as the count stream sends it.
pub async fn count_update(db: &Db, slug: &str) -> Result<CountUpdate, StoreError> {
    let (id, definition, count) = find(db, slug).await?;
    Ok(CountUpdate {
        goal: milestones::goal_for(count, &definition.goal_steps),
        signature_count: count,
        milestones: milestones_of(db, id, &definition).await?,
        slug: definition.slug,
    })
}

/// The petition's title and live state, after a confirmation or removal
/// changed its count.
pub(super) async fn titled_update(db: &Db, petition_id: i64) -> Result<(String, CountUpdate), StoreError> {
    let (slug, definition): (String, String) = on_pool!(db, pool => {
        sqlx::query_as("SELECT slug, definition FROM petitions WHERE id = $1").bind(petition_id).fetch_one(pool).await?
    });
    let definition: PetitionFile = serde_json::from_str(&definition)?;
    Ok((definition.title, count_update(db, &slug).await?))
}

/// The petition's milestone timeline. Only the milestones its file still lists
/// are shown; rows for removed ones stay in the database with their history.
pub(super) async fn milestones_of(db: &Db, id: i64, definition: &PetitionFile) -> Result<Vec<Milestone>, StoreError> {
    let rows: Vec<(i64, Option<String>)> =
        on_pool!(db, pool => sqlx::query_as(VIEW_MILESTONES).bind(id).fetch_all(pool).await?);
    Ok(rows
        .into_iter()
        .filter(|(count, _)| definition.milestones.contains(&(*count as u64)))
        .map(|(count, reached_at)| Milestone { count: count as u64, reached_at })
        .collect())
}

/// The petition called `slug`: its id, definition and count.
pub(super) async fn find(db: &Db, slug: &str) -> Result<(i64, PetitionFile, u64), StoreError> {
    let row: Option<(i64, String, i64)> =
        on_pool!(db, pool => sqlx::query_as(VIEW_FIND).bind(slug).fetch_optional(pool).await?);
    let (id, definition, count) = row.ok_or(StoreError::NotFound)?;
    Ok((id, serde_json::from_str(&definition)?, count as u64))
}

/// The id of the petition called `slug`.
pub(super) async fn petition_id(db: &Db, slug: &str) -> Result<i64, StoreError> {
    on_pool!(db, pool => {
        sqlx::query_scalar("SELECT id FROM petitions WHERE slug = $1").bind(slug).fetch_optional(pool).await?
    })
    .ok_or(StoreError::NotFound)
}
