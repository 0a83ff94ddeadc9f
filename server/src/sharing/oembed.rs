//! The oEmbed provider (<https://oembed.com>, version 1.0): `GET
//! /oembed?url=…&format=json[&maxwidth=…&maxheight=…]` answers, for the
//! address of one of our petition pages, a `rich` embed whose HTML is the
//! iframe embed (`/embed/{slug}`). WordPress, and any consumer that
//! discovers providers by the `<link rel="alternate"
//! type="application/json+oembed">` on a page, turns a pasted link into the
//! petition this way.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use petition_core::{lang::text, ApiError};
use serde::{Deserialize, Serialize};

use super::embed::{public_url, DEFAULT_HEIGHT, DEFAULT_WIDTH};
use crate::{
    http::{AppState, Error},
    petition_file::is_slug,
    store,
};

/// The provider's one route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/oembed", get(oembed))
}

/// The link-preview image's size (`/p/{slug}/preview.png`), the thumbnail.
const THUMBNAIL_WIDTH: u32 = 1200;
/// See [`THUMBNAIL_WIDTH`].
const THUMBNAIL_HEIGHT: u32 = 630;

/// How long a consumer may keep the answer (`cache_age`, seconds): a day.
/// Nothing in it goes stale sooner but a retitled petition's title; the
/// count lives inside the iframe.
const CACHE_AGE: u32 = 24 * 60 * 60;

/// How long an HTTP cache may keep the answer: briefly, like the petition.
const HTTP_CACHE: &str = "public, max-age=300";

/// The discovery link's address for the petition called `slug` (its page
/// in the language `lang`, if given): what the petition page's and the
/// embed page's `<link rel="alternate">` point to.
pub fn discovery_href(public_url: &str, slug: &str, lang: Option<&str>) -> String {
    let page = super::page_url(public_url, slug);
    let page = match lang {
        Some(lang) => format!("{page}?lang={lang}"),
        None => page,
    };
    let url: String = form_urlencoded::byte_serialize(page.as_bytes()).collect();
    format!(
        "{}/oembed?url={url}&format=json",
        public_url.trim_end_matches('/')
    )
}

/// The request's parameters, as typed: each is checked here, so that a
/// mistake is answered naming it.
#[derive(Deserialize)]
struct OembedQuery {
    url: Option<String>,
    /// The language wanted, if the page's address doesn't say (`?lang=`).
    lang: Option<String>,
    format: Option<String>,
    maxwidth: Option<String>,
    maxheight: Option<String>,
}

/// An oEmbed 1.0 `rich` answer.
#[derive(Serialize)]
struct Answer {
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
    title: String,
    author_name: String,
    provider_name: String,
    provider_url: String,
    cache_age: u32,
    html: String,
    width: u32,
    height: u32,
    #[serde(flatten)]
    thumbnail: Option<Thumbnail>,
}

/// The link-preview image, when it fits the consumer's maximum size.
#[derive(Serialize)]
struct Thumbnail {
    thumbnail_url: String,
    thumbnail_width: u32,
    thumbnail_height: u32,
}

/// The HTML a consumer puts in its page: the iframe embed, sized.
#[derive(Template)]
#[template(path = "share/oembed_iframe.html")]
struct Iframe<'a> {
    src: &'a str,
    width: u32,
    height: u32,
    title: &'a str,
}

