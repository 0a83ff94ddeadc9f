//! The petition's own page, `/p/{slug}`: the address people share, scan and
//! paste into chats.
//!
//! - The petition (its words, count, progress bar, goal and milestone
//!   timeline) is rendered here, in the HTML, with the widget's rules and
//!   words: complete without JavaScript and for crawlers. It sits inside the
//!   widget's host element (`<div data-petition>`), and `/embed.js` is
//!   loaded once: the loader keeps it on screen until the widget, with the
//!   form and the live count, takes its place.
//! - Link previews: Open Graph and Twitter tags, all absolute, the image
//!   being `/p/{slug}/preview.png`; and the oEmbed discovery link.
//! - `?partner=` (one of the petition's partners) is passed to the widget
//!   as `data-partner`; the widget reads `?source=` itself.
//! - The organiser's pictures (see [`crate::pictures`]) at
//!   `/p/{slug}/hero.jpg` and `/p/{slug}/logo.png`, and a printable A4
//!   poster at `/p/{slug}/poster`.
//!
//! Everything here is the same for everyone, so it is briefly cacheable,
//! sets no cookie and carries no personal data. The pages are askama
//! templates (every value escaped) under a Content-Security-Policy of their
//! own with no inline script; the accent colour comes in SVG presentation
//! attributes of a validated `#rrggbb`, never in a `style` attribute.

use askama::Template;
use axum::{
    extract::{Path, RawQuery, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};
use petition_core::{milestones, Milestone, Petition};

use super::{
    page_url,
    snippets::{snippets, Snippet},
};
use crate::{
    http::{AppState, Error, PETITION_MAX_AGE_SECONDS},
    petition_file::PetitionFile,
    pictures::Kind,
    store::{self, PictureSize, StoreError},
};

/// The page's policy: as strict as the README asks of partners. The widget
/// needs `'wasm-unsafe-eval'` (it is wasm) and styles itself with
/// constructable stylesheets, which `style-src` doesn't govern; its requests
/// go to this same server.
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The poster's policy: no script at all.
pub const POSTER_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The page's stylesheet, compiled in.
const PAGE_CSS: &str = include_str!("../../static/share/page.css");
/// The poster's stylesheet, compiled in.
const POSTER_CSS: &str = include_str!("../../static/share/poster.css");

/// How long a stylesheet may be cached: a new release's reaches everyone
/// within the hour.
const STYLE_MAX_AGE_SECONDS: u32 = 60 * 60;

/// The page, the poster, the pictures and the stylesheets.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/page.css", get(|| async { stylesheet(PAGE_CSS) }))
        .route("/p/poster.css", get(|| async { stylesheet(POSTER_CSS) }))
        .route("/p/{slug}", get(page))
        .route("/p/{slug}/poster", get(poster))
        .route(
            "/p/{slug}/hero.jpg",
            get(|s, p, h, q| picture(s, p, h, q, Kind::Hero)),
        )
        .route(
            "/p/{slug}/logo.png",
            get(|s, p, h, q| picture(s, p, h, q, Kind::Logo)),
        )
}

/// A picture as the pages show it: its address, size and words.
struct Image {
    src: String,
    width: u32,
    height: u32,
    /// Empty for a decorative picture.
    alt: String,
}

/// One line of the milestone timeline.
struct Step {
    /// "1,000 signatures reached".
    words: String,
    /// When, as `datetime` (RFC 3339) and in words (UTC); `None` if not known.
    at: Option<(String, String)>,
}

/// What the page and the poster say about a petition, in the widget's words
/// (src/view.rs), worked out once.
struct Words {
    /// The count is shown (at or above `show_count_from`, or closed).
    counted: bool,
    /// "12,345".
    count: String,
    /// "signature" or "signatures".
    count_unit: &'static str,
    /// The bar's fill, 0..=1000, its value for assistive technology, and
    /// what it says in words.
    permille: u32,
    bar_now: u64,
    bar_words: String,
    /// "Help us reach 25,000 signatures" / "Its goal was …".
    goal: String,
    /// "N doctors, nurses and midwives have signed".
    tally: Option<String>,
    /// "Next milestone: 25,000 signatures" (open petitions).
    next: Option<String>,
    /// Reached milestones, newest first.
    reached: Vec<Step>,
    /// When none is reached: "No milestones yet: the first is 10 signatures."
    none_yet: Option<String>,
    /// "This petition is supported by A, B and C."
    supported: Option<String>,
}

