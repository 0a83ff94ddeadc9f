//! The demo partner pages (`www/demo/`), served two ways: under `/demo/` on the
//! petition server itself, and, with `--demo-listen`, as a separate site on its
//! own origin, the way Medact's or a blogger's site would embed the widget.
//!
//! The pages hold the exact snippet the README tells partners to paste,
//! `https://PETITION-SERVER/embed.js`; this module puts the running server's
//! address in its place. That is the only change made to a page.

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};

use crate::http::AppState;

const PLACEHOLDER: &str = "https://PETITION-SERVER";

/// `/demo/…` on the petition server: the pages name the server by the host
/// the browser used to reach it.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/demo/") }))
        .route("/demo", get(|| async { Redirect::to("/demo/") }))
        .route("/demo/", get(|state, headers| on_server(state, headers, Path("index.html".to_owned()))))
        .route("/demo/{file}", get(on_server))
}

/// The demo pages as a partner's own site, embedding the server at `server_origin`.
pub fn partner_site(state: AppState, server_origin: String) -> Router {
    let state = (state, server_origin);
    Router::new()
        .route("/", get(|state| on_partner_site(state, Path("index.html".to_owned()))))
        .route("/{file}", get(on_partner_site))
        .with_state(state)
}

async fn on_server(State(state): State<AppState>, headers: HeaderMap, Path(file): Path<String>) -> Response {
    // The Host header is echoed into the page, so only a plain host[:port] is
    // accepted, never markup.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| {
        !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    });
    match host {
        Some(host) => page(&state, &format!("http://{host}"), &file).await,
        None => (StatusCode::BAD_REQUEST, "missing or malformed Host header").into_response(),
    }
}

async fn on_partner_site(State((state, origin)): State<(AppState, String)>, Path(file): Path<String>) -> Response {
    page(&state, &origin, &file).await
}

async fn page(state: &AppState, server_origin: &str, file: &str) -> Response {
    // A flat folder of plain names: nothing that could climb out of it.
    let safe = !file.is_empty()
        && !file.starts_with('.')
        && file.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    let content_type = match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "",
    };
    if !safe || content_type.is_empty() {
        return (StatusCode::NOT_FOUND, "no such demo page").into_response();
    }
    let path = state.dirs.www.join("demo").join(file);
    match tokio::fs::read(&path).await {
        Ok(bytes) if content_type.starts_with("text/html") => {
            let html = String::from_utf8_lossy(&bytes).replace(PLACEHOLDER, server_origin);
            ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], html).into_response()
        }
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "no such demo page").into_response(),
    }
}
