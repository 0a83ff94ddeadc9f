//! Held signatures and reasons, paper signatures, signers' rights, accounts and the audit log.

use axum::Router;

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
