//! The organiser's housekeeping, organisers only (a partner's account gets
//! 403 from every route here):
//!
//! - held signatures and held reasons of a petition, approved or rejected
//!   one by one or in bulk (`/admin/petitions/{slug}/held`);
//! - signatures gathered on paper or offline, entered and corrected
//!   (`/admin/petitions/{slug}/paper`);
//! - a signer's erasure and the retention rules on demand (`/admin/rights`);
//! - the dashboard's accounts (`/admin/accounts`);
//! - the audit log (`/admin/audit`).
//!
//! Every page is a plain form that works without script: a write answers
//! 303 back to its page, which says what happened in a `role="status"`
//! notice, or the page again with GOV.UK-style errors (a summary and one
//! under each field) and what was typed. `review.js` adds keyboard review.
//! Every change is audited, with counts only: never a signer's name,
//! address or reason.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use serde::Deserialize;

use super::{
    pages::{self, Nav},
    Organiser,
};
use crate::{
    admin::{self, Verdict},
    http::AppState,
    petition_file::{is_slug, PetitionFile},
    store::{self, Session, StoreError},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/petitions/{slug}/held", get(held_page))
        .route("/admin/petitions/{slug}/held/approve", post(approve_signatures))
        .route("/admin/petitions/{slug}/held/reject", post(reject_signatures))
        .route("/admin/petitions/{slug}/held-reasons/approve", post(approve_reasons))
        .route("/admin/petitions/{slug}/held-reasons/reject", post(reject_reasons))
        .route("/admin/petitions/{slug}/paper", get(paper_page).post(add_paper))
        .route("/admin/petitions/{slug}/paper/{entry}", post(correct_paper))
        .route("/admin/rights", get(rights_page))
        .route("/admin/rights/erase", post(erase))
        .route("/admin/rights/retention", post(retention))
        .route("/admin/accounts", get(accounts_page).post(add_account))
        .route("/admin/accounts/remove", post(remove_account))
        .route("/admin/audit", get(audit_page))
}

use super::words::{filters, grouped};

/// `"1 signature"`, `"3 signatures"`.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

/// One problem with a form: the field's id (the summary links to it) and the words.
#[derive(Debug, Clone)]
struct FieldError {
    field: String,
    words: String,
}

impl FieldError {
    fn new(field: impl Into<String>, words: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), words: words.into() }
    }
}

/// The words for `field` among `errors`, if it has a problem (for the inline error).
fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors.iter().find(|e| e.field == field).map(|e| e.words.as_str())
}

/// A 404 page: no petition at this address.
#[derive(Template)]
#[template(path = "admin/no_petition.html")]
struct NoPetition {
    nav: Option<Nav>,
}

/// A store failure as a page: 404 for an unknown petition, else a 500 (logged).
fn failed(session: &Session, error: StoreError) -> Response {
    match error {
        StoreError::NotFound => no_petition(session),
        other => crate::http::Error::from(other).into_response(),
    }
}

fn no_petition(session: &Session) -> Response {
    (StatusCode::NOT_FOUND, pages::render(&NoPetition { nav: Nav::of(session) })).into_response()
}

