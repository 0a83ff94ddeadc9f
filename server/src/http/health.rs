//! `/healthz` and `/readyz`, for load balancers and orchestrators: whether
//! the process answers at all, and whether it can serve (its database
//! answers and has every migration this build expects).

use axum::{extract::State, http::StatusCode, response::IntoResponse, routing::get, Router};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(alive)).route("/readyz", get(ready))
}

/// The process is up and answering.
async fn alive() -> impl IntoResponse {
    "ok\n"
}

/// 200 when the database answers and its migrations are all applied; 503
/// otherwise, so a load balancer sends people elsewhere. The reason goes to
/// the log, not to whoever asks.
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ready().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
        }
    }
}
