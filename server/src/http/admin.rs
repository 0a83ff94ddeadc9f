//! `/api/admin/`: the organiser's command line over HTTP, for whoever holds
//! an admin credential (see [`crate::admin_auth`]).
//!
//! These routes sit outside the CORS layer, so a browser on another origin
//! never gets to read their answers, and every refusal is the same bare
//! 401 (or 403 when no credential is configured at all).

use axum::{
    body::Bytes,
    extract::{Path, Query, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use petition_core::ApiError;
use serde::Deserialize;

use super::{error::Json, AppState, Error, Source};
use crate::{
    admin::{self, Audience, Batch, Verdict},
    admin_auth::Denied,
    petition_file::PetitionFile,
    store,
};

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/admin/petitions", get(list))
        .route("/api/admin/petitions/{slug}", axum::routing::put(apply))
        .route("/api/admin/petitions/{slug}/signatures.csv", get(export))
        .route("/api/admin/petitions/{slug}/held", get(held))
        .route("/api/admin/petitions/{slug}/approve", post(approve))
        .route("/api/admin/petitions/{slug}/reject", post(reject))
        .route("/api/admin/petitions/{slug}/invalidate", post(invalidate))
        .route("/api/admin/petitions/{slug}/held-reasons", get(held_reasons))
        .route("/api/admin/petitions/{slug}/reasons/approve", post(approve_reasons))
        .route("/api/admin/petitions/{slug}/reasons/reject", post(reject_reasons))
        .route("/api/admin/erasures", post(erase))
        .route("/api/admin/retention", post(retention))
        .route_layer(axum::middleware::from_fn_with_state(state, authorised))
}

/// Lets a request through only with a valid credential; at most the
/// per-source request rate from one source, as signing is (Argon2 is slow
/// on purpose, and must not be a way to load the server).
async fn authorised(State(state): State<AppState>, Source(source): Source, request: Request, next: Next) -> Response {
    if let Err(wait) = state.guard.admit("admin", &source) {
        return Error::TooMany(wait).into_response();
    }
    let authorization = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let auth = state.admin.clone();
    // Argon2 takes tens of milliseconds of CPU: not on the async threads.
    let verdict = tokio::task::spawn_blocking(move || auth.check(authorization.as_deref())).await;
    match verdict {
        Ok(Ok(())) => next.run(request).await,
        Ok(Err(Denied::Disabled)) => refuse(StatusCode::FORBIDDEN),
        _ => refuse(StatusCode::UNAUTHORIZED),
    }
}

fn refuse(status: StatusCode) -> Response {
    let body = ApiError { error: "Not allowed".into(), ..ApiError::default() };
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer, Basic"));
    }
    response
}

async fn list(State(state): State<AppState>) -> Result<impl IntoResponse, Error> {
    Ok(axum::Json(admin::list(&state.db).await?))
}

