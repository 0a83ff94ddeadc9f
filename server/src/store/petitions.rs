//! Petitions: their definitions and the history of them, the public view
//! and the live state, and the server's secrets.
//!
//! # Definitions and their history
//!
//! Every definition a petition is given (from a petition file at start-up,
//! by `admin apply` or `PUT /api/admin/petitions/{slug}`, or from the
//! dashboard's editor) becomes a row of `petition_revisions`, numbered by
//! `petitions.revision`, with where it came from and who saved it: no
//! version is ever lost, and any can be restored. Saving the definition a
//! petition already has changes nothing.
//!
//! The dashboard saves against the revision its form was loaded at, and is
//! refused ([`Edited::Stale`]) if someone saved another since. Petition
//! files at start-up ([`load_petition_file`]) follow one rule: a file whose
//! text is the same as when it was last loaded (`petitions.file_digest`) is
//! not loaded again, so an edit made since in the dashboard (or by `admin
//! apply`) stays; a file whose text changed was changed on purpose, and
//! wins, the version it replaces staying in the history.

use petition_core::{milestones, CountUpdate, Milestone, Partner, Petition};

use super::{on_conn, on_pool, Db, StoreError, Tx};
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

/// Who saved a definition that came from a petition file, in the history
/// and the audit log (the file's author is not known to the server).
pub const FILE_ACTOR: &str = "petition file";

/// Where a petition's definition came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A petition file: at start-up, `admin apply` or the admin API.
    File,
    /// The dashboard's editor.
    Dashboard,
}

impl Origin {
    /// As stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Origin::File => "file",
            Origin::Dashboard => "dashboard",
        }
    }

    fn parse(text: &str) -> Result<Origin, StoreError> {
        [Origin::File, Origin::Dashboard]
            .into_iter()
            .find(|origin| origin.as_str() == text)
            .ok_or_else(|| StoreError::Unknown(text.into()))
    }
}

/// One definition a petition has had.
#[derive(Debug, Clone)]
pub struct Revision {
    /// Its number: 1 for the first, one more for each after.
    pub revision: i64,
    /// The petition as it was then.
    pub definition: PetitionFile,
    /// Where it came from.
    pub origin: Origin,
    /// Who saved it: an account's name, or [`FILE_ACTOR`].
    pub actor: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A petition as the editor opens it.
#[derive(Debug, Clone)]
pub struct Editable {
    /// Its current definition.
    pub definition: PetitionFile,
    /// The current definition's revision.
    pub revision: i64,
    /// The revision its petition file was last loaded as (or found in step
    /// with); `None` if it never came from the petitions folder.
    pub file_revision: Option<i64>,
}

/// What loading a petition file at start-up did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileLoad {
    /// A new petition, revision 1.
    Created,
    /// The file changed, and its definition replaced the current one.
    Updated {
        /// The file's definition's revision.
        revision: i64,
        /// The revision it replaced, if that was saved in the dashboard (it
        /// stays in the history).
        replaced_dashboard_edit: Option<i64>,
    },
    /// Nothing to do: the file holds the current definition.
    Unchanged,
    /// The file is as it was last loaded, and the petition has changed
    /// since: the newer definition stays.
    KeptNewer {
        /// The current revision.
        revision: i64,
        /// Where it came from.
        origin: Origin,
        /// Who saved it.
        actor: String,
    },
}

/// What saving from the dashboard's editor did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edited {
    /// Saved as this revision.
    Saved(i64),
    /// The form held the current definition already: nothing saved.
    Unchanged(i64),
    /// Someone saved another revision (this one) after the form was
    /// loaded: nothing saved.
    Stale(i64),
}

/// Creates the petition `file` describes, or gives it that definition if it
/// exists; says whether it existed. For `admin apply` and the admin API: a
/// file applied on purpose always wins (the version it replaces stays in the
/// history). Signatures, the count and reached milestones are never touched.
pub async fn upsert_petition(db: &Db, clock: &Clock, file: &PetitionFile) -> Result<bool, StoreError> {
    let mut tx = db.begin_write().await?;
    let existed = match current(&mut tx, &file.slug).await? {
        None => {
            insert(&mut tx, clock, file, Origin::File, FILE_ACTOR, None).await?;
            false
        }
        Some(current) => {
            if current.definition != *file {
                replace(&mut tx, clock, current.id, current.revision, file, Origin::File, FILE_ACTOR).await?;
            }
            true
        }
    };
    tx.commit().await?;
    tracing::debug!(slug = %file.slug, existed, "petition saved");
    Ok(existed)
}

