//! `/api/petitions/{slug}`: a petition's public view, and signing it.

use axum::{
    extract::{Path, State},
    http::header,
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use petition_core::{share_source, validate, Petition, SignatureReceipt, SignatureRequest};

use super::{error::Json, AppState, Error};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/petitions/{slug}", get(show))
        .route("/api/petitions/{slug}/signatures", post(sign))
}

async fn show(State(state): State<AppState>, Path(slug): Path<String>) -> Result<impl IntoResponse, Error> {
    let petition: Petition = store::petition(&state.pool, &slug).await?;
    // The count changes with every signature: caches must ask every time.
    Ok(([(header::CACHE_CONTROL, "no-cache")], axum::Json(petition)))
}

async fn sign(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Json(request): Json<SignatureRequest>,
) -> Result<axum::Json<SignatureReceipt>, Error> {
    let signature = validate(&request).map_err(Error::Invalid)?;
    let attribution = store::Attribution {
        partner: request.partner,
        partner_consent: request.partner_consent,
        source: share_source(&request.source),
    };
    let signed = store::sign(&state.pool, &slug, &signature, &attribution).await?;
    if let Some(update) = signed.update {
        // No receivers is fine: nobody is watching this petition live.
        state.updates.send(update).ok();
    }
    Ok(axum::Json(signed.receipt))
}
