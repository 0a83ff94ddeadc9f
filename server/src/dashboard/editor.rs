//! Creating and editing a petition in a form, with the real widget previewed beside it.

use axum::Router;

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