async fn oembed(State(state): State<AppState>, Query(query): Query<OembedQuery>) -> Response {
    match answer(&state, query).await {
        Ok(answer) => ([(header::CACHE_CONTROL, HTTP_CACHE)], Json(answer)).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// Why a request gets no answer: each is `{"error": "..."}` with its status.
enum Refusal {
    /// As the rest of the API says it (no such petition, a failing store).
    Api(Error),
    /// A mistake in the request, in these words.
    Said(StatusCode, String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Api(error) => error.into_response(),
            Refusal::Said(status, words) => {
                let body = ApiError {
                    error: words,
                    code: ApiError::BAD_REQUEST.into(),
                    fields: vec![],
                };
                (status, Json(body)).into_response()
            }
        }
    }
}

/// The answer to `query`, or the response refusing it.
async fn answer(state: &AppState, query: OembedQuery) -> Result<Answer, Refusal> {
    // The format first: a consumer asking for XML learns that before
    // anything else about its request.
    match query.format.as_deref() {
        None | Some("json") => {}
        Some(_) => {
            return Err(refuse(
                StatusCode::NOT_IMPLEMENTED,
                "Only format=json is offered",
            ))
        }
    }
    let maxwidth = dimension("maxwidth", query.maxwidth.as_deref())?;
    let maxheight = dimension("maxheight", query.maxheight.as_deref())?;
    let url = query.url.as_deref().map(str::trim).unwrap_or_default();
    if url.is_empty() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "The url parameter is required: the address of a petition's page",
        ));
    }
    let public = public_url(state);
    let Some(PageAddress { slug, source, lang }) = page_address(public, url) else {
        return Err(Refusal::Api(Error::NotFound));
    };
    // The page's own `?lang=` first, then the consumer's `lang`.
    let asked = lang.map(str::to_owned).or(query.lang).filter(|l| !l.trim().is_empty());
    let wanted: Vec<&str> = asked.iter().flat_map(|a| a.split(',')).map(str::trim).take(20).collect();
    let (petition, definition) = store::petition_with_definition(&state.db, &state.clock, slug, &wanted)
        .await
        .map_err(|error| Refusal::Api(Error::from(error)))?;
    // The words around the petition's (the iframe's name, the widget's) in
    // the language asked for, if the server has words for it.
    let t = crate::lang::for_page(asked.as_deref(), None, None, &definition.language);
    let lang = (!t.code.eq_ignore_ascii_case(&definition.language)).then_some(t.code);
    let width = maxwidth.map_or(DEFAULT_WIDTH, |max| max.min(DEFAULT_WIDTH));
    let height = maxheight.map_or(DEFAULT_HEIGHT, |max| max.min(DEFAULT_HEIGHT));
    let query: Vec<String> = source
        .map(|source| format!("source={source}"))
        .into_iter()
        .chain(lang.map(|lang| format!("lang={lang}")))
        .collect();
    let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
    let src = format!("{public}/embed/{slug}{query}");
    let frame = t.fill(text::SNIPPET_FRAME, &[("title", &petition.title)]);
    let html = Iframe {
        src: &src,
        width,
        height,
        title: &frame,
    }
    .render()
    .map_err(|error| {
        tracing::error!(%error, "the oEmbed iframe failed to render");
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. Please try again",
        )
    })?;
    let thumbnail_fits = maxwidth.is_none_or(|max| max >= THUMBNAIL_WIDTH)
        && maxheight.is_none_or(|max| max >= THUMBNAIL_HEIGHT);
    Ok(Answer {
        kind: "rich",
        version: "1.0",
        title: petition.title,
        author_name: definition.organiser,
        provider_name: provider_name(public).to_owned(),
        provider_url: format!("{public}/"),
        cache_age: CACHE_AGE,
        html: html.trim().to_owned(),
        width,
        height,
        thumbnail: thumbnail_fits.then(|| Thumbnail {
            thumbnail_url: match lang {
                Some(lang) => format!("{public}/p/{slug}/preview.png?lang={lang}"),
                None => format!("{public}/p/{slug}/preview.png"),
            },
            thumbnail_width: THUMBNAIL_WIDTH,
            thumbnail_height: THUMBNAIL_HEIGHT,
        }),
    })
}

/// A refusal of a mistake in the request, in `words`.
fn refuse(status: StatusCode, words: &str) -> Refusal {
    Refusal::Said(status, words.into())
}

/// `maxwidth` or `maxheight` as a number of pixels, if given; a refusal
/// naming it if it isn't a whole number above 0.
fn dimension(name: &str, value: Option<&str>) -> Result<Option<u32>, Refusal> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => match value.parse::<u32>() {
            Ok(pixels) if pixels > 0 => Ok(Some(pixels)),
            _ => Err(refuse(
                StatusCode::BAD_REQUEST,
                &format!(
                    "The {name} parameter must be a whole number of pixels above 0, such as 600"
                ),
            )),
        },
    }
}

/// What a petition page's address says.
#[derive(Debug, PartialEq)]
struct PageAddress<'a> {
    slug: &'a str,
    /// A share source in its query (`?source=newsletter`), carried into the
    /// embed so that its signatures keep it.
    source: Option<&'a str>,
    /// The language in its query (`?lang=cy`).
    lang: Option<&'a str>,
}

/// The petition page `url` is the address of: `{public_url}/p/{slug}`, with
/// or without a trailing slash, a query or a fragment, and by `http` or
/// `https` alike (the same page on the same host); `None` for anything else.
fn page_address<'a>(public_url: &str, url: &'a str) -> Option<PageAddress<'a>> {
    let (before_fragment, _) = url.split_once('#').unwrap_or((url, ""));
    let (address, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let rest = without_scheme(address)?;
    let ours = without_scheme(public_url)?;
    let (host, path) = rest.split_at(rest.find('/')?);
    let (our_host, our_path) = ours.split_at(ours.find('/').unwrap_or(ours.len()));
    if !host.eq_ignore_ascii_case(our_host) {
        return None;
    }
    let slug = path
        .strip_prefix(our_path)?
        .strip_prefix("/p/")?
        .trim_end_matches('/');
    if !is_slug(slug) {
        return None;
    }
    let source = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("source="))
        .filter(|source| !petition_core::share_source(source).is_empty());
    let lang = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .filter(|lang| !lang.is_empty() && lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b','));
    Some(PageAddress { slug, source, lang })
}

