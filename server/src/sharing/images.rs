//! The pictures the server draws of a petition: its link preview
//! (`/p/{slug}/preview.png`), its badge (`/p/{slug}/badge.svg`, `.png`) and
//! its QR code (`/p/{slug}/qr.svg`, `.png`). Each is SVG from an askama
//! template (everything a person typed goes in as escaped text), rasterised
//! by resvg with the fonts in `server/fonts/` where a PNG is asked for.
//!
//! All are the same for everyone, so caches may keep them: each answer has
//! a `Cache-Control` max-age suited to how fast it goes stale, and an `ETag`
//! computed from the SVG it is drawn from (which holds everything the
//! picture shows), answered with 304 when the client's copy is current.

mod badge;
mod draw;
mod preview;
mod qr;
mod words;

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex},
};

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{header, HeaderMap, HeaderName, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

/// The badge's size in CSS pixels (its PNG is twice this), for the
/// `<img width height>` of a mail.
#[allow(unused_imports)] // read by the dashboard's snippets, being written
pub use badge::{layout::HEIGHT as BADGE_HEIGHT, width as badge_width};
/// The link preview's size in pixels, for `og:image:width`/`height` and
/// oEmbed's thumbnail.
#[allow(unused_imports)] // read by the page and oEmbed, being written
pub use preview::layout::{HEIGHT as PREVIEW_HEIGHT, WIDTH as PREVIEW_WIDTH};

use petition_core::Petition;

use crate::http::{etag_of, if_none_match, query_value, AppState, Error};
use crate::lang::Language;
use crate::petition_file::PetitionFile;
use crate::store::{self, StoreError};

/// How long the link preview may be reused without asking: five minutes.
/// A shared link's preview is fetched by each app's crawler once, when the
/// link is first posted, and then kept by that app (for days; see the
/// README on refreshing it), so this mostly governs a burst: when a link
/// goes round, every app, chat and browser that fetches the picture in the
/// same few minutes gets one copy from any cache on the way, and a count
/// at most five minutes old, which in a picture of a count that only
/// grows looks no different.
pub const PREVIEW_MAX_AGE_SECONDS: u32 = 300;
/// How long the badge may be reused without asking: a minute. A
/// newsletter's readers open it within minutes of each other (thousands
/// at once for a big list), and a mail's images are fetched as it is
/// opened: a minute of caching answers most of them from the mail
/// provider's image proxy, and the count still looks live.
pub const BADGE_MAX_AGE_SECONDS: u32 = 60;
/// How long the QR code may be reused without asking: a week. It holds
/// only the petition's address, which changes only if the server's public
/// address does.
pub const QR_MAX_AGE_SECONDS: u32 = 7 * 24 * 60 * 60;

/// The routes of the pictures.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{slug}/preview.png", get(preview_png))
        .route("/p/{slug}/badge.svg", get(badge_svg))
        .route("/p/{slug}/badge.png", get(badge_png))
        .route("/p/{slug}/qr.svg", get(qr_svg))
        .route("/p/{slug}/qr.png", get(qr_png))
}