/// A page answered with `status` (a form with errors: 422).
fn render_with(status: StatusCode, page: &impl Template) -> Response {
    let mut response = pages::render(page);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

/// Adds a line to the audit log; a failure is logged, not shown: the change
/// itself has been made and committed.
async fn audit(state: &AppState, session: &Session, action: &str, petition: Option<&str>, detail: &str) {
    if let Err(error) = store::audit(&state.db, &state.clock, &session.account.name, action, petition, detail).await {
        tracing::error!(%error, action, "could not write the audit log");
    }
}

/// Sends the petition's new count to every widget and dashboard watching it.
async fn publish(state: &AppState, slug: &str) {
    match store::count_update(&state.db, slug).await {
        Ok(update) => state.live.publish(update),
        Err(error) => tracing::error!(%error, slug, "could not read the count to publish"),
    }
}

/// `text` cut to `max` characters, with an ellipsis if it was longer.
fn truncated(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Held signatures and reasons

/// What the last review did, as the 303 after it says (`?done=…&n=…`).
#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
    n: Option<u64>,
    entry: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/held.html")]
struct HeldPage {
    nav: Option<Nav>,
    csrf: String,
    slug: String,
    title: String,
    held: Vec<HeldRow>,
    reasons: Vec<store::HeldReason>,
    notice: Option<String>,
    errors: Vec<FieldError>,
}

/// A held signature as the table shows it.
struct HeldRow {
    id: i64,
    signed_at: String,
    /// Why it was held, in words.
    why: &'static str,
    /// The start of the source's hash: enough to see many from one place.
    source: String,
    name: String,
    email: String,
}

impl HeldRow {
    fn of(held: store::Held) -> HeldRow {
        let why = match held.flag.as_str() {
            "honeypot" => "Honeypot: a field people never see was filled in",
            "too-fast" => "Too fast: sent sooner than anyone could type",
            "burst" => "Burst: one of many from one source at once",
            _ => "Held",
        };
        HeldRow {
            id: held.id,
            signed_at: held.signed_at,
            why,
            source: held.source.chars().take(12).collect(),
            name: held.name,
            email: held.email,
        }
    }
}

async fn held_page(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Path(slug): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    show_held(&state, &session, &slug, &done, Vec::new()).await
}

async fn show_held(state: &AppState, session: &Session, slug: &str, done: &Done, errors: Vec<FieldError>) -> Response {
    if !is_slug(slug) {
        return no_petition(session);
    }
    let petition = match store::petition(&state.db, &state.clock, slug).await {
        Ok(petition) => petition,
        Err(error) => return failed(session, error),
    };
    let (held, reasons) = match (admin::held(&state.db, slug).await, admin::held_reasons(&state.db, slug).await) {
        (Ok(held), Ok(reasons)) => (held, reasons),
        (Err(error), _) | (_, Err(error)) => return failed(session, error),
    };
    let count = grouped(petition.signature_count);
    let n = done.n.unwrap_or(0);
    let notice = match (done.done.as_deref(), n) {
        (Some("approved-signatures" | "rejected-signatures" | "approved-reasons" | "rejected-reasons"), 0) => {
            Some("Nothing changed: those had been reviewed already".to_owned())
        }
        (Some("approved-signatures"), _) => {
            Some(format!("Approved {}; the count is now {count}", counted(n, "signature", "signatures")))
        }
        (Some("rejected-signatures"), _) => Some(format!(
            "Rejected {}: their personal data is erased and they will never count",
            counted(n, "signature", "signatures")
        )),
        (Some("approved-reasons"), _) => {
            Some(format!("Approved {}: the widget can show them now", counted(n, "reason", "reasons")))
        }
        (Some("rejected-reasons"), _) => {
            Some(format!("Rejected {}: the words are deleted, the signatures still count", counted(n, "reason", "reasons")))
        }
        _ => None,
    };
    let page = HeldPage {
        nav: Nav::of(session),
        csrf: session.csrf.clone(),
        slug: slug.to_owned(),
        title: petition.title,
        held: held.into_iter().map(HeldRow::of).collect(),
        reasons,
        notice,
        errors,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(status, &page)
}

/// The ids a review form names: the one row whose button was pressed
/// (`only`), or else every box ticked (`id`).
fn chosen(fields: &[(String, String)]) -> Vec<i64> {
    let only: Vec<i64> = fields.iter().filter(|(k, _)| k == "only").filter_map(|(_, v)| v.parse().ok()).collect();
    if !only.is_empty() {
        return only;
    }
    fields.iter().filter(|(k, _)| k == "id").filter_map(|(_, v)| v.parse().ok()).collect()
}

async fn approve_signatures(
    state: State<AppState>,
    organiser: Organiser,
    slug: Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    review_signatures(state, organiser, slug, fields, Verdict::Approve).await
}

async fn reject_signatures(
    state: State<AppState>,
    organiser: Organiser,
    slug: Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    review_signatures(state, organiser, slug, fields, Verdict::Reject).await
}

async fn review_signatures(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Path(slug): Path<String>,
    fields: Vec<(String, String)>,
    verdict: Verdict,
) -> Response {
    if !is_slug(&slug) {
        return no_petition(&session);
    }
    let ids = chosen(&fields);
    if ids.is_empty() {
        let error = FieldError::new("held-signatures", "Select the signatures to approve or reject");
        return show_held(&state, &session, &slug, &Done::default(), vec![error]).await;
    }
    let (changed, count) = match admin::review(&state.db, &state.clock, &slug, &ids, verdict).await {
        Ok(done) => done,
        Err(error) => return failed(&session, error),
    };
    let (action, done) = match verdict {
        Verdict::Approve => ("approve-signatures", "approved-signatures"),
        Verdict::Reject => ("reject-signatures", "rejected-signatures"),
    };
    publish(&state, &slug).await;
    let detail = format!("{changed} of {} chosen; count {count}", ids.len());
    audit(&state, &session, action, Some(&slug), &detail).await;
    Redirect::to(&format!("/admin/petitions/{slug}/held?done={done}&n={changed}")).into_response()
}

async fn approve_reasons(
    state: State<AppState>,
    organiser: Organiser,
    slug: Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    review_reasons(state, organiser, slug, fields, Verdict::Approve).await
}

async fn reject_reasons(
    state: State<AppState>,
    organiser: Organiser,
    slug: Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    review_reasons(state, organiser, slug, fields, Verdict::Reject).await
}

async fn review_reasons(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Path(slug): Path<String>,
    fields: Vec<(String, String)>,
    verdict: Verdict,
) -> Response {
    if !is_slug(&slug) {
        return no_petition(&session);
    }
    let ids = chosen(&fields);
    if ids.is_empty() {
        let error = FieldError::new("held-reasons", "Select the reasons to approve or reject");
        return show_held(&state, &session, &slug, &Done::default(), vec![error]).await;
    }
    let changed = match admin::review_reasons(&state.db, &slug, &ids, verdict).await {
        Ok(changed) => changed,
        Err(error) => return failed(&session, error),
    };
    let (action, done) = match verdict {
        Verdict::Approve => ("approve-reasons", "approved-reasons"),
        Verdict::Reject => ("reject-reasons", "rejected-reasons"),
    };
    // The widget's reasons are part of the petition's state: pages watching
    // it fetch it again.
    if changed > 0 {
        publish(&state, &slug).await;
    }
    audit(&state, &session, action, Some(&slug), &format!("{changed} of {} chosen", ids.len())).await;
    Redirect::to(&format!("/admin/petitions/{slug}/held?done={done}&n={changed}")).into_response()
}

// ---------------------------------------------------------------------------
// Paper signatures

/// The most one entry may add (or be corrected to).
const PAPER_MAX: u64 = 1_000_000;
/// The longest note, in characters.
const NOTE_MAX: usize = 500;

/// A paper form as typed.
#[derive(Deserialize, Default, Clone)]
struct PaperForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    note: String,
}

/// The number and the note of a paper form, checked: a whole number from
/// `least` (1 for a new entry, 0 for a correction) to [`PAPER_MAX`], and a
/// note of 1 to [`NOTE_MAX`] characters. Errors name the fields with ids
/// ending in `suffix` (`""` for the new entry, `-4` for entry 4).
fn check_paper(form: &PaperForm, least: u64, suffix: &str) -> Result<(u64, String), Vec<FieldError>> {
    let mut errors = Vec::new();
    // People write 1,200 or 1 200; nothing else but digits.
    let digits: String = form.amount.trim().chars().filter(|c| !matches!(c, ',' | ' ')).collect();
    let range = if least == 0 {
        format!("Enter a number from 0 to {} (0 withdraws the entry)", grouped(PAPER_MAX))
    } else {
        format!("Enter a number from {} to {}", grouped(least), grouped(PAPER_MAX))
    };
    let amount = if digits.is_empty() {
        errors.push(FieldError::new(format!("amount{suffix}"), "Enter the number of signatures"));
        0
    } else if !digits.chars().all(|c| c.is_ascii_digit()) {
        errors.push(FieldError::new(format!("amount{suffix}"), "Enter the number of signatures as a whole number, like 312"));
        0
    } else {
        match digits.parse::<u64>() {
            Ok(n) if (least..=PAPER_MAX).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(format!("amount{suffix}"), range));
                0
            }
        }
    };
    let note = form.note.trim();
    if note.is_empty() {
        errors.push(FieldError::new(format!("note{suffix}"), "Enter a note saying where these signatures came from"));
    } else if note.chars().count() > NOTE_MAX {
        errors.push(FieldError::new(format!("note{suffix}"), format!("Enter a note of {NOTE_MAX} characters or fewer")));
    }
    if errors.is_empty() {
        Ok((amount, note.to_owned()))
    } else {
        Err(errors)
    }
}

