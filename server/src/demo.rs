//! The demo partner pages (`www/demo/`), served two ways: under `/demo/` on the
//! petition server itself, and, with `--demo-listen`, as a separate site on its
//! own origin, the way Medact's or a blogger's site would embed the widget.
//!
//! The HTML pages are askama templates, compiled in: each takes the
//! petition server's origin as `server` and writes it escaped, where the
//! README's snippet says `https://PETITION-SERVER`, so the pages embed the
//! running server. Nothing else in them varies. Other files in the folder
//! (a stylesheet, a picture) are served from it as they are.

use axum::{
    extract::{Path, Query, State},
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

/// A community organisation's page in Arabic, right to left: the widget in
/// the page's language.
#[derive(Template)]
#[template(path = "demo/arabic.html")]
struct Arabic<'a> {
    server: &'a str,
}

/// `cargo xtask bench`'s lower bound, not a demo (index.html doesn't list
/// it): a plain page whose inline script puts a small signing form in an
/// open shadow root at once.
#[derive(Template)]
#[template(path = "demo/floor.html")]
struct Floor;

/// The floor as a tag, not a demo (index.html doesn't list it): the same
/// script as [`Floor`]'s, from the petition server by one async tag, as the
/// widget's loader comes to a partner's page.
#[derive(Template)]
#[template(path = "demo/floor-tag.html")]
struct FloorTag<'a> {
    server: &'a str,
}

/// `cargo xtask bench`'s widget on a page as plain as the floor's, not a
/// demo (index.html doesn't list it).
#[derive(Template)]
#[template(path = "demo/plain.html")]
struct Plain<'a> {
    server: &'a str,
}

/// `cargo xtask bench`'s counter view alone, not a demo (index.html doesn't
/// list it; blog.html shows a counter among two widgets).
#[derive(Template)]
#[template(path = "demo/counter.html")]
struct Counter<'a> {
    server: &'a str,
}

/// A health service's page under a strict Content-Security-Policy, given by
/// a `<meta>` tag: one of a fixed set ([`Policy`]), never text from the query.
#[derive(Template)]
#[template(path = "demo/clinic.html")]
struct Clinic<'a> {
    server: &'a str,
    /// The policy in force, as the `<meta>` tag and the page show it.
    policy: String,
    /// Its name in `?policy=`.
    name: &'a str,
    /// What it allows or leaves out, in words.
    about: &'a str,
    /// Every policy's name and words, for the links between them.
    policies: &'a [(&'a str, Policy, &'a str)],
}

/// The policies the clinic page can run under (`?policy=NAME`). `strict` is
/// what a partner's policy needs for the widget: the petition server in
/// `script-src` (with `'wasm-unsafe-eval'`) and `connect-src`, and nothing
/// in `style-src` (the widget's styles are constructable stylesheets); a page
/// requiring Trusted Types must also allow the widget's policy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Policy {
    Strict,
    ServerStyles,
    TrustedTypes,
    NoWasm,
    NoConnect,
    TrustedTypesNotOurs,
}

/// Each policy's name in the query and what it is, in words.
const POLICIES: [(&str, Policy, &str); 6] = [
    (
        "strict",
        Policy::Strict,
        "the petition server in script-src (with 'wasm-unsafe-eval') and connect-src, and no inline styles",
    ),
    (
        "server-styles",
        Policy::ServerStyles,
        "as strict, and the petition server in style-src too (the widget doesn't need it)",
    ),
    (
        "trusted-types",
        Policy::TrustedTypes,
        concat!("as strict, and Trusted Types required, with the widget's policy (", widget_policy!(), ") among those allowed"),
    ),
    (
        "no-wasm",
        Policy::NoWasm,
        "as strict, but without 'wasm-unsafe-eval': the form can't run here",
    ),
    (
        "no-connect",
        Policy::NoConnect,
        "as strict, but without the petition server in connect-src: the form can't run here",
    ),
    (
        "no-trusted-types-policy",
        Policy::TrustedTypesNotOurs,
        "as trusted-types, but allowing only the page's own policy: the form can't run here",
    ),
];

impl Policy {
    /// The policy named `name` in `?policy=` (`strict` when there is none).
    fn named(name: Option<&str>) -> Option<(&'static str, Policy, &'static str)> {
        let name = name.unwrap_or("strict");
        POLICIES.into_iter().find(|(n, _, _)| *n == name)
    }