/// Loads a petition file found in the petitions folder at start-up, whose
/// text has SHA-256 `digest`:
/// - its text unchanged since it was last loaded: it is not loaded again, so
///   a definition saved since (in the dashboard, or by `admin apply`) stays
///   ([`FileLoad::KeptNewer`]);
/// - its text changed: the operator changed it on purpose, and it wins; the
///   definition it replaces stays in the history ([`FileLoad::Updated`]);
/// - changed text holding the current definition (a comment, or the file
///   downloaded from the dashboard put in place): in step, nothing saved.
pub async fn load_petition_file(db: &Db, clock: &Clock, file: &PetitionFile, digest: &str) -> Result<FileLoad, StoreError> {
    let mut tx = db.begin_write().await?;
    let Some(current) = current(&mut tx, &file.slug).await? else {
        insert(&mut tx, clock, file, Origin::File, FILE_ACTOR, Some(digest)).await?;
        tx.commit().await?;
        return Ok(FileLoad::Created);
    };
    let loaded = if current.file_digest.as_deref() == Some(digest) {
        if current.file_revision == Some(current.revision) {
            FileLoad::Unchanged
        } else {
            let newest = revision_in(&mut tx, current.id, current.revision).await?;
            FileLoad::KeptNewer { revision: current.revision, origin: newest.origin, actor: newest.actor }
        }
    } else if current.definition == *file {
        // Changed text, same petition (a comment, or the file downloaded
        // from the dashboard put in place): in step again.
        mark_file(&mut tx, current.id, digest, current.revision).await?;
        FileLoad::Unchanged
    } else {
        let replaced = revision_in(&mut tx, current.id, current.revision).await?;
        let revision = replace(&mut tx, clock, current.id, current.revision, file, Origin::File, FILE_ACTOR).await?;
        mark_file(&mut tx, current.id, digest, revision).await?;
        let replaced_dashboard_edit = (replaced.origin == Origin::Dashboard).then_some(replaced.revision);
        FileLoad::Updated { revision, replaced_dashboard_edit }
    };
    tx.commit().await?;
    Ok(loaded)
}

/// Creates a petition from the dashboard's editor, by `actor`; `false` (and
/// nothing saved) if its slug is taken.
pub async fn create_petition(db: &Db, clock: &Clock, file: &PetitionFile, actor: &str) -> Result<bool, StoreError> {
    let mut tx = db.begin_write().await?;
    let created = insert(&mut tx, clock, file, Origin::Dashboard, actor, None).await?;
    tx.commit().await?;
    Ok(created)
}

/// Saves `file` from the dashboard's editor, by `actor`, over revision
/// `loaded_at` (the one its form was loaded at): refused if that is no
/// longer the current one.
pub async fn edit_petition(
    db: &Db,
    clock: &Clock,
    file: &PetitionFile,
    actor: &str,
    loaded_at: i64,
) -> Result<Edited, StoreError> {
    let mut tx = db.begin_write().await?;
    let current = current(&mut tx, &file.slug).await?.ok_or(StoreError::NotFound)?;
    let edited = if current.revision != loaded_at {
        Edited::Stale(current.revision)
    } else if current.definition == *file {
        Edited::Unchanged(current.revision)
    } else {
        Edited::Saved(replace(&mut tx, clock, current.id, current.revision, file, Origin::Dashboard, actor).await?)
    };
    tx.commit().await?;
    Ok(edited)
}

/// The petition called `slug`, as the editor opens it.
pub async fn editable(db: &Db, slug: &str) -> Result<Editable, StoreError> {
    let row: Option<(String, i64, Option<i64>)> = on_pool!(db, pool => {
        sqlx::query_as("SELECT definition, revision, file_revision FROM petitions WHERE slug = $1")
            .bind(slug)
            .fetch_optional(pool)
            .await?
    });
    let (definition, revision, file_revision) = row.ok_or(StoreError::NotFound)?;
    Ok(Editable { definition: serde_json::from_str(&definition)?, revision, file_revision })
}