#[derive(Template)]
#[template(path = "admin/paper.html")]
struct PaperPage {
    nav: Option<Nav>,
    csrf: String,
    slug: String,
    title: String,
    count: u64,
    paper_count: u64,
    entries: Vec<store::PaperEntry>,
    notice: Option<String>,
    errors: Vec<FieldError>,
    /// The new entry's form, as typed.
    add: PaperForm,
    /// The correction that failed, as typed: which entry, and what.
    correcting: Option<(i64, PaperForm)>,
}

impl PaperPage {
    /// What the correction form of `entry` shows: what was typed if its
    /// correction failed, else what is stored.
    fn form_for(&self, entry: &store::PaperEntry) -> PaperForm {
        match &self.correcting {
            Some((id, typed)) if *id == entry.id => typed.clone(),
            _ => PaperForm { amount: entry.amount.to_string(), note: entry.note.clone() },
        }
    }

    /// Whether `entry`'s correction failed (its form opens, showing why).
    fn failed(&self, entry: &store::PaperEntry) -> bool {
        matches!(&self.correcting, Some((id, _)) if *id == entry.id)
    }

    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    /// The problem with `field` of `entry`'s correction, if any.
    fn entry_error(&self, field: &str, entry: &i64) -> Option<&str> {
        self.errors.iter().find(|e| e.field == format!("{field}-{entry}")).map(|e| e.words.as_str())
    }
}

