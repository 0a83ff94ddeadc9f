//! The iframe embed, `/embed/{slug}`: a page holding nothing but the widget,
//! for places that take an iframe but no script (a WordPress post through
//! oEmbed, a site builder's "embed" box, a newsletter's web version), and
//! `/frame.js`, which tells the page around the iframe how tall it is.
//!
//! The page is the loader's own placeholder (`<div data-petition>`) and two
//! scripts from this server, so the widget in it is exactly the one partner
//! pages get: attribution by `?partner=`, a share source by `?source=` (the
//! widget reads it from the page's own address), the live count.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};
use serde::Deserialize;

use petition_core::lang::text;

use crate::{http::AppState, lang::Language, petition_file::is_slug, store};

/// The iframe embed and its height reporter.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/embed/{slug}", get(embed_page))
        .route("/frame.js", get(frame_js))
}

/// The iframe's size when nothing resizes it, in CSS px: the widget's form
/// at [`DEFAULT_WIDTH`] fits without scrolling up to its consent box, and
/// the frame scrolls for the rest (measured in tests/e2e/embed.test.mjs).
/// What the oEmbed answer and the README's snippet give.
pub const DEFAULT_WIDTH: u32 = 600;
/// See [`DEFAULT_WIDTH`].
pub const DEFAULT_HEIGHT: u32 = 900;

// Like `/embed.js`: a new release reaches every embed within minutes.
const SHORT_CACHE: &str = "public, max-age=300";

/// `?partner=` and `?source=` on the embed's address. Only the partner is
/// read here (and kept only if the petition has that partner); the widget
/// reads the source from the address itself.
#[derive(Deserialize)]
struct EmbedQuery {
    partner: Option<String>,
    /// The widget's language (`data-lang`): BCP 47 tags, comma-separated.
    lang: Option<String>,
}

/// The embed page: the widget's placeholder and the two scripts.
#[derive(Template)]
#[template(path = "share/embed.html")]
struct EmbedPage<'a> {
    /// The page's language: the one asked for, else the petition's own.
    t: &'static Language,
    /// The widget's language, when one was asked for (`?lang=`).
    lang: Option<&'a str>,
    /// The server's public origin, where the scripts come from.
    public: &'a str,
    slug: &'a str,
    title: &'a str,
    /// One of the petition's partners, or none.
    partner: Option<&'a str>,
    /// The petition's own page, for the canonical link and `<noscript>`.
    page_url: String,
    /// The oEmbed discovery address.
    oembed: String,
}

/// What the iframe shows for a petition that isn't (or is no longer) here.
#[derive(Template)]
#[template(path = "share/embed_missing.html")]
struct EmbedMissing {
    t: &'static Language,
}

/// The embed page's policy. It may be framed by any site (`frame-ancestors
/// *`, and no `X-Frame-Options`); otherwise it allows only what the widget
/// does: its scripts and wasm (`'wasm-unsafe-eval'`), its requests and its
/// styles (a `<style>` in its shadow root and this page's own, so
/// `'unsafe-inline'` styles: no typed text ever becomes markup there), all
/// from this server. The server's origin is named, not `'self'`: inside
/// WordPress's sandbox the document's origin is opaque. Trusted Types are
/// required, with the widget's policy the only one allowed.
fn policy(public: &str) -> String {
    let public = origin_of(public);
    format!(concat!(
        "default-src 'none'; script-src {public} 'wasm-unsafe-eval'; style-src {public} 'unsafe-inline'; \
         img-src {public} data:; connect-src {public}; form-action 'none'; base-uri 'none'; ",
        widget_trusted_types!(),
        "; frame-ancestors *"
    ), public = public)
}

/// The server's public address, no trailing slash: what every address in
/// the page starts with.
pub(super) fn public_url(state: &AppState) -> &str {
    state.public_url.trim_end_matches('/')
}

/// `scheme://host[:port]` of `url`: what a policy names (a source with a
/// path would match that path only).
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