/// Every definition the petition called `slug` has had, newest first.
pub async fn revisions(db: &Db, slug: &str) -> Result<Vec<Revision>, StoreError> {
    let id = petition_id(db, slug).await?;
    let rows: Vec<(i64, String, String, String, String)> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT revision, definition, origin, actor, at FROM petition_revisions
             WHERE petition_id = $1 ORDER BY revision DESC",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
    });
    rows.into_iter().map(revision_of).collect()
}

/// Revision `revision` of the petition called `slug`.
pub async fn revision(db: &Db, slug: &str, revision: i64) -> Result<Revision, StoreError> {
    let id = petition_id(db, slug).await?;
    let row: Option<(i64, String, String, String, String)> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT revision, definition, origin, actor, at FROM petition_revisions
             WHERE petition_id = $1 AND revision = $2",
        )
        .bind(id)
        .bind(revision)
        .fetch_optional(pool)
        .await?
    });
    revision_of(row.ok_or(StoreError::NotFound)?)
}

fn revision_of((revision, definition, origin, actor, at): (i64, String, String, String, String)) -> Result<Revision, StoreError> {
    Ok(Revision { revision, definition: serde_json::from_str(&definition)?, origin: Origin::parse(&origin)?, actor, at })
}

/// A petition's row, as a save needs it.
struct Current {
    id: i64,
    definition: PetitionFile,
    revision: i64,
    file_digest: Option<String>,
    file_revision: Option<i64>,
}

/// `Current`'s columns, as read.
type CurrentRow = (i64, String, i64, Option<String>, Option<i64>);

