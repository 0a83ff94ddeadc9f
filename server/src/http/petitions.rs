//! `/api/petitions/{slug}`: a petition's public view, and signing it.

use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use petition_core::{share_source, validate, ApiError, Challenge, Petition, SignatureReceipt, SignatureRequest};

use super::{error::Json, ApiRoute, AppState, Error, Source};
use crate::store;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute { path: "/api/petitions/{slug}", method: Method::GET, handler: get(show) },
        ApiRoute {
            path: "/api/petitions/{slug}/signatures",
            method: Method::POST,
            handler: post(sign).layer(axum::middleware::from_fn(read_whole_body)),
        },
        ApiRoute { path: "/api/petitions/{slug}/challenge", method: Method::GET, handler: get(challenge) },
    ]
}

/// A petition's public view: its words, count, goal, milestones, partners'
/// counts and public reasons (no personal data), and a fresh proof-of-work
/// challenge for the form.
#[utoipa::path(
    get,
    path = "/api/petitions/{slug}",
    tag = "petitions",
    params(("slug" = String, Path, description = "The petition's name, as in the embed tag", example = "stop-sharing")),
    responses(
        (status = 200, description = "The petition", body = Petition,
         headers(("Cache-Control" = String, description = "no-store"))),
        (status = 404, description = "No petition has that name", body = ApiError),
        (status = 408, description = "The request took too long", body = ApiError),
    )
)]
pub(super) async fn show(
    State(state): State<AppState>,
    Source(source): Source,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse, Error> {
    let challenge = state.guard.challenge(&slug, &source);
    let petition: Petition = store::petition(&state.db, &state.clock, &slug, challenge).await?;
    // The count changes with every signature and the challenge with every
    // request: caches must never reuse this answer.
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(petition)))
}

/// How much of an oversized body is read (and thrown away) so that its 413
/// reaches the client; beyond this the connection is simply closed.
const DRAIN_LIMIT: usize = 64 * 1024;

/// Reads a signing request's whole body before it is handled. Without this,
/// a refusal decided before the body is read (415 for the wrong content type,
/// 413) is sent while the client is still uploading, the connection closes,
/// and the client sees a broken pipe instead of the answer.
async fn read_whole_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let too_large = || Error::Body(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large".into());
    match axum::body::to_bytes(body, DRAIN_LIMIT).await {
        Ok(bytes) if bytes.len() <= super::BODY_LIMIT => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Ok(_) => too_large().into_response(),
        Err(error) => {
            if error.into_inner().is::<http_body_util::LengthLimitError>() {
                return too_large().into_response();
            }
            // The client went away or sent a broken chunked encoding.
            Error::Body(StatusCode::BAD_REQUEST, "The request body could not be read".into()).into_response()
        }
    }
}

/// A new proof-of-work challenge alone, for a form whose challenge has
/// expired. Any name gets one; signing checks the petition.
#[utoipa::path(
    get,
    path = "/api/petitions/{slug}/challenge",
    tag = "petitions",
    params(("slug" = String, Path, description = "The petition's name", example = "stop-sharing")),
    responses(
        (status = 200, description = "A challenge", body = Challenge,
         headers(("Cache-Control" = String, description = "no-store"))),
        (status = 408, description = "The request took too long", body = ApiError),
    )
)]
pub(super) async fn challenge(
    State(state): State<AppState>,
    Source(source): Source,
    Path(slug): Path<String>,
) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(state.guard.challenge(&slug, &source)))
}

/// Signs the petition. A repeat from the same address (by its canonical
/// form) gets the same answer as a first signature and is not counted twice.
///
/// Checks in the order that costs a flood least: the rate (memory), the
/// fields (CPU), the challenge (one hash), and only then the database.
#[utoipa::path(
    post,
    path = "/api/petitions/{slug}/signatures",
    tag = "petitions",
    params(("slug" = String, Path, description = "The petition's name", example = "stop-sharing")),
    request_body = SignatureRequest,
    responses(
        (status = 200, description = "Signed (or signed before): the petition's count after", body = SignatureReceipt),
        (status = 400, description = "The body is not JSON", body = ApiError),
        (status = 403, description = "The form's challenge is missing, wrong, expired or spent", body = ApiError),
        (status = 404, description = "No petition has that name", body = ApiError),
        (status = 408, description = "The request took too long", body = ApiError),
        (status = 410, description = "The petition has closed", body = ApiError),
        (status = 413, description = "The body is over 16 KiB", body = ApiError),
        (status = 415, description = "The body is not sent as application/json", body = ApiError),
        (status = 422, description = "Fields break the rules (one message per field), or unknown fields or wrong types", body = ApiError),
        (status = 429, description = "Too many requests from one source; try again later", body = ApiError,
         headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
pub(super) async fn sign(
    State(state): State<AppState>,
    Source(source): Source,
    Path(slug): Path<String>,
    request: Result<Json<SignatureRequest>, Error>,
) -> Result<axum::Json<SignatureReceipt>, Error> {
    // Each refusal is counted by its reason for the metrics.
    let metrics = &state.metrics;
    let refused = |reason| move |error| metrics.refused(reason, error);
    let Json(request) = request.map_err(refused("unreadable"))?;
    state.guard.admit(&slug, &source).map_err(Error::TooMany).map_err(refused("too-many"))?;
    let signature = validate(&request).map_err(Error::Invalid).map_err(refused("invalid"))?;
    let answered = state.guard.check(&slug, &request.challenge, request.proof).map_err(|refusal| {
        tracing::info!(?refusal, "signature refused: challenge not answered");
        state.metrics.refused(refusal.code(), Error::Challenge)
    })?;
    let screening = store::Screening {
        flag: state.guard.judge(&source, &answered, &request.website),
        challenge_id: answered.id,
        challenge_expires: answered.expires_unix,
    };
    let attribution = store::Attribution {
        partner: request.partner,
        partner_consent: request.partner_consent,
        source: share_source(&request.source),
        source_hash: source,
    };
    let signed = store::sign(&state.db, &state.clock, &slug, &signature, &attribution, &screening)
        .await
        .inspect_err(|error| state.metrics.store_refused(error))?;
    state.metrics.signed(screening.flag, signed.update.is_some());
    state.mail_wake.notify_one();
    if let Some(update) = signed.update {
        // No receivers is fine: nobody is watching this petition live.
        state.updates.send(update).ok();
    }
    Ok(axum::Json(signed.receipt))
}
