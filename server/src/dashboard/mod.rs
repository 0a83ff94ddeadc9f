//! `/admin/`: the organiser's dashboard, in the browser.
//!
//! Server-rendered pages (askama templates under `templates/admin/`, every
//! field escaped), a stylesheet and small scripts served from
//! `/admin/static/` (the pages carry no inline script or style, so the
//! Content-Security-Policy can forbid both), and forms that work without
//! script; the scripts add live figures and keyboard shortcuts.
//!
//! Who may do what:
//! - [`session`] signs people in (accounts in the database, Argon2id) and
//!   puts the [`Session`] into every request behind it;
//! - every state-changing request must come from a page of ours: its
//!   `Origin` is ours and it carries the session's CSRF token, or it is
//!   refused with 403 before any handler runs ([`guard_writes`]);
//! - an organiser's account sees everything; a partner's sees only the
//!   petitions that list it, and only its own figures and signers. Handlers
//!   say which they allow with the [`Organiser`] and [`Signed`] extractors
//!   and [`Signed::may_see`].

mod editor;
mod export;
mod moderation;
mod pages;
mod petition;
mod petitions;
pub mod session;
mod words;

use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use subtle::ConstantTimeEq;

pub use session::{Organiser, Signed};

use crate::http::AppState;

/// The policy every dashboard page is sent with, unless a page sets a
/// narrower or different one itself (the widget preview runs wasm). Trusted
/// Types are required: the one HTML the dashboard's scripts parse, a
/// petition's figures as this server renders them, goes through the one
/// policy allowed (`dashboard-figures`, in `static/admin/petition.js`);
/// HTML from anywhere else, set as a string, the browser refuses.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; require-trusted-types-for 'script'; trusted-types dashboard-figures";

/// The dashboard's routes, all under `/admin`.
pub fn router(state: AppState) -> Router<AppState> {
    // Behind a session: every page but the sign-in page and the static files.
    let timeout = tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.request_timeout);
    let signed = Router::new()
        .merge(petitions::routes())
        .merge(petition::routes())
        .merge(moderation::routes())
        .merge(editor::routes())
        .merge(export::routes())
        .layer(timeout)
        .merge(petitions::stream_routes())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), guard_writes))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), session::require));
    Router::new()
        .merge(signed)
        .merge(session::routes(state).layer(timeout))
        .merge(editor::preview_api().layer(timeout))
        .route("/admin/static/{file}", get(asset))
        .route("/admin", get(|| async { axum::response::Redirect::permanent("/admin/") }))
        .layer(axum::middleware::from_fn(headers))
}

/// Adds the headers every dashboard response carries (a page may set its own
/// Content-Security-Policy and X-Frame-Options first: the editor's preview
/// is framed by the editor).
async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    }
    // Under `no-referrer` a browser sends `Origin: null` with a form's POST;
    // `same_origin` then reads `Sec-Fetch-Site` instead.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !headers.contains_key(header::X_FRAME_OPTIONS) {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

/// The dashboard's static files: compiled in, so the binary is all a server needs.
const STATIC: &[(&str, &str, &str)] = &[
    ("admin.css", "text/css; charset=utf-8", include_str!("../../static/admin/admin.css")),
    ("live.js", "text/javascript; charset=utf-8", include_str!("../../static/admin/live.js")),
    ("review.js", "text/javascript; charset=utf-8", include_str!("../../static/admin/review.js")),
    ("editor.js", "text/javascript; charset=utf-8", include_str!("../../static/admin/editor.js")),
    ("petition.js", "text/javascript; charset=utf-8", include_str!("../../static/admin/petition.js")),
];

async fn asset(Path(file): Path<String>) -> Response {
    match STATIC.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => ([(header::CONTENT_TYPE, *content_type)], *body).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Refuses a state-changing request (any method but GET and HEAD) unless
/// its `Origin` is this server's and it carries the session's CSRF token, in
/// the `x-csrf-token` header (scripts) or the `csrf` form field (forms).
/// Nothing runs and nothing changes when it is refused.
async fn guard_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let Some(session) = request.extensions().get::<crate::store::Session>().cloned() else {
        return forbidden("Sign in again");
    };
    if !same_origin(request.headers(), &state.public_url) {
        return forbidden("This request did not come from the dashboard");
    }
    let (request, presented) = match csrf_of(request).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !tokens_match(presented.as_deref(), &session.csrf) {
        return forbidden("This form has expired: go back, reload the page and try again");
    }
    next.run(request).await
}

/// Whether the request comes from a page of this server: its `Origin` is our
/// public address or the host the browser addressed (an attacker's page
/// sends its own origin).
///
/// A form posted from a page whose referrer policy is `no-referrer` (every
/// dashboard page's) carries `Origin: null`, as a sandboxed frame's does;
/// then the browser's own `Sec-Fetch-Site` (no page can set it) must say
/// `same-origin`. A sandboxed frame's request says `cross-site` there.
pub(crate) fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let Some(origin) = origin.filter(|origin| *origin != "null") else {
        return headers.get("sec-fetch-site").is_some_and(|site| site == "same-origin");
    };
    let public = public_url.trim_end_matches('/');
    let public_origin = match public.find("://").and_then(|at| public[at + 3..].find('/').map(|slash| at + 3 + slash)) {
        Some(end) => &public[..end],
        None => public,
    };
    if origin == public_origin {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"))
}

/// The CSRF token a request presents, and the request put back together.
async fn csrf_of(request: Request) -> Result<(Request, Option<String>), Response> {
    if let Some(token) = request.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        let token = token.to_owned();
        return Ok((request, Some(token)));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "This form is too large").into_response())?;
    let token = form_urlencoded::parse(&bytes).find(|(name, _)| name == "csrf").map(|(_, value)| value.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

/// The largest dashboard form (a petition with its whole text).
pub const FORM_LIMIT: usize = 256 * 1024;

fn tokens_match(presented: Option<&str>, expected: &str) -> bool {
    presented.is_some_and(|presented| presented.as_bytes().ct_eq(expected.as_bytes()).into())
}

/// A 403 page saying why, in words.
pub(crate) fn forbidden(why: &str) -> Response {
    (StatusCode::FORBIDDEN, pages::render(&pages::Refused { nav: None, why })).into_response()
}

/// Random bytes as hex: session ids and CSRF tokens.
pub(crate) fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(origin: &str, host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, origin.parse().unwrap());
        headers.insert(header::HOST, host.parse().unwrap());
        headers
    }

    #[test]
    fn only_our_own_origin_may_change_anything() {
        let public = "https://petition.example.org/";
        assert!(same_origin(&with("https://petition.example.org", "internal:8080"), public));
        assert!(same_origin(&with("http://127.0.0.1:8080", "127.0.0.1:8080"), public));
        assert!(!same_origin(&with("https://evil.example", "petition.example.org"), public));
        assert!(!same_origin(&with("null", "petition.example.org"), public));
        let mut sandboxed = with("null", "petition.example.org");
        sandboxed.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!same_origin(&sandboxed, public), "a sandboxed frame on another site");
        let mut ours = with("null", "petition.example.org");
        ours.insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert!(same_origin(&ours, public), "a form on our own no-referrer page");
        assert!(!same_origin(&with("https://petition.example.org.evil.example", "x"), public));
        assert!(!same_origin(&HeaderMap::new(), public));
    }
}
