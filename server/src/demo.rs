//! The demo partner pages (`www/demo/`), served two ways: under `/demo/` on the
//! petition server itself, and, with `--demo-listen`, as a separate site on its
//! own origin, the way Medact's or a blogger's site would embed the widget.
//!
//! The four HTML pages are askama templates, compiled in: each takes the
//! petition server's origin as `server` and writes it escaped, where the
//! README's snippet says `https://PETITION-SERVER`, so the pages embed the
//! running server. Nothing else in them varies. Other files in the folder
//! (a stylesheet, a picture) are served from it as they are.

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};

use askama::Template;

use crate::http::AppState;

/// `/` (or `/demo/`): the list of pages, and the snippets to copy.
#[derive(Template)]
#[template(path = "demo/index.html")]
struct Index<'a> {
    server: &'a str,
    /// The demo petition's script tag, iframe and link.
    snippets: Vec<crate::sharing::snippets::Snippet>,
}

/// The petition the demo pages embed.
const DEMO_SLUG: &str = "stop-sharing";

/// A Medact-style article with the petition in it.
#[derive(Template)]
#[template(path = "demo/medact.html")]
struct Medact<'a> {
    server: &'a str,
}

/// An Asylum Matters-style page whose stylesheet resets everything.
#[derive(Template)]
#[template(path = "demo/asylum-matters.html")]
struct AsylumMatters<'a> {
    server: &'a str,
}

/// A blog post with two petitions and one loader.
#[derive(Template)]
#[template(path = "demo/blog.html")]
struct Blog<'a> {
    server: &'a str,
}

/// The demo page called `file`, embedding the server at `server`; `None`
/// when there is no such page.
fn render(file: &str, server: &str, title: &str) -> Option<askama::Result<String>> {
    Some(match file {
        "index.html" => Index {
            server,
            snippets: crate::sharing::snippets::snippets(server, DEMO_SLUG, title, None),
        }
        .render(),
        "medact.html" => Medact { server }.render(),
        "asylum-matters.html" => AsylumMatters { server }.render(),
        "blog.html" => Blog { server }.render(),
        _ => return None,
    })
}

/// `/demo/…` on the petition server: the pages name the server by the host
/// the browser used to reach it.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/demo/") }))
        .route("/demo", get(|| async { Redirect::to("/demo/") }))
        .route(
            "/demo/",
            get(|state, headers| on_server(state, headers, Path("index.html".to_owned()))),
        )
        .route("/demo/{file}", get(on_server))
}

/// The demo pages as a partner's own site, embedding the server at `server_origin`.
pub fn partner_site(state: AppState, server_origin: String) -> Router {
    let state = (state, server_origin);
    Router::new()
        .route(
            "/",
            get(|state| on_partner_site(state, Path("index.html".to_owned()))),
        )
        .route("/{file}", get(on_partner_site))
        .with_state(state)
}

async fn on_server(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    // The Host header is written into the page. The template escapes it, and
    // still only a plain host[:port] is accepted: a second line of defence.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    match host {
        Some(host) => page(&state, &format!("http://{host}"), &file).await,
        None => (StatusCode::BAD_REQUEST, "missing or malformed Host header").into_response(),
    }
}

async fn on_partner_site(
    State((state, origin)): State<(AppState, String)>,
    Path(file): Path<String>,
) -> Response {
    page(&state, &origin, &file).await
}

async fn page(state: &AppState, server_origin: &str, file: &str) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "no such demo page").into_response();
    // The snippets name the demo petition by its title, as saved.
    let title = crate::store::editable(&state.db, DEMO_SLUG)
        .await
        .map_or_else(|_| "#StopSharing".to_owned(), |e| e.definition.title);
    if let Some(html) = render(file, server_origin, &title) {
        return match html {
            Ok(html) => (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                html,
            )
                .into_response(),
            Err(error) => {
                tracing::error!(%error, file, "a demo page failed to render");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the demo page failed to render",
                )
                    .into_response()
            }
        };
    }
    // Anything else is a file beside the pages, served as it is. A flat
    // folder of plain names: nothing that could climb out of it. No HTML:
    // every page is a template above, so none is served unrendered.
    let safe = !file.is_empty()
        && !file.starts_with('.')
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    let content_type = match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => return not_found(),
    };
    if !safe {
        return not_found();
    }
    match tokio::fs::read(state.dirs.www.join("demo").join(file)).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(_) => not_found(),
    }
}