async fn paper_page(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Path(slug): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    show_paper(&state, &session, &slug, &done, Vec::new(), PaperForm::default(), None).await
}

async fn show_paper(
    state: &AppState,
    session: &Session,
    slug: &str,
    done: &Done,
    errors: Vec<FieldError>,
    add: PaperForm,
    correcting: Option<(i64, PaperForm)>,
) -> Response {
    if !is_slug(slug) {
        return no_petition(session);
    }
    let (petition, entries) =
        match (store::petition(&state.db, &state.clock, slug).await, store::paper_entries(&state.db, slug).await) {
            (Ok(petition), Ok(entries)) => (petition, entries),
            (Err(error), _) | (_, Err(error)) => return failed(session, error),
        };
    let count = grouped(petition.signature_count);
    let entry = done.entry.and_then(|id| entries.iter().find(|e| e.id == id));
    let notice = match (done.done.as_deref(), entry) {
        (Some("added"), Some(entry)) => Some(format!(
            "Added {} on paper (entry {}); the count is now {count}",
            counted(entry.amount, "signature", "signatures"),
            entry.id
        )),
        (Some("corrected"), Some(entry)) if entry.amount == 0 => {
            Some(format!("Withdrew entry {}; the count is now {count}", entry.id))
        }
        (Some("corrected"), Some(entry)) => Some(format!(
            "Corrected entry {} to {}; the count is now {count}",
            entry.id,
            counted(entry.amount, "signature", "signatures")
        )),
        _ => None,
    };
    let page = PaperPage {
        nav: Nav::of(session),
        csrf: session.csrf.clone(),
        slug: slug.to_owned(),
        title: petition.title,
        count: petition.signature_count,
        paper_count: entries.iter().map(|e| e.amount).sum(),
        entries,
        notice,
        errors,
        add,
        correcting,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(status, &page)
}

async fn add_paper(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Path(slug): Path<String>,
    Form(form): Form<PaperForm>,
) -> Response {
    if !is_slug(&slug) {
        return no_petition(&session);
    }
    let (amount, note) = match check_paper(&form, 1, "") {
        Ok(checked) => checked,
        Err(errors) => return show_paper(&state, &session, &slug, &Done::default(), errors, form, None).await,
    };
    let actor = &session.account.name;
    let change = match store::add_paper(&state.db, &state.clock, &slug, actor, amount, &note).await {
        Ok(change) => change,
        Err(error) => return failed(&session, error),
    };
    publish(&state, &slug).await;
    let detail = format!("added {} (entry {}): {}", change.to, change.entry, truncated(&note, 80));
    audit(&state, &session, "paper-count", Some(&slug), &detail).await;
    Redirect::to(&format!("/admin/petitions/{slug}/paper?done=added&entry={}", change.entry)).into_response()
}

async fn correct_paper(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Path((slug, entry)): Path<(String, String)>,
    Form(form): Form<PaperForm>,
) -> Response {
    let Some(entry) = entry.parse::<i64>().ok().filter(|_| is_slug(&slug)) else { return no_petition(&session) };
    let suffix = format!("-{entry}");
    let (amount, note) = match check_paper(&form, 0, &suffix) {
        Ok(checked) => checked,
        Err(errors) => {
            let add = PaperForm::default();
            return show_paper(&state, &session, &slug, &Done::default(), errors, add, Some((entry, form))).await;
        }
    };
    let actor = &session.account.name;
    let change = match store::correct_paper(&state.db, &state.clock, &slug, entry, actor, amount, &note).await {
        Ok(Some(change)) => change,
        Ok(None) => return no_petition(&session),
        Err(error) => return failed(&session, error),
    };
    publish(&state, &slug).await;
    let detail = format!("corrected entry {} from {} to {}: {}", change.entry, change.from, change.to, truncated(&note, 80));
    audit(&state, &session, "paper-count", Some(&slug), &detail).await;
    Redirect::to(&format!("/admin/petitions/{slug}/paper?done=corrected&entry={}", change.entry)).into_response()
}

// ---------------------------------------------------------------------------
// Signers' rights

/// What the last erasure or retention run did, as the 303 after it says.
#[derive(Deserialize, Default)]
struct RightsDone {
    erased: Option<u64>,
    uncounted: Option<u64>,
    anonymised: Option<u64>,
    unconfirmed: Option<u64>,
    hashes: Option<u64>,
    busy: Option<bool>,
}

#[derive(Template)]
#[template(path = "admin/rights.html")]
struct RightsPage {
    nav: Option<Nav>,
    csrf: String,
    notice: Option<String>,
    errors: Vec<FieldError>,
    /// The address typed into the erasure form (kept after an error).
    email: String,
    source_hash_days: u32,
}

impl RightsPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

async fn rights_page(State(state): State<AppState>, Organiser(session): Organiser, Query(done): Query<RightsDone>) -> Response {
    let notice = if let Some(erased) = done.erased {
        let uncounted = done.uncounted.unwrap_or(0);
        Some(match (erased, uncounted) {
            (0, _) => "No signature was made with that address: nothing was erased".to_owned(),
            (_, 0) => format!("Erased the personal data of {}; they still count", counted(erased, "signature", "signatures")),
            _ => format!(
                "Erased the personal data of {}; {} no longer {}",
                counted(erased, "signature", "signatures"),
                grouped(uncounted),
                if uncounted == 1 { "counts" } else { "count" }
            ),
        })
    } else if done.busy == Some(true) {
        Some("Another server was applying the retention rules at that moment: it does the same".to_owned())
    } else if let (Some(anonymised), Some(unconfirmed), Some(hashes)) = (done.anonymised, done.unconfirmed, done.hashes) {
        Some(format!(
            "Retention rules applied: {} of closed petitions anonymised, {} erased, {} dropped",
            counted(anonymised, "signature", "signatures"),
            counted(unconfirmed, "unconfirmed signature", "unconfirmed signatures"),
            counted(hashes, "source hash", "source hashes"),
        ))
    } else {
        None
    };
    let page = RightsPage {
        nav: Nav::of(&session),
        csrf: session.csrf.clone(),
        notice,
        errors: Vec::new(),
        email: String::new(),
        source_hash_days: state.source_hash_days,
    };
    pages::render(&page)
}

#[derive(Deserialize)]
struct ErasureForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    confirm: Option<String>,
}