impl Words {
    fn of(petition: &Petition) -> Words {
        let (count, goal) = (petition.signature_count, petition.goal);
        // A closed petition shows what it reached, however few.
        let counted = count >= petition.show_count_from || petition.closed;
        let bar_words = if counted {
            format!("{} of {}", milestones::grouped(count), signatures(goal))
        } else {
            format!("Just started, towards {}", signatures(goal))
        };
        let goal_words = if petition.closed {
            "Its goal was"
        } else {
            "Help us reach"
        };
        let tally = petition
            .healthcare_professionals
            .filter(|n| *n > 0 && counted)
            .map(|n| match n {
                1 => "1 doctor, nurse or midwife has signed".to_owned(),
                n => format!(
                    "{} doctors, nurses and midwives have signed",
                    milestones::grouped(n)
                ),
            });
        // One list here, where the widget has two: "No milestones yet: the
        // first is …" says what "Next milestone" would.
        let next = next_milestone(count, &petition.milestones)
            .filter(|_| {
                !petition.closed && counted && petition.milestones.iter().any(|m| m.count <= count)
            })
            .map(|next| format!("Next milestone: {}", signatures(next)));
        let reached: Vec<Step> = petition
            .milestones
            .iter()
            .rev()
            .filter(|m| counted && m.count <= count)
            .map(|m| Step {
                words: format!("{} reached", signatures(m.count)),
                at: m
                    .reached_at
                    .as_deref()
                    .and_then(|at| date_words(at).map(|words| (at.to_owned(), words))),
            })
            .collect();
        let none_yet = reached.is_empty().then(|| {
            let first = petition
                .milestones
                .first()
                .map_or(milestones::goal_for(0, &[]), |m| m.count);
            format!("No milestones yet: the first is {}.", signatures(first))
        });
        Words {
            counted,
            count: milestones::grouped(count),
            count_unit: if count == 1 {
                "signature"
            } else {
                "signatures"
            },
            permille: if counted {
                milestones::progress_permille(count, goal)
            } else {
                0
            },
            bar_now: if counted { count.min(goal) } else { 0 },
            bar_words,
            goal: format!("{goal_words} {}", signatures(goal)),
            tally,
            next,
            reached,
            none_yet,
            supported: (!petition.supported_by.is_empty()).then(|| {
                format!(
                    "This petition is supported by {}.",
                    list_in_words(&petition.supported_by)
                )
            }),
        }
    }

    /// The count in a sentence, for link previews: "12,345 signatures" or
    /// "be one of the first to sign".
    fn count_sentence(&self) -> String {
        if self.counted {
            format!("{} {}", self.count, self.count_unit)
        } else {
            "be one of the first to sign".to_owned()
        }
    }
}

/// `"1 signature"`, `"2,500 signatures"`, as the widget writes it.
fn signatures(n: u64) -> String {
    format!(
        "{} {}",
        milestones::grouped(n),
        if n == 1 { "signature" } else { "signatures" }
    )
}

/// The first milestone above `count`.
fn next_milestone(count: u64, milestones: &[Milestone]) -> Option<u64> {
    milestones.iter().map(|m| m.count).find(|&m| m > count)
}

