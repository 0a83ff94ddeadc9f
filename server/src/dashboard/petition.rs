//! A petition's page: its chart, figures by partner, source and profession, milestone timeline, and embed snippet.

use axum::Router;

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