async fn erase(State(state): State<AppState>, Organiser(session): Organiser, Form(form): Form<ErasureForm>) -> Response {
    let email = form.email.trim();
    let mut errors = Vec::new();
    if email.is_empty() {
        errors.push(FieldError::new("email", "Enter the signer's email address"));
    } else if !email.contains('@') || email.chars().count() > 320 {
        errors.push(FieldError::new("email", "Enter an email address like name@example.org"));
    }
    if form.confirm.as_deref() != Some("yes") {
        errors.push(FieldError::new("confirm", "Confirm that this signer's personal data is to be erased"));
    }
    if !errors.is_empty() {
        let page = RightsPage {
            nav: Nav::of(&session),
            csrf: session.csrf.clone(),
            notice: None,
            errors,
            email: form.email,
            source_hash_days: state.source_hash_days,
        };
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let erased = match admin::erase(&state.db, &state.clock, email).await {
        Ok(erased) => erased,
        Err(error) => return failed(&session, error),
    };
    // A signature that stopped counting moved its petition's count.
    if erased.uncounted > 0 {
        match store::slugs(&state.db).await {
            Ok(slugs) => {
                for slug in slugs {
                    publish(&state, &slug).await;
                }
            }
            Err(error) => tracing::error!(%error, "could not list the petitions to publish their counts"),
        }
    }
    // Counts only: the address must not outlive the erasure in the log.
    let detail = format!("{} erased, {} no longer counted", erased.signatures, erased.uncounted);
    audit(&state, &session, "erase", None, &detail).await;
    Redirect::to(&format!("/admin/rights?erased={}&uncounted={}", erased.signatures, erased.uncounted)).into_response()
}

async fn retention(State(state): State<AppState>, Organiser(session): Organiser) -> Response {
    let swept = match crate::retention::sweep(&state.db, &state.clock, state.source_hash_days).await {
        Ok(swept) => swept,
        Err(error) => return failed(&session, error),
    };
    if swept.another_instance_sweeping {
        audit(&state, &session, "retention", None, "another instance was sweeping").await;
        return Redirect::to("/admin/rights?busy=true").into_response();
    }
    let detail = format!(
        "{} anonymised, {} unconfirmed erased, {} source hashes dropped",
        swept.anonymised, swept.unconfirmed_erased, swept.source_hashes_dropped
    );
    audit(&state, &session, "retention", None, &detail).await;
    Redirect::to(&format!(
        "/admin/rights?anonymised={}&unconfirmed={}&hashes={}",
        swept.anonymised, swept.unconfirmed_erased, swept.source_hashes_dropped
    ))
    .into_response()
}

// ---------------------------------------------------------------------------
// Accounts

#[derive(Deserialize, Default)]
struct AccountsDone {
    done: Option<String>,
}

/// The form adding an account, as typed (the passwords are never sent back).
#[derive(Deserialize, Default)]
struct AccountForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    partner: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    nav: Option<Nav>,
    csrf: String,
    /// Whoever is signed in: their own row has no remove button.
    me: String,
    accounts: Vec<store::Account>,
    notice: Option<String>,
    errors: Vec<FieldError>,
    name: String,
    partner: String,
}

