//! `/api/petitions/{slug}`: a petition's public view, and signing it.

use axum::{
    extract::{Path, State},
    http::header,
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use petition_core::{share_source, validate, Petition, SignatureReceipt, SignatureRequest};

use super::{error::Json, AppState, Error, Source};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/petitions/{slug}", get(show))
        .route("/api/petitions/{slug}/signatures", post(sign))
        .route("/api/petitions/{slug}/challenge", get(challenge))
}

async fn show(
    State(state): State<AppState>,
    Source(source): Source,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse, Error> {
    let challenge = state.guard.challenge(&slug, &source);
    let petition: Petition = store::petition(&state.pool, &slug, challenge).await?;
    // The count changes with every signature and the challenge with every
    // request: caches must never reuse this answer.
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(petition)))
}

/// A new challenge alone, for a widget whose challenge has expired.
async fn challenge(
    State(state): State<AppState>,
    Source(source): Source,
    Path(slug): Path<String>,
) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(state.guard.challenge(&slug, &source)))
}

/// Checks in the order that costs a flood least: the rate (memory), the
/// fields (CPU), the challenge (one hash), and only then the database.
async fn sign(
    State(state): State<AppState>,
    Source(source): Source,
    Path(slug): Path<String>,
    Json(request): Json<SignatureRequest>,
) -> Result<axum::Json<SignatureReceipt>, Error> {
    state.guard.admit(&slug, &source).map_err(Error::TooMany)?;
    let signature = validate(&request).map_err(Error::Invalid)?;
    let answered = state.guard.check(&slug, &request.challenge, request.proof).map_err(|refusal| {
        tracing::info!(?refusal, "signature refused: challenge not answered");
        Error::Challenge
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
    let signed = store::sign(&state.pool, &slug, &signature, &attribution, &screening).await?;
    if let Some(update) = signed.update {
        // No receivers is fine: nobody is watching this petition live.
        state.updates.send(update).ok();
    }
    Ok(axum::Json(signed.receipt))
}
