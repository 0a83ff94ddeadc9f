//! CSV exports for delivery and for partners, streamed:
//! `GET /admin/petitions/{slug}/export.csv` (every counted signer) and
//! `…/export.csv?partner=p` (the signers who agreed to hear from partner p).
//!
//! An organiser may download either. A partner's account may download only
//! its own signers, of a petition that lists it: anything else is 403.
//! The file is written by [`crate::admin::export`], the one way personal
//! data leaves the server, which also records the download in the audit log.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde::Deserialize;

use super::{forbidden, Signed};
use crate::{
    admin::{self, Audience},
    http::{AppState, Error},
    petition_file::is_slug,
    store,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/petitions/{slug}/export.csv", get(export))
}

#[derive(Deserialize)]
struct ExportQuery {
    partner: Option<String>,
}

async fn export(
    State(state): State<AppState>,
    signed: Signed,
    Path(slug): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let audience = match (&signed.0.account.partner, query.partner) {
        (None, None) => Audience::Organiser,
        // The partner's name goes into the file's name: a slug, or nothing.
        (None, Some(partner)) if !is_slug(&partner) => {
            let message = "partner must be a partner's name as in the petition file: lower-case letters, digits and hyphens";
            return Error::Body(StatusCode::UNPROCESSABLE_ENTITY, message.into()).into_response();
        }
        (None, Some(partner)) => Audience::Partner(partner),
        (Some(mine), Some(partner)) if *mine == partner => {
            match store::petition(&state.db, &state.clock, &slug).await {
                Ok(petition) if signed.may_see(petition.partners.iter().map(|p| p.slug.as_str())) => {
                    Audience::Partner(partner)
                }
                // A petition that doesn't list this partner, or none at all:
                // the same answer, so a partner learns nothing of either.
                Ok(_) | Err(store::StoreError::NotFound) => return not_yours(),
                Err(error) => return Error::from(error).into_response(),
            }
        }
        (Some(_), _) => return not_yours(),
    };
    match admin::export(&state.db, &state.clock, &signed.0.account.name, &slug, audience).await {
        Ok(export) => export.into_response(),
        Err(error) => Error::from(error).into_response(),
    }
}

fn not_yours() -> Response {
    forbidden("A partner can download only the signers who agreed to hear from it, of a petition that lists it")
}