/// The petition called `slug` and its definition, in the language the
/// picture's address asks for (`?lang=`), else its own; a picture is the
/// same for everyone who asks for its address (no `Accept-Language`), so
/// caches key on the address. The words around the petition's are in that
/// language if the server has them, and the fonts draw every letter of
/// them; else in the petition's own language.
async fn in_language(
    state: &AppState,
    slug: &str,
    query: Option<&str>,
    draws: impl Fn(&Petition, &PetitionFile, &'static Language) -> String,
) -> Result<(String, &'static str), Failure> {
    let asked = query_value(query, "lang").unwrap_or_default();
    let wanted: Vec<&str> = asked.split(',').map(str::trim).filter(|l| !l.is_empty()).take(20).collect();
    let (petition, file) = store::petition_with_definition(&state.db, &state.clock, slug, &wanted).await?;
    let t = crate::lang::for_page(Some(&asked), None, None, &file.language);
    let svg = draws(&petition, &file, t);
    if draw::covers(&svg) || wanted.is_empty() {
        return Ok((svg, t.code));
    }
    let (petition, file) = store::petition_with_definition(&state.db, &state.clock, slug, &[]).await?;
    let t = crate::lang::for_page(None, None, None, &file.language);
    Ok((draws(&petition, &file, t), t.code))
}

/// `/p/{slug}/preview.png?lang=…`: the link preview, 1200×630.
async fn preview_png(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    request: HeaderMap,
) -> Result<Response, Failure> {
    let page = super::page_url(&state.public_url, &slug);
    let svg = in_language(&state, &slug, query.as_deref(), |petition, file, t| {
        let address = if t.code.eq_ignore_ascii_case(&file.language) { page.clone() } else { format!("{page}?lang={}", t.code) };
        preview::svg(petition, &file.accent_colour, &address, t)
    })
    .await?;
    drawn(&request, Kind::Preview, (slug, svg.1), svg.0, PREVIEW_MAX_AGE_SECONDS).await
}

/// `/p/{slug}/badge.svg?lang=…`: the badge, for pages that show SVG.
async fn badge_svg(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    request: HeaderMap,
) -> Result<Response, Failure> {
    let (svg, _) = in_language(&state, &slug, query.as_deref(), |petition, file, t| badge::svg(petition, &file.accent_colour, t)).await?;
    Ok(answer(
        &request,
        Type::Svg,
        BADGE_MAX_AGE_SECONDS,
        svg.into_bytes(),
    ))
}

/// `/p/{slug}/badge.png?lang=…`: the badge at twice its size, for mail
/// (which shows no SVG), to be shown at its size (see [`badge::width`]).
async fn badge_png(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    request: HeaderMap,
) -> Result<Response, Failure> {
    let (svg, lang) = in_language(&state, &slug, query.as_deref(), |petition, file, t| badge::svg(petition, &file.accent_colour, t)).await?;
    drawn(&request, Kind::Badge, (slug, lang), svg, BADGE_MAX_AGE_SECONDS).await
}

/// `/p/{slug}/qr.svg`: the QR code, for print.
async fn qr_svg(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    request: HeaderMap,
) -> Result<Response, Failure> {
    let text = qr_content(&state, &slug).await?;
    let svg = qr::svg(&text);
    Ok(answer(
        &request,
        Type::Svg,
        QR_MAX_AGE_SECONDS,
        svg.into_bytes(),
    ))
}

/// `/p/{slug}/qr.png?size=…`: the QR code as a PNG of about `size` pixels
/// (from [`qr::MIN_SIZE`] to [`qr::MAX_SIZE`], by default
/// [`qr::DEFAULT_SIZE`]).
async fn qr_png(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    request: HeaderMap,
) -> Result<Response, Failure> {
    let size = qr_size(query.as_deref())?;
    let text = qr_content(&state, &slug).await?;
    // What the picture depends on, known before drawing it.
    let etag = etag_of(format!("qr {size} {text}").as_bytes());
    if if_none_match(&request, &etag) {
        return Ok(not_modified(Type::Png, QR_MAX_AGE_SECONDS, etag));
    }
    let png = tokio::task::spawn_blocking(move || qr::png(&text, size))
        .await
        .map_err(|error| Failure::Draw(error.to_string()))?;
    Ok(ok(Type::Png, QR_MAX_AGE_SECONDS, etag, png.into()))
}

/// What the QR code of the petition called `slug` says; 404 for no petition.
async fn qr_content(state: &AppState, slug: &str) -> Result<String, Failure> {
    store::petition(&state.db, &state.clock, slug).await?;
    Ok(qr::content(&super::page_url(&state.public_url, slug)))
}

/// The `size` asked for in `query`, or the default; a clear 400 naming the
/// field for one out of range or not a number.
fn qr_size(query: Option<&str>) -> Result<u32, Failure> {
    let asked = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "size")
        .map(|(_, value)| value.into_owned());
    let Some(asked) = asked else {
        return Ok(qr::DEFAULT_SIZE);
    };
    match asked.trim().parse::<u32>() {
        Ok(size) if (qr::MIN_SIZE..=qr::MAX_SIZE).contains(&size) => Ok(size),
        _ => Err(Failure::Http(Error::Body(
            StatusCode::BAD_REQUEST,
            format!(
                "size must be a whole number of pixels from {} to {}",
                qr::MIN_SIZE,
                qr::MAX_SIZE
            ),
        ))),
    }
}

/// The pictures drawn from SVG that are kept in memory, one of each per
/// petition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// The link preview, drawn at its size.
    Preview,
    /// The badge, drawn at twice its size.
    Badge,
}

impl Kind {
    /// How many pixels the PNG has per SVG pixel.
    fn scale(self) -> f32 {
        match self {
            Kind::Preview => 1.0,
            Kind::Badge => 2.0,
        }
    }
}

/// A picture drawn, or being drawn, from the SVG whose ETag it has.
struct Drawing {
    etag: String,
    png: tokio::sync::OnceCell<Bytes>,
}

/// The last PNG drawn of each kind for each petition. When a link goes
/// round, crawlers ask for its preview many times a minute; it is drawn
/// once per change of what it shows (a new count), however many ask at
/// once (they wait for the one drawing), and never more than one per
/// petition and kind is kept. Keyed by the SVG's ETag, which holds all the
/// picture depends on, so a copy is never served for something else.
static DRAWINGS: LazyLock<Mutex<Drawings>> = LazyLock::new(Default::default);