/// `PUT` a petition file's TOML: checked, then created or updated.
async fn apply(State(state): State<AppState>, Path(slug): Path<String>, body: Bytes) -> Result<Response, Error> {
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| Error::Body(StatusCode::UNPROCESSABLE_ENTITY, "The petition file must be UTF-8 text".into()))?;
    let file = PetitionFile::parse(&text).map_err(|e| Error::Body(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")))?;
    if file.slug != slug {
        let message = format!("The file's slug is {:?}, not {slug:?} as in the address", file.slug);
        return Err(Error::Body(StatusCode::UNPROCESSABLE_ENTITY, message));
    }
    let existed = store::upsert_petition(&state.db, &state.clock, &file).await?;
    let status = if existed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, axum::Json(serde_json::json!({ "slug": slug, "created": !existed }))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    partner: Option<String>,
}

/// The petition's signatures as a CSV download, streamed (see [`admin::export`]).
async fn export(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, Error> {
    // The partner's name goes into the file name: a slug, or nothing.
    if query.partner.as_deref().is_some_and(|partner| !crate::petition_file::is_slug(partner)) {
        let message = "partner must be a partner's name as in the petition file: lower-case letters, digits and hyphens";
        return Err(Error::Body(StatusCode::UNPROCESSABLE_ENTITY, message.into()));
    }
    let audience = query.partner.map_or(Audience::Organiser, Audience::Partner);
    Ok(admin::export(&state.db, &state.clock, "admin API", &slug, audience).await?.into_response())
}

async fn held(State(state): State<AppState>, Path(slug): Path<String>) -> Result<impl IntoResponse, Error> {
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(admin::held(&state.db, &slug).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ids {
    ids: Vec<i64>,
}

async fn approve(state: State<AppState>, slug: Path<String>, Json(ids): Json<Ids>) -> Result<impl IntoResponse, Error> {
    review(state, slug, ids, Verdict::Approve).await
}

async fn reject(state: State<AppState>, slug: Path<String>, Json(ids): Json<Ids>) -> Result<impl IntoResponse, Error> {
    review(state, slug, ids, Verdict::Reject).await
}

async fn review(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ids: Ids,
    verdict: Verdict,
) -> Result<impl IntoResponse, Error> {
    let (changed, count) = admin::review(&state.db, &state.clock, &slug, &ids.ids, verdict).await?;
    announce(&state, &slug).await;
    Ok(axum::Json(serde_json::json!({ "changed": changed, "signature_count": count })))
}

async fn held_reasons(State(state): State<AppState>, Path(slug): Path<String>) -> Result<impl IntoResponse, Error> {
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(admin::held_reasons(&state.db, &slug).await?)))
}

async fn approve_reasons(state: State<AppState>, slug: Path<String>, Json(ids): Json<Ids>) -> Result<impl IntoResponse, Error> {
    review_reasons(state, slug, ids, Verdict::Approve).await
}

async fn reject_reasons(state: State<AppState>, slug: Path<String>, Json(ids): Json<Ids>) -> Result<impl IntoResponse, Error> {
    review_reasons(state, slug, ids, Verdict::Reject).await
}

async fn review_reasons(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ids: Ids,
    verdict: Verdict,
) -> Result<impl IntoResponse, Error> {
    let changed = admin::review_reasons(&state.db, &slug, &ids.ids, verdict).await?;
    Ok(axum::Json(serde_json::json!({ "changed": changed })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Invalidation {
    from: Option<String>,
    to: Option<String>,
    source: Option<String>,
}

async fn invalidate(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Json(request): Json<Invalidation>,
) -> Result<impl IntoResponse, Error> {
    let batch = match request {
        Invalidation { from: Some(from), to: Some(to), source: None }
            if humantime::parse_rfc3339(&from).is_ok() && humantime::parse_rfc3339(&to).is_ok() =>
        {
            Batch::Between(from, to)
        }
        Invalidation { from: None, to: None, source: Some(source) } => Batch::Source(source),
        _ => {
            let message = "Give either from and to (times like 2026-11-22T10:00:00Z) or source";
            return Err(Error::Body(StatusCode::UNPROCESSABLE_ENTITY, message.into()));
        }
    };
    let (changed, count) = admin::invalidate(&state.db, &state.clock, &slug, &batch).await?;
    announce(&state, &slug).await;
    Ok(axum::Json(serde_json::json!({ "changed": changed, "signature_count": count })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Erasure {
    email: String,
}

async fn erase(State(state): State<AppState>, Json(request): Json<Erasure>) -> Result<impl IntoResponse, Error> {
    let erased = admin::erase(&state.db, &state.clock, &request.email).await?;
    if erased.uncounted > 0 {
        for slug in store::slugs(&state.db).await? {
            announce(&state, &slug).await;
        }
    }
    Ok(axum::Json(erased))
}

/// Applies the retention rules now, as the hourly sweep does.
async fn retention(State(state): State<AppState>) -> Result<impl IntoResponse, Error> {
    Ok(axum::Json(crate::retention::sweep(&state.db, &state.clock, state.source_hash_days).await?))
}

/// Sends the petition's new count to every page watching it.
async fn announce(state: &AppState, slug: &str) {
    if let Ok(update) = store::count_update(&state.db, slug).await {
        state.live.publish(update);
    }
}
