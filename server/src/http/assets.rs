//! The files a partner page loads: `/embed.js` (the loader, at a stable
//! address), `/counter.js` (the counter view, which the loader imports),
//! `/pkg/*` (the built widget) with `/pkg/lang/{digest}/*` (its words in
//! every language but English), and `/lang?lang=…`, which names the language
//! file for a reader's wishes (the loader's and the counter's words).

use axum::{
    extract::{Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use petition_core::lang;
use tower_http::services::ServeDir;

use super::{AppState, Dirs};

pub fn router(dirs: &Dirs) -> Router<AppState> {
    let widget = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn(cache_by_path))
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
        .route("/lang", get(language_file))
        .nest_service(WIDGET, widget)
}

/// Where the built widget's files are served from.
pub const WIDGET: &str = "/pkg";

// Partners paste the tag once and never change it, so the loader's address is
// stable; a short cache lets a new release reach every page within minutes.
const SHORT_CACHE: &str = "public, max-age=300";

/// The language files' folder is named by a digest of every language file
/// (`petition_core::lang::text::FILES_DIGEST`): a changed word is a new
/// address, so browsers and caches may keep each file for a year.
const FOREVER: &str = "public, max-age=31536000, immutable";

/// `/pkg/lang/…` for a year, the rest of `/pkg/` for minutes (its names
/// don't change with its contents).
async fn cache_by_path(request: Request, next: Next) -> Response {
    // Under the nest, the path is what follows `/pkg`.
    let forever = request.uri().path().starts_with("/lang/");
    let mut response = next.run(request).await;
    let cache = if forever && response.status().is_success() { FOREVER } else { SHORT_CACHE };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

#[derive(serde::Deserialize)]
struct Wishes {
    /// BCP 47 tags, most wanted first, comma-separated.
    #[serde(default)]
    lang: String,
}

/// `/lang?lang=cy,en-GB`: the built file of the first language wished for
/// that the widget has (a redirect to its lasting address), or 204 for
/// English (compiled in: nothing to fetch). The loader and the counter,
/// which know neither the digest nor the languages, ask here for their few
/// words; the widget, which knows both, fetches its file directly.
async fn language_file(Query(wishes): Query<Wishes>) -> Response {
    let codes: Vec<&str> = lang::codes().collect();
    let cache = [(header::CACHE_CONTROL, SHORT_CACHE)];
    match lang::negotiate(wishes.lang.split(','), &codes) {
        Some(code) if code != lang::ENGLISH => (
            cache,
            Redirect::to(&format!("{WIDGET}/lang/{}/{code}.json", lang::text::FILES_DIGEST)),
        )
            .into_response(),
        _ => (StatusCode::NO_CONTENT, cache).into_response(),
    }
}

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