/// The petition called `slug`, its row locked until the transaction ends:
/// on PostgreSQL a save by another instance (several starting at once with
/// the same files) waits, then reads what this one saved, rather than
/// failing. SQLite's write transaction holds the whole database already.
async fn current(tx: &mut Tx<'_>, slug: &str) -> Result<Option<Current>, StoreError> {
    on_conn!(tx, c => {
        sqlx::query("UPDATE petitions SET revision = revision WHERE slug = $1").bind(slug).execute(&mut *c).await?;
    });
    let row: Option<CurrentRow> = on_conn!(tx, c => {
        sqlx::query_as("SELECT id, definition, revision, file_digest, file_revision FROM petitions WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *c)
            .await?
    });
    let Some((id, definition, revision, file_digest, file_revision)) = row else { return Ok(None) };
    Ok(Some(Current { id, definition: serde_json::from_str(&definition)?, revision, file_digest, file_revision }))
}

async fn revision_in(tx: &mut Tx<'_>, id: i64, revision: i64) -> Result<Revision, StoreError> {
    let row: (i64, String, String, String, String) = on_conn!(tx, c => {
        sqlx::query_as(
            "SELECT revision, definition, origin, actor, at FROM petition_revisions
             WHERE petition_id = $1 AND revision = $2",
        )
        .bind(id)
        .bind(revision)
        .fetch_one(&mut *c)
        .await?
    });
    revision_of(row)
}

/// Inserts the petition `file` describes as revision 1, unless its slug is
/// taken (then `false`, nothing written). `digest`: its file's, if it was
/// loaded from the petitions folder.
async fn insert(
    tx: &mut Tx<'_>,
    clock: &Clock,
    file: &PetitionFile,
    origin: Origin,
    actor: &str,
    digest: Option<&str>,
) -> Result<bool, StoreError> {
    let definition = serde_json::to_string(file)?;
    let now = clock.rfc3339();
    let id: Option<i64> = on_conn!(tx, c => {
        sqlx::query_scalar(
            "INSERT INTO petitions (slug, definition, created_at, updated_at, revision, file_digest, file_revision)
             VALUES ($1, $2, $3, $3, 1, $4, $5) ON CONFLICT (slug) DO NOTHING RETURNING id",
        )
        .bind(&file.slug)
        .bind(&definition)
        .bind(&now)
        .bind(digest)
        .bind(digest.map(|_| 1i64))
        .fetch_optional(&mut *c)
        .await?
    });
    let Some(id) = id else { return Ok(false) };
    record(tx, clock, id, 1, &definition, origin, actor).await?;
    add_milestones(tx, id, &file.milestones).await?;
    log(tx, clock, actor, "petition-created", &file.slug, "revision 1").await?;
    Ok(true)
}

/// Makes `file` the definition of petition `id`, whose current revision is
/// `revision`; returns the new revision's number.
async fn replace(
    tx: &mut Tx<'_>,
    clock: &Clock,
    id: i64,
    revision: i64,
    file: &PetitionFile,
    origin: Origin,
    actor: &str,
) -> Result<i64, StoreError> {
    let definition = serde_json::to_string(file)?;
    let now = clock.rfc3339();
    // Conditional on the revision read (see `current`, which locks the
    // row): a save in between can't be silently overwritten.
    let saved: Option<i64> = on_conn!(tx, c => {
        sqlx::query_scalar(
            "UPDATE petitions SET definition = $1, updated_at = $2, revision = revision + 1
             WHERE id = $3 AND revision = $4 RETURNING revision",
        )
        .bind(&definition)
        .bind(&now)
        .bind(id)
        .bind(revision)
        .fetch_optional(&mut *c)
        .await?
    });
    let saved = saved.ok_or_else(|| StoreError::Busy("the petition was changed at the same moment: try again".into()))?;
    record(tx, clock, id, saved, &definition, origin, actor).await?;
    add_milestones(tx, id, &file.milestones).await?;
    log(tx, clock, actor, "petition-edited", &file.slug, &format!("revision {revision} to {saved}")).await?;
    Ok(saved)
}

/// Notes that petition `id`'s file, with text `digest`, holds `revision`.
async fn mark_file(tx: &mut Tx<'_>, id: i64, digest: &str, revision: i64) -> Result<(), StoreError> {
    on_conn!(tx, c => {
        sqlx::query("UPDATE petitions SET file_digest = $1, file_revision = $2 WHERE id = $3")
            .bind(digest)
            .bind(revision)
            .bind(id)
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}

/// Adds revision `revision` of petition `id` to its history.
async fn record(
    tx: &mut Tx<'_>,
    clock: &Clock,
    id: i64,
    revision: i64,
    definition: &str,
    origin: Origin,
    actor: &str,
) -> Result<(), StoreError> {
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO petition_revisions (petition_id, revision, definition, origin, actor, at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(revision)
        .bind(definition)
        .bind(origin.as_str())
        .bind(actor)
        .bind(clock.rfc3339())
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

/// Gives petition `id` a row for each of `milestones` it lacks.
async fn add_milestones(tx: &mut Tx<'_>, id: i64, milestones: &[u64]) -> Result<(), StoreError> {
    let total: i64 = on_conn!(tx, c => sqlx::query_scalar(super::signing::TOTAL).bind(id).fetch_one(&mut *c).await?);
    for &milestone in milestones {
        // A milestone added at or below the current count was reached before
        // anyone recorded when: it is marked undated rather than dated by the
        // next signing as if reached then.
        on_conn!(tx, c => {
            sqlx::query("INSERT INTO milestones (petition_id, count, undated) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(milestone as i64)
                .bind(milestone as i64 <= total)
                .execute(&mut *c)
                .await?;
        });
    }
    Ok(())
}

/// An audit log line, in the same transaction as the change it records:
/// revision numbers only, never anything personal.
async fn log(tx: &mut Tx<'_>, clock: &Clock, actor: &str, action: &str, slug: &str, detail: &str) -> Result<(), StoreError> {
    on_conn!(tx, c => {
        sqlx::query("INSERT INTO audit_log (at, actor, action, petition, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(clock.rfc3339())
            .bind(actor)
            .bind(action)
            .bind(slug)
            .bind(detail)
            .execute(&mut *c)
            .await?;
    });
    Ok(())
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

/// Every petition, in slug order: id, slug, definition and public count (the
/// row's count and its slots'), for the organiser's lists.
pub(super) const ALL_WITH_COUNT: &str = "SELECT id, slug, definition, signature_count + CAST(COALESCE((SELECT SUM(signatures) \
                                         FROM count_slots WHERE petition_id = petitions.id AND partner = ''), 0) AS BIGINT) \
                                         FROM petitions ORDER BY slug";

/// Every statement a petition read runs, for the test of their query plans.
pub const PETITION_VIEW_STATEMENTS: [&str; 5] = [VIEW_FIND, VIEW_MILESTONES, VIEW_REASONS, VIEW_HEALTHCARE, VIEW_PARTNERS];

/// The public view of the petition called `slug`: the same for everyone who
/// asks, so caches may share it.
///
/// Everything in it counts only counted signatures: flagged ones wait for
/// the organiser, their reasons unseen.
pub async fn petition(db: &Db, clock: &Clock, slug: &str) -> Result<Petition, StoreError> {
    petition_in(db, clock, slug, &[]).await
}

/// The public view of the petition called `slug` in the best of its
/// languages for `wanted` (BCP 47 tags, most wanted first), else in its own.
pub async fn petition_in(db: &Db, clock: &Clock, slug: &str, wanted: &[&str]) -> Result<Petition, StoreError> {
    let (id, definition, count) = find(db, slug).await?;
    view(db, clock, Some(id), definition, wanted, count).await
}

/// The public view of the petition called `slug` (in the best of its
/// languages for `wanted`) with the definition it comes from, as saved (in
/// its own language, with its translations): what the petition's own page,
/// its link preview, badge and poster draw (its accent colour, its pictures).
pub async fn petition_with_definition(
    db: &Db,
    clock: &Clock,
    slug: &str,
    wanted: &[&str],
) -> Result<(Petition, PetitionFile), StoreError> {
    let (id, definition, count) = find(db, slug).await?;
    Ok((view(db, clock, Some(id), definition.clone(), wanted, count).await?, definition))
}

/// The public view `definition` would have if it were saved: a draft in the
/// dashboard's preview, with the figures of the petition of its slug (none,
/// for a new one).
pub async fn draft_view(db: &Db, clock: &Clock, definition: PetitionFile) -> Result<Petition, StoreError> {
    match find(db, &definition.slug).await {
        Ok((id, _, count)) => view(db, clock, Some(id), definition, &[], count).await,
        Err(StoreError::NotFound) => view(db, clock, None, definition, &[], 0).await,
        Err(error) => Err(error),
    }
}

/// The public view of petition `id` (`None`: not saved yet) with
/// `definition`, in the best of its languages for `wanted`.
async fn view(
    db: &Db,
    clock: &Clock,
    id: Option<i64>,
    definition: PetitionFile,
    wanted: &[&str],
    count: u64,
) -> Result<Petition, StoreError> {
    let languages: Vec<String> = definition.languages().into_iter().map(str::to_owned).collect();
    let language = definition.best_language(wanted.iter().copied()).to_owned();
    let definition = definition.in_language(&language);
    let (milestones, reasons, healthcare, by_partner) = match id {
        Some(id) => {
            let milestones = milestones_of(db, id, &definition).await?;
            let (reasons, healthcare, by_partner): (Vec<String>, i64, Vec<(String, i64)>) = on_pool!(db, pool => (
                sqlx::query_scalar(VIEW_REASONS).bind(id).bind(REASONS_SHOWN).fetch_all(pool).await?,
                sqlx::query_scalar(VIEW_HEALTHCARE).bind(id).fetch_one(pool).await?,
                sqlx::query_as(VIEW_PARTNERS).bind(id).fetch_all(pool).await?,
            ));
            (milestones, reasons, healthcare, by_partner)
        }
        None => {
            let milestones = definition.milestones.iter().map(|&count| Milestone { count, reached_at: None }).collect();
            (milestones, Vec::new(), 0i64, Vec::new())
        }
    };
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
        language,
        languages,
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

/// The petition's definition (for its title) and live state, after a
/// confirmation or removal changed its count.
pub(super) async fn titled_update(db: &Db, petition_id: i64) -> Result<(PetitionFile, CountUpdate), StoreError> {
    let (slug, definition): (String, String) = on_pool!(db, pool => {
        sqlx::query_as("SELECT slug, definition FROM petitions WHERE id = $1").bind(petition_id).fetch_one(pool).await?
    });
    let definition: PetitionFile = serde_json::from_str(&definition)?;
    Ok((definition, count_update(db, &slug).await?))
}

/// The petition's milestone timeline: the milestones `definition` lists,
/// each with when it was reached. Rows for milestones no longer listed stay
/// in the database with their history; one listed but never saved (a draft
/// in the preview) is not reached.
pub(super) async fn milestones_of(db: &Db, id: i64, definition: &PetitionFile) -> Result<Vec<Milestone>, StoreError> {
    let rows: Vec<(i64, Option<String>)> =
        on_pool!(db, pool => sqlx::query_as(VIEW_MILESTONES).bind(id).fetch_all(pool).await?);
    Ok(definition
        .milestones
        .iter()
        .map(|&count| Milestone {
            count,
            reached_at: rows.iter().find(|(n, _)| *n as u64 == count).and_then(|(_, at)| at.clone()),
        })
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