/// `url` after `http://` or `https://` (any case); `None` for another scheme.
fn without_scheme(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")).then_some(rest)
}

/// The provider's name: the host people know the server by.
fn provider_name(public_url: &str) -> &str {
    let rest = without_scheme(public_url).unwrap_or(public_url);
    rest.split('/').next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "https://petitions.example";

    fn slug_of(url: &str) -> Option<&str> {
        page_address(PUBLIC, url).map(|address| address.slug)
    }

    #[test]
    fn a_petition_page_is_known_however_its_link_was_copied() {
        for url in [
            "https://petitions.example/p/stop-sharing",
            "https://petitions.example/p/stop-sharing/",
            "https://petitions.example/p/stop-sharing?source=qr",
            "https://petitions.example/p/stop-sharing#sign",
            "http://petitions.example/p/stop-sharing",
            "HTTPS://Petitions.Example/p/stop-sharing",
        ] {
            assert_eq!(slug_of(url), Some("stop-sharing"), "{url}");
        }
    }

    #[test]
    fn other_addresses_are_not_ours() {
        for url in [
            "https://petitions.example.evil/p/stop-sharing",
            "https://evil.example/p/stop-sharing",
            "https://evil.example/https://petitions.example/p/stop-sharing",
            "https://petitions.example:8443/p/stop-sharing",
            "https://petitions.example/p/stop-sharing/poster",
            "https://petitions.example/p/Stop-Sharing",
            "https://petitions.example/embed/stop-sharing",
            "https://petitions.example/p/",
            "javascript://petitions.example/p/stop-sharing",
            "petitions.example/p/stop-sharing",
            "stop-sharing",
        ] {
            assert_eq!(slug_of(url), None, "{url}");
        }
    }

    #[test]
    fn a_server_under_a_path_knows_its_pages_there() {
        let public = "https://example.org/petitions";
        let address = page_address(public, "https://example.org/petitions/p/stop-sharing");
        assert_eq!(address.map(|a| a.slug), Some("stop-sharing"));
        assert_eq!(
            page_address(public, "https://example.org/p/stop-sharing"),
            None
        );
    }

    #[test]
    fn only_a_well_formed_share_source_is_carried() {
        let source = |url| page_address(PUBLIC, url).and_then(|address| address.source);
        assert_eq!(
            source("https://petitions.example/p/stop-sharing?a=1&source=newsletter#x"),
            Some("newsletter")
        );
        assert_eq!(
            source("https://petitions.example/p/stop-sharing?source=%22%3E"),
            None
        );
        assert_eq!(source("https://petitions.example/p/stop-sharing"), None);
    }

    #[test]
    fn the_page_s_language_is_read_from_its_address() {
        let lang = |url| page_address(PUBLIC, url).and_then(|address| address.lang);
        assert_eq!(lang("https://petitions.example/p/stop-sharing?lang=cy"), Some("cy"));
        assert_eq!(lang("https://petitions.example/p/stop-sharing?source=qr&lang=zh-Hant#x"), Some("zh-Hant"));
        assert_eq!(lang("https://petitions.example/p/stop-sharing?lang=%22%3E"), None);
        assert_eq!(lang("https://petitions.example/p/stop-sharing"), None);
    }

    #[test]
    fn the_discovery_link_carries_the_page_address_encoded() {
        assert_eq!(
            discovery_href("https://petitions.example/", "stop-sharing", None),
            "https://petitions.example/oembed?url=https%3A%2F%2Fpetitions.example%2Fp%2Fstop-sharing&format=json"
        );
        assert_eq!(
            discovery_href("https://petitions.example", "stop-sharing", Some("cy")),
            "https://petitions.example/oembed?url=https%3A%2F%2Fpetitions.example%2Fp%2Fstop-sharing%3Flang%3Dcy&format=json"
        );
    }

    #[test]
    fn the_iframe_keeps_a_hostile_title_inside_its_attribute() {
        let html = Iframe {
            src: "https://petitions.example/embed/x",
            width: 600,
            height: 900,
            title: r#"Petition: Say "no" <script>alert(1)</script>"#,
        }
        .render()
        .unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains(r#"title="Petition: Say &#34;no&#34; &#60;script&#62;"#),
            "{html}"
        );
    }
}