impl AccountsPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

async fn show_accounts(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    notice: Option<String>,
    errors: Vec<FieldError>,
    typed: AccountForm,
) -> Response {
    let accounts = match store::accounts(&state.db).await {
        Ok(accounts) => accounts,
        Err(error) => return failed(session, error),
    };
    let page = AccountsPage {
        nav: Nav::of(session),
        csrf: session.csrf.clone(),
        me: session.account.name.clone(),
        accounts,
        notice,
        errors,
        name: typed.name,
        partner: typed.partner,
    };
    render_with(status, &page)
}

async fn accounts_page(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Query(done): Query<AccountsDone>,
) -> Response {
    let notice = match done.done.as_deref() {
        Some("added") => Some("Account added: it can sign in now".to_owned()),
        Some("removed") => Some("Account removed: it is signed out and can no longer sign in".to_owned()),
        _ => None,
    };
    show_accounts(&state, &session, StatusCode::OK, notice, Vec::new(), AccountForm::default()).await
}

async fn add_account(State(state): State<AppState>, Organiser(session): Organiser, Form(form): Form<AccountForm>) -> Response {
    let name = form.name.trim().to_owned();
    let partner = Some(form.partner.trim()).filter(|p| !p.is_empty()).map(str::to_owned);
    let mut errors: Vec<FieldError> = Vec::new();
    if let Err((field, words)) = crate::admin_cli::check_account(&name, partner.as_deref(), &form.password) {
        errors.push(FieldError::new(field, words));
    }
    if error_for(&errors, "password").is_none() && form.password != form.password_again {
        errors.push(FieldError::new("password_again", "Enter the same password twice"));
    }
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    if !errors.is_empty() {
        return show_accounts(&state, &session, unprocessable, None, errors, form).await;
    }
    // Argon2 takes tens of milliseconds of CPU: not on the async threads.
    let password = form.password.clone();
    let hash = match tokio::task::spawn_blocking(move || crate::admin_auth::hash_password(&password)).await {
        Ok(Ok(hash)) => hash,
        Ok(Err(error)) => {
            tracing::error!(%error, "could not hash a new account's password");
            return (StatusCode::INTERNAL_SERVER_ERROR, "Sorry, something went wrong. Please try again.").into_response();
        }
        Err(error) => {
            tracing::error!(%error, "hashing a new account's password stopped");
            return (StatusCode::INTERNAL_SERVER_ERROR, "Sorry, something went wrong. Please try again.").into_response();
        }
    };
    match store::add_account(&state.db, &state.clock, &name, &hash, partner.as_deref()).await {
        Ok(true) => {}
        Ok(false) => {
            let error = FieldError::new("name", format!("There is already an account called {name}: choose another name"));
            return show_accounts(&state, &session, unprocessable, None, vec![error], form).await;
        }
        Err(error) => return failed(&session, error),
    }
    let detail = match &partner {
        Some(partner) => format!("{name} (partner {partner})"),
        None => format!("{name} (organiser)"),
    };
    audit(&state, &session, "account-added", None, &detail).await;
    Redirect::to("/admin/accounts?done=added").into_response()
}

