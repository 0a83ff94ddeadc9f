//! The files a partner page loads: `/embed.js` (the loader, at a stable
//! address), `/counter.js` (the counter view, which the loader imports) and
//! `/pkg/*` (the built widget).

use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

use super::{AppState, Dirs};

pub fn router(dirs: &Dirs) -> Router<AppState> {
    let widget = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(SHORT_CACHE)))
        // `xtask build` stores .br and .gz beside each file: served as they
        // are, so the server never compresses the widget per request.
        .service(
            ServeDir::new(&dirs.widget)
                .precompressed_br()
                .precompressed_gzip(),
        );
    Router::new()
        .route("/embed.js", get(|state| script(state, "embed.js")))
        .route("/counter.js", get(|state| script(state, "counter.js")))
        .nest_service(WIDGET, widget)
}

/// Where the built widget's files are served from.
pub const WIDGET: &str = "/pkg";

// Partners paste the tag once and never change it, so the loader's address is
// stable; a short cache lets a new release reach every page within minutes.
const SHORT_CACHE: &str = "public, max-age=300";

/// A script from the www folder, by its stable address: the loader, or the
/// module it imports for counters.
async fn script(State(state): State<AppState>, name: &'static str) -> Response {
    match tokio::fs::read(state.dirs.www.join(name)).await {
        Ok(bytes) => (
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, SHORT_CACHE)],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, name, "a script is missing from the www folder");
            (
                StatusCode::NOT_FOUND,
                format!("{name} is not installed on this server"),
            )
                .into_response()
        }
    }
}