async fn embed_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<EmbedQuery>,
) -> Response {
    let public = public_url(&state);
    // The language asked for, else the petition's own: the widget inside
    // chooses by the visitor's browser itself when none is asked for.
    let asked = query.lang.as_deref().map(|lang| lang.split(',').map(str::trim).filter(|l| !l.is_empty()).take(20).collect::<Vec<_>>());
    let asked = asked.unwrap_or_default();
    let found = if is_slug(&slug) {
        store::petition_with_definition(&state.db, &state.clock, &slug, &asked).await
    } else {
        Err(store::StoreError::NotFound)
    };
    let (status, html) = match found {
        Ok((petition, definition)) => {
            let t = crate::lang::for_page(query.lang.as_deref(), None, None, &definition.language);
            let partner = query
                .partner
                .as_deref()
                .filter(|p| definition.partners.iter().any(|known| known.slug == *p));
            let page_url = super::page_url(public, &slug);
            let own = t.code.eq_ignore_ascii_case(&definition.language);
            let page = EmbedPage {
                t,
                lang: query.lang.is_some().then_some(t.code),
                public,
                slug: &slug,
                title: &petition.title,
                partner,
                oembed: super::oembed::discovery_href(public, &slug, (!own).then_some(t.code)),
                page_url: if own { page_url } else { format!("{page_url}?lang={}", t.code) },
            };
            (StatusCode::OK, page.render())
        }
        Err(store::StoreError::NotFound) => {
            let t = crate::lang::for_page(query.lang.as_deref(), None, None, petition_core::lang::ENGLISH);
            (StatusCode::NOT_FOUND, EmbedMissing { t }.render())
        }
        Err(error) => {
            tracing::error!(%error, "an embed's petition could not be read");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, something went wrong. Please try again later.",
            )
                .into_response();
        }
    };
    match html {
        Ok(html) => framed(status, public, Html(html)),
        Err(error) => {
            tracing::error!(%error, "the embed page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, something went wrong. Please try again later.",
            )
                .into_response()
        }
    }
}

/// `body` with the embed's headers: any site may frame it, and it runs
/// nothing but this server's scripts.
fn framed(status: StatusCode, public: &str, body: impl IntoResponse) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&policy(public)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    let cache = if status == StatusCode::OK {
        SHORT_CACHE
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// `/frame.js` from the www folder, cached briefly like `/embed.js`.
async fn frame_js(State(state): State<AppState>) -> Response {
    match tokio::fs::read(state.dirs.www.join("frame.js")).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, SHORT_CACHE),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "frame.js is missing from the www folder");
            (
                StatusCode::NOT_FOUND,
                "frame.js is not installed on this server",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_public_origin_and_lets_any_site_frame_it() {
        let policy = policy("https://petitions.example");
        assert!(policy.contains("script-src https://petitions.example 'wasm-unsafe-eval';"));
        assert!(policy.contains("connect-src https://petitions.example;"));
        assert!(policy.ends_with("frame-ancestors *"));
        assert!(!policy.contains("'self'"));
        let under_a_path = super::policy("https://example.org/petitions");
        assert!(under_a_path.contains("connect-src https://example.org;"));
    }

    #[test]
    fn a_hostile_title_and_partner_stay_text() {
        let html = EmbedPage {
            t: crate::lang::english(),
            lang: None,
            public: "https://petitions.example",
            slug: "stop-sharing",
            title: r#"Stop "this" <script>alert(1)</script>"#,
            partner: Some(r#"x" onload="alert(1)"#),
            page_url: "https://petitions.example/p/stop-sharing".into(),
            oembed: "https://petitions.example/oembed?url=a&format=json".into(),
        }
        .render()
        .unwrap();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains(r#"x" onload"#), "{html}");
        assert!(html.contains("<title>Petition: Stop &#34;this&#34; &#60;script&#62;"));
    }
}