#[derive(Deserialize)]
struct Removal {
    #[serde(default)]
    name: String,
}

async fn remove_account(State(state): State<AppState>, Organiser(session): Organiser, Form(removal): Form<Removal>) -> Response {
    if removal.name == session.account.name {
        let error = FieldError::new(
            "accounts",
            "You can't remove the account you are signed in with: ask another organiser to do it",
        );
        return show_accounts(&state, &session, StatusCode::CONFLICT, None, vec![error], AccountForm::default()).await;
    }
    match store::remove_account(&state.db, &removal.name).await {
        Ok(true) => {}
        Ok(false) => {
            let error = FieldError::new("accounts", "There is no such account: it may have been removed already");
            return show_accounts(&state, &session, StatusCode::NOT_FOUND, None, vec![error], AccountForm::default()).await;
        }
        Err(error) => return failed(&session, error),
    }
    audit(&state, &session, "account-removed", None, &removal.name).await;
    Redirect::to("/admin/accounts?done=removed").into_response()
}

// ---------------------------------------------------------------------------
// The audit log

/// How many lines the audit page shows.
const AUDIT_SHOWN: i64 = 200;

#[derive(Deserialize, Default)]
struct AuditQuery {
    petition: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    nav: Option<Nav>,
    /// Every petition, (slug, title), for the filter.
    petitions: Vec<(String, String)>,
    /// The petition shown, if filtered.
    petition: Option<String>,
    entries: Vec<store::AuditEntry>,
    /// The most lines shown.
    shown: i64,
}