    /// The policy's text, for a page embedding the petition server at `server`.
    fn text(self, server: &str) -> String {
        let with = |wanted: bool, source: &str| {
            if wanted {
                format!(" {source}")
            } else {
                String::new()
            }
        };
        let wasm = with(self != Policy::NoWasm, "'wasm-unsafe-eval'");
        let connect = with(self != Policy::NoConnect, server);
        let style = with(self == Policy::ServerStyles, server);
        let trusted = match self {
            Policy::TrustedTypes => concat!("; require-trusted-types-for 'script'; trusted-types clinic ", widget_policy!()),
            Policy::TrustedTypesNotOurs => "; require-trusted-types-for 'script'; trusted-types clinic",
            _ => "",
        };
        format!(
            "default-src 'self'; script-src 'self' {server}{wasm}; connect-src 'self'{connect}; \
             style-src 'self'{style}; img-src 'self' data:; object-src 'none'; base-uri 'self'; \
             form-action 'self'{trusted}"
        )
    }
}

/// The demo page called `file`, embedding the server at `server` (the clinic
/// page under the policy named `policy`; the index's snippets name the
/// petition `title`); `None` when there is no such page.
fn render(file: &str, server: &str, policy: Option<&str>, title: &str) -> Option<askama::Result<String>> {
    Some(match file {
        "index.html" => Index {
            server,
            snippets: crate::sharing::snippets::snippets(server, DEMO_SLUG, title, None),
        }
        .render(),
        "medact.html" => Medact { server }.render(),
        "asylum-matters.html" => AsylumMatters { server }.render(),
        "blog.html" => Blog { server }.render(),
        "arabic.html" => Arabic { server }.render(),
        "floor.html" => Floor.render(),
        "floor-tag.html" => FloorTag { server }.render(),
        "plain.html" => Plain { server }.render(),
        "counter.html" => Counter { server }.render(),
        "clinic.html" => {
            let (name, policy, about) = Policy::named(policy)?;
            Clinic {
                server,
                policy: policy.text(server),
                name,
                about,
                policies: &POLICIES,
            }
            .render()
        }
        _ => return None,
    })
}

/// The demo pages' query: only the clinic page reads one.
#[derive(serde::Deserialize)]
struct DemoQuery {
    policy: Option<String>,
}

/// `/demo/…` on the petition server: the pages name the server by the host
/// the browser used to reach it.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/demo/") }))
        .route("/demo", get(|| async { Redirect::to("/demo/") }))
        .route(
            "/demo/",
            get(|state, headers, query| {
                on_server(state, headers, Path("index.html".to_owned()), query)
            }),
        )
        .route("/demo/{file}", get(on_server))
}

/// The demo pages as a partner's own site, embedding the server at `server_origin`.
pub fn partner_site(state: AppState, server_origin: String) -> Router {
    let state = (state, server_origin);
    Router::new()
        .route(
            "/",
            get(|state, query| on_partner_site(state, Path("index.html".to_owned()), query)),
        )
        .route("/{file}", get(on_partner_site))
        .with_state(state)
}

async fn on_server(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(query): Query<DemoQuery>,
) -> Response {
    // The Host header is written into the page. The template escapes it, and
    // still only a plain host[:port] is accepted: a second line of defence.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| {
        !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    });
    match host {
        Some(host) => page(&state, &format!("http://{host}"), &file, query).await,
        None => (StatusCode::BAD_REQUEST, "missing or malformed Host header").into_response(),
    }
}

async fn on_partner_site(
    State((state, origin)): State<(AppState, String)>,
    Path(file): Path<String>,
    Query(query): Query<DemoQuery>,
) -> Response {
    page(&state, &origin, &file, query).await
}

async fn page(state: &AppState, server_origin: &str, file: &str, query: DemoQuery) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "no such demo page").into_response();
    let policy = query.policy.as_deref();
    if file == "clinic.html" && Policy::named(policy).is_none() {
        // Built from POLICIES, so a policy added there is named here too.
        let names: Vec<&str> = POLICIES.iter().map(|(name, _, _)| *name).collect();
        let (last, rest) = names.split_last().expect("there are policies");
        let words = format!("policy must be one of {} and {last}", rest.join(", "));
        return (StatusCode::BAD_REQUEST, words).into_response();
    }
    // The snippets name the demo petition by its title, as saved.
    let title = crate::store::editable(&state.db, DEMO_SLUG)
        .await
        .map_or_else(|_| "#StopSharing".to_owned(), |e| e.definition.title);
    if let Some(html) = render(file, server_origin, policy, &title) {
        return match html {
            Ok(html) => {
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], html)
                    .into_response()
            }
            Err(error) => {
                tracing::error!(%error, file, "a demo page failed to render");
                (StatusCode::INTERNAL_SERVER_ERROR, "the demo page failed to render").into_response()
            }
        };
    }
    // Anything else is a file beside the pages, served as it is. A flat
    // folder of plain names: nothing that could climb out of it. No HTML:
    // every page is a template above, so none is served unrendered.
    let safe = !file.is_empty()
        && !file.starts_with('.')
        && file.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    let content_type = match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        // The bench's floor as a tag; no other script of this folder.
        Some("js") if file == "floor.js" => "text/javascript; charset=utf-8",
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