/// "A", "A and B", "A, B and C".
fn list_in_words(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `2017-04-20T08:13:26Z` as `20 April 2017` (the day in UTC; the widget,
/// once running, says it in the reader's own time zone).
fn date_words(at: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let time = humantime::parse_rfc3339_weak(at).ok()?;
    let day = humantime::format_rfc3339(time).to_string();
    let year = day.get(..4)?;
    let month = MONTHS.get(day.get(5..7)?.parse::<usize>().ok()?.checked_sub(1)?)?;
    let date: u32 = day.get(8..10)?.parse().ok()?;
    Some(format!("{date} {month} {year}"))
}

/// The petition page.
#[derive(Template)]
#[template(path = "share/page.html")]
struct Page<'a> {
    petition: &'a Petition,
    words: Words,
    /// The server's public address, no trailing slash.
    public: &'a str,
    page_url: String,
    /// The oEmbed discovery address for this page.
    oembed: String,
    description: String,
    image_alt: String,
    accent: &'a str,
    /// A partner of the petition's, named by `?partner=`.
    partner: Option<String>,
    hero: Option<Image>,
    logo: Option<Image>,
    /// The codes to put the petition on a website (the partner's, with `?partner=`).
    snippets: Vec<Snippet>,
}

impl Page<'_> {
    /// The page's title: the petition's, and whose it is.
    fn page_title(&self) -> String {
        format!(
            "{} – a petition by {}",
            self.petition.title, self.petition.organiser
        )
    }
}

/// The printable poster.
#[derive(Template)]
#[template(path = "share/poster.html")]
struct Poster<'a> {
    petition: &'a Petition,
    page_url: String,
    /// The page's address without its scheme: what people type.
    short: String,
    accent: &'a str,
    logo: Option<Image>,
}

/// No petition at this address.
#[derive(Template)]
#[template(path = "share/page_missing.html")]
struct Missing;

/// A petition, its definition and the pictures it shows, or the response
/// that says why not (a 404 page for an unknown slug).
async fn load(
    state: &AppState,
    slug: &str,
) -> Result<(Petition, PetitionFile, Vec<PictureSize>), Response> {
    let (petition, definition) =
        match store::petition_with_definition(&state.db, &state.clock, slug, &[]).await {
            Ok(found) => found,
            Err(StoreError::NotFound) => return Err(missing()),
            Err(error) => return Err(Error::from(error).into_response()),
        };
    let pictures = match store::picture_sizes(&state.db, slug).await {
        Ok(pictures) => pictures,
        Err(error) => return Err(Error::from(error).into_response()),
    };
    // A picture shows while the petition still names the file it came from.
    let pictures = pictures
        .into_iter()
        .filter(|p| p.kind.named_by(&definition) == Some(p.file_name.as_str()))
        .collect();
    Ok((petition, definition, pictures))
}

/// `kind`'s picture among `pictures`, as the pages show it.
fn image(slug: &str, pictures: &[PictureSize], kind: Kind, alt: String) -> Option<Image> {
    pictures.iter().find(|p| p.kind == kind).map(|p| Image {
        // The digest in the address: a changed picture is a new address, so
        // the old one may be cached for good.
        src: format!(
            "/p/{slug}/{}?v={}",
            kind.served_as(),
            &p.digest[..16.min(p.digest.len())]
        ),
        width: p.width,
        height: p.height,
        alt,
    })
}

/// The petition's accent, as a validated `#rrggbb` (the default if the
/// stored one were somehow not one).
fn accent(definition: &PetitionFile) -> &str {
    match petition_core::colour::parse(&definition.accent_colour) {
        Some(_) => &definition.accent_colour,
        None => petition_core::colour::DEFAULT_ACCENT,
    }
}

/// `GET /p/{slug}`.
async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (petition, definition, pictures) = match load(&state, &slug).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let public = state.public_url.trim_end_matches('/');
    let page_url = page_url(public, &slug);
    let words = Words::of(&petition);
    let partner = query_value(query.as_deref(), "partner")
        .filter(|wanted| definition.partners.iter().any(|p| p.slug == *wanted));
    let hero_alt = definition.hero_alt.clone().unwrap_or_default();
    let page = Page {
        oembed: format!(
            "{public}/oembed?url={}&format=json",
            form_urlencoded::byte_serialize(page_url.as_bytes()).collect::<String>()
        ),
        description: petition.summary.clone(),
        image_alt: format!("{}: {}", petition.title, words.count_sentence()),
        hero: image(&slug, &pictures, Kind::Hero, hero_alt),
        logo: image(&slug, &pictures, Kind::Logo, petition.organiser.clone()),
        accent: accent(&definition),
        snippets: snippets(public, &slug, &petition.title, partner.as_deref()),
        partner,
        page_url,
        public,
        words,
        petition: &petition,
    };
    html(StatusCode::OK, page.render(), PAGE_POLICY)
}