/// The drawings kept, by kind, petition and language (one of the
/// catalogue's: their number is bounded).
type Drawings = HashMap<(Kind, String, &'static str), Arc<Drawing>>;

/// `svg` drawn as `kind` (or its copy in memory, or 304 when the client's
/// copy is current), kept for `max_age` seconds.
async fn drawn(
    request: &HeaderMap,
    kind: Kind,
    (slug, lang): (String, &'static str),
    svg: String,
    max_age: u32,
) -> Result<Response, Failure> {
    let etag = etag_of(format!("{kind:?} {svg}").as_bytes());
    if if_none_match(request, &etag) {
        return Ok(not_modified(Type::Png, max_age, etag));
    }
    let drawing = {
        let mut drawings = DRAWINGS.lock().unwrap_or_else(|poison| poison.into_inner());
        let kept = drawings.entry((kind, slug, lang)).or_insert_with(|| {
            Arc::new(Drawing {
                etag: etag.clone(),
                png: Default::default(),
            })
        });
        if kept.etag != etag {
            *kept = Arc::new(Drawing {
                etag: etag.clone(),
                png: Default::default(),
            });
        }
        kept.clone()
    };
    let png = drawing
        .png
        .get_or_try_init(|| async move {
            tokio::task::spawn_blocking(move || draw::png(&svg, kind.scale()))
                .await
                .map_err(|error| Failure::Draw(error.to_string()))?
                .map(Bytes::from)
                .map_err(|error| Failure::Draw(error.to_string()))
        })
        .await?
        .clone();
    Ok(ok(Type::Png, max_age, etag, png))
}

/// The formats the pictures come in.
#[derive(Debug, Clone, Copy)]
enum Type {
    Png,
    Svg,
}

/// `body`, with its ETag computed from it, or 304 when the client's copy is current.
fn answer(request: &HeaderMap, kind: Type, max_age: u32, body: Vec<u8>) -> Response {
    let etag = etag_of(&body);
    if if_none_match(request, &etag) {
        return not_modified(kind, max_age, etag);
    }
    ok(kind, max_age, etag, body.into())
}

/// The headers both a picture and its 304 carry.
fn caching(kind: Type, max_age: u32, etag: String) -> Vec<(HeaderName, String)> {
    let mut headers = vec![
        (header::CACHE_CONTROL, format!("public, max-age={max_age}")),
        (header::ETAG, etag),
    ];
    if let Type::Svg = kind {
        // SVG is compressed (PNG is not), so it varies with what the client
        // accepts; a 304 must say so too (RFC 9110 §15.4.5).
        headers.push((header::VARY, header::ACCEPT_ENCODING.as_str().to_owned()));
    }
    headers
}

/// 304: the client's copy is current; no body.
fn not_modified(kind: Type, max_age: u32, etag: String) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    extend(&mut response, caching(kind, max_age, etag));
    response
}

/// 200 with the picture.
fn ok(kind: Type, max_age: u32, etag: String, body: Bytes) -> Response {
    let mut response = body.into_response();
    let mut headers = caching(kind, max_age, etag);
    match kind {
        Type::Png => headers.push((header::CONTENT_TYPE, "image/png".to_owned())),
        Type::Svg => {
            headers.push((header::CONTENT_TYPE, "image/svg+xml".to_owned()));
            // Opened on its own, an SVG is a document: ours has no script
            // and fetches nothing, and may do neither.
            headers.push((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'".to_owned(),
            ));
        }
    }
    extend(&mut response, headers);
    response
}

fn extend(response: &mut Response, headers: Vec<(HeaderName, String)>) {
    for (name, value) in headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
}

/// Why a picture was not sent.
enum Failure {
    /// No such petition, a bad `size`, or the database failed.
    Http(Error),
    /// Drawing failed: a fault of ours, logged.
    Draw(String),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Http(error.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Http(error) => error.into_response(),
            Failure::Draw(error) => {
                tracing::error!(%error, "drawing a picture failed");
                Error::Body(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong drawing this picture. Please try again".into(),
                )
                .into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body of `drawn`'s answer.
    async fn body(response: Response) -> Bytes {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
    }

    fn svg(text: &str) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text y="15">{text}</text></svg>"#
        )
    }

    #[tokio::test]
    async fn a_crowd_asking_at_once_gets_one_drawing_until_the_picture_changes() {
        let slug = "a-crowd-test".to_owned();
        let ask = |text: &'static str| {
            let slug = slug.clone();
            tokio::spawn(async move {
                let response = drawn(&HeaderMap::new(), Kind::Badge, (slug, "en"), svg(text), 60).await;
                body(response.ok().unwrap()).await
            })
        };
        let crowd: Vec<_> = (0..8).map(|_| ask("12")).collect();
        let mut bodies = Vec::new();
        for answer in crowd {
            bodies.push(answer.await.unwrap());
        }
        // One PNG in memory, shared by every answer: drawn once.
        assert!(bodies.iter().all(|b| b.as_ptr() == bodies[0].as_ptr()));

        let changed = ask("13").await.unwrap();
        assert_ne!(changed.as_ptr(), bodies[0].as_ptr());
        assert_ne!(changed, bodies[0], "a new count, a new picture");
        let again = ask("13").await.unwrap();
        assert_eq!(again.as_ptr(), changed.as_ptr());
        assert_eq!(
            DRAWINGS
                .lock()
                .unwrap()
                .keys()
                .filter(|(_, s, _)| s == &slug)
                .count(),
            1
        );
    }
}
