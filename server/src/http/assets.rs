//! The files a partner page loads: `/embed.js` (the loader, at a stable
//! address), `/counter.js` (the counter view, which the loader imports),
//! `/languages.js` (the widget's language control, imported when needed),
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
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

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
        .route("/embed.js", get(|state, request| script(state, "embed.js", request)))
        .route("/counter.js", get(|state, request| script(state, "counter.js", request)))
        .route("/languages.js", get(|state, request| script(state, "languages.js", request)))
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

/// `/pkg/lang/…` and the widget's second part (named by a digest of its
/// bytes, `petition_widget_part.{digest}.wasm`) for a year, the rest of
/// `/pkg/` for minutes (its names don't change with its contents).
async fn cache_by_path(request: Request, next: Next) -> Response {
    // Under the nest, the path is what follows `/pkg`.
    let path = request.uri().path();
    let forever = path.starts_with("/lang/") || path.starts_with("/petition_widget_part.");
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

/// A script by its stable address: the loader, or a module it imports. As
/// `xtask build` made it (`pkg/`: minified, with `.br` and `.gz` beside
/// it, served as they are), else its source in the www folder.
async fn script(State(state): State<AppState>, name: &'static str, request: Request) -> Response {
    let built = state.dirs.widget.join(name);
    let path = if tokio::fs::try_exists(&built).await.unwrap_or(false) { built } else { state.dirs.www.join(name) };
    let served = ServeFile::new(&path).precompressed_br().precompressed_gzip().oneshot(request).await;
    match served {
        Ok(response) if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED => {
            let mut response = response.map(axum::body::Body::new);
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(SHORT_CACHE));
            response
        }
        _ => {
            tracing::error!(name, "a script is missing from the www folder");
            (
                StatusCode::NOT_FOUND,
                format!("{name} is not installed on this server"),
            )
                .into_response()
        }
    }
}