/// `GET /p/{slug}/poster`.
async fn poster(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let (petition, definition, pictures) = match load(&state, &slug).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let page_url = page_url(&state.public_url, &slug);
    let short = page_url
        .split_once("://")
        .map_or(page_url.as_str(), |(_, rest)| rest)
        .to_owned();
    let poster = Poster {
        logo: image(&slug, &pictures, Kind::Logo, petition.organiser.clone()),
        accent: accent(&definition),
        petition: &petition,
        page_url,
        short,
    };
    html(StatusCode::OK, poster.render(), POSTER_POLICY)
}

/// The 404 page: there is no petition at this address.
fn missing() -> Response {
    html(StatusCode::NOT_FOUND, Missing.render(), POSTER_POLICY)
}

/// A rendered page with its policy, briefly cacheable by anyone.
fn html(status: StatusCode, rendered: askama::Result<String>, policy: &'static str) -> Response {
    match rendered {
        Ok(body) => (
            status,
            [
                (
                    header::CACHE_CONTROL,
                    format!("public, max-age={PETITION_MAX_AGE_SECONDS}"),
                ),
                (header::CONTENT_SECURITY_POLICY, policy.to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            Html(body),
        )
            .into_response(),
        // Only a failing `Display` of a field could get here: a bug.
        Err(error) => {
            tracing::error!(%error, "a petition page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, something went wrong.",
            )
                .into_response()
        }
    }
}

/// The value of `name` in a query string (the first, decoded), if any; a
/// malformed query is read as far as it goes, never refused.
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// A stylesheet of ours.
fn stylesheet(css: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8".to_owned()),
            (
                header::CACHE_CONTROL,
                format!("public, max-age={STYLE_MAX_AGE_SECONDS}"),
            ),
        ],
        css,
    )
        .into_response()
}

/// `GET /p/{slug}/hero.jpg` or `logo.png`: while the petition names its
/// file. Cached for good when asked for by its digest (`?v=`, as the pages
/// do), for an hour otherwise; revalidated by its `ETag` either way.
async fn picture(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    kind: Kind,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "This petition has no such picture").into_response();
    let definition = match store::editable(&state.db, &slug).await {
        Ok(editable) => editable.definition,
        Err(StoreError::NotFound) => return not_found(),
        Err(error) => return Error::from(error).into_response(),
    };
    let (file_name, bytes, digest) = match store::picture(&state.db, &slug, kind).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(error) => return Error::from(error).into_response(),
    };
    if kind.named_by(&definition) != Some(file_name.as_str()) {
        return not_found();
    }
    let etag = format!("\"{digest}\"");
    let versioned =
        query_value(query.as_deref(), "v").is_some_and(|v| !v.is_empty() && digest.starts_with(&v));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag)
        }) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, kind.content_type())], bytes).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_days_in_words() {
        assert_eq!(
            date_words("2017-04-20T08:13:26Z").as_deref(),
            Some("20 April 2017")
        );
        assert_eq!(
            date_words("2026-01-05T23:59:59Z").as_deref(),
            Some("5 January 2026")
        );
        assert_eq!(date_words("yesterday"), None);
    }

    #[test]
    fn lists_read_as_a_sentence() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(list_in_words(&names(&["A"])), "A");
        assert_eq!(list_in_words(&names(&["A", "B"])), "A and B");
        assert_eq!(list_in_words(&names(&["A", "B", "C"])), "A, B and C");
    }

    #[test]
    fn a_query_is_read_however_it_is_written() {
        assert_eq!(
            query_value(Some("source=qr&partner=medact"), "partner").as_deref(),
            Some("medact")
        );
        assert_eq!(
            query_value(Some("partner=%ZZ&x"), "partner").as_deref(),
            Some("%ZZ")
        );
        assert_eq!(query_value(None, "partner"), None);
    }
}