async fn audit_page(State(state): State<AppState>, Organiser(session): Organiser, Query(query): Query<AuditQuery>) -> Response {
    let petition = query.petition.filter(|p| !p.is_empty());
    let (definitions, entries) = match (
        store::petition_definitions(&state.db).await,
        store::audit_log(&state.db, petition.as_deref(), AUDIT_SHOWN).await,
    ) {
        (Ok(definitions), Ok(entries)) => (definitions, entries),
        (Err(error), _) | (_, Err(error)) => return failed(&session, error),
    };
    let mut petitions = Vec::with_capacity(definitions.len());
    for (_, definition) in definitions {
        match serde_json::from_str::<PetitionFile>(&definition) {
            Ok(file) => petitions.push((file.slug, file.title)),
            Err(error) => return failed(&session, error.into()),
        }
    }
    petitions.sort();
    pages::render(&AuditPage { nav: Nav::of(&session), petitions, petition, entries, shown: AUDIT_SHOWN })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(312), "312");
        assert_eq!(grouped(1204), "1,204");
        assert_eq!(grouped(1_000_000), "1,000,000");
    }

    fn paper(amount: &str, note: &str) -> PaperForm {
        PaperForm { amount: amount.into(), note: note.into() }
    }

    #[test]
    fn a_paper_entry_is_a_whole_number_in_range_with_a_note() {
        assert_eq!(check_paper(&paper(" 1,200 ", " clinic "), 1, "").unwrap(), (1200, "clinic".into()));
        assert_eq!(check_paper(&paper("0", "withdrawn"), 0, "-4").unwrap(), (0, "withdrawn".into()));
        let fields = |result: Result<(u64, String), Vec<FieldError>>| -> Vec<String> {
            result.unwrap_err().into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(check_paper(&paper("0", "x"), 1, "")), ["amount"]);
        assert_eq!(fields(check_paper(&paper("1000001", "x"), 0, "-4")), ["amount-4"]);
        assert_eq!(fields(check_paper(&paper("3.5", ""), 1, "")), ["amount", "note"]);
        assert_eq!(fields(check_paper(&paper("-1", "x"), 0, "")), ["amount"]);
        assert_eq!(fields(check_paper(&paper("12", &"n".repeat(501)), 1, "")), ["note"]);
        assert!(check_paper(&paper("12", &"é".repeat(500)), 1, "").is_ok());
    }

    #[test]
    fn long_notes_are_cut_at_a_character() {
        assert_eq!(truncated("short", 80), "short");
        assert_eq!(truncated("ééé", 2), "éé…");
    }
}
