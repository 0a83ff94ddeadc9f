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
use petition_core::{
    lang::{text, ENGLISH},
    milestones, Petition,
};

use super::{
    page_url,
    snippets::{snippets_in, Snippet},
};
use crate::{
    http::{query_value, AppState, Error, PETITION_MAX_AGE_SECONDS},
    lang::Language,
    petition_file::PetitionFile,
    pictures::Kind,
    store::{self, PictureSize, StoreError},
};

/// The page's policy: as strict as the README asks of partners. The widget
/// needs `'wasm-unsafe-eval'` (it is wasm) and styles itself with
/// constructable stylesheets, which `style-src` doesn't govern; its requests
/// go to this same server. Trusted Types are required, with the widget's
/// policy (`petition-widget`, made by the loader) the only one allowed.
pub const PAGE_POLICY: &str = concat!(
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'; ",
    widget_trusted_types!()
);

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
/// (src/view.rs) in the page's language, worked out once.
struct Words {
    /// The count is shown (at or above `show_count_from`, or closed).
    counted: bool,
    /// The count sentence around the count: before it, the count as the
    /// language writes it ("12,345", shown large), and after it.
    count_before: String,
    count: String,
    count_after: String,
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
    fn of(petition: &Petition, t: &Language) -> Words {
        let (count, goal) = (petition.signature_count, petition.goal);
        let counted = petition.count_shown();
        let bar_words = if counted {
            t.count(text::BAR_VALUE, goal, &[("done", &t.number(count))])
        } else {
            t.count(text::BAR_STARTED, goal, &[])
        };
        let goal_words = t.count(if petition.closed { text::GOAL_CLOSED } else { text::GOAL }, goal, &[]);
        let tally = petition
            .healthcare_professionals
            .filter(|n| *n > 0 && counted)
            .map(|n| t.count(text::PROFESSIONALS, n, &[]));
        // One list here, where the widget has two: "No milestones yet: the
        // first is …" says what "Next milestone" would.
        let next = milestones::next_above(count, &petition.milestones)
            .filter(|_| {
                !petition.closed && counted && petition.milestones.iter().any(|m| m.count <= count)
            })
            .map(|next| t.count(text::NEXT_MILESTONE, next, &[]));
        let reached: Vec<Step> = petition
            .milestones
            .iter()
            .rev()
            .filter(|m| counted && m.count <= count)
            .map(|m| Step {
                words: t.count(text::REACHED, m.count, &[]),
                at: m
                    .reached_at
                    .as_deref()
                    .and_then(|at| t.date(at).map(|words| (at.to_owned(), words))),
            })
            .collect();
        let none_yet = reached.is_empty().then(|| {
            let first = petition
                .milestones
                .first()
                .map_or(milestones::goal_for(0, &[]), |m| m.count);
            t.count(text::NO_MILESTONES, first, &[])
        });
        let (before, after) = petition_core::lang::around(t.form(text::SIGNATURES, count), "count")
            .unwrap_or((t.form(text::SIGNATURES, count), ""));
        Words {
            counted,
            count_before: before.to_owned(),
            count: t.number(count),
            count_after: after.to_owned(),
            permille: if counted {
                milestones::progress_permille(count, goal)
            } else {
                0
            },
            bar_now: if counted { count.min(goal) } else { 0 },
            bar_words,
            goal: goal_words,
            tally,
            next,
            reached,
            none_yet,
            supported: (!petition.supported_by.is_empty())
                .then(|| t.fill(text::SUPPORTED_BY, &[("names", &t.list(&petition.supported_by))])),
        }
    }
}

/// The count in words, for link previews: "12,345 signatures" or "Be one
/// of the first to sign".
fn count_sentence(petition: &Petition, t: &Language) -> String {
    if petition.count_shown() {
        t.count(text::SIGNATURES, petition.signature_count, &[])
    } else {
        t.words(text::FIRST_SHORT).to_owned()
    }
}

/// The language of a petition's texts on a page, where it isn't the
/// page's: for `lang` and `dir` attributes on them.
struct TextLanguage {
    lang: String,
    dir: &'static str,
}

impl TextLanguage {
    /// `Some` when the petition's texts (in `text_lang`) are not in the
    /// page's language `t`.
    fn of(text_lang: &str, t: &Language) -> Option<TextLanguage> {
        (!text_lang.eq_ignore_ascii_case(t.code)).then(|| TextLanguage {
            lang: text_lang.to_owned(),
            dir: if petition_core::lang::is_rtl(text_lang) { "rtl" } else { "ltr" },
        })
    }
}

/// A link to the page in another of the petition's languages.
struct Alternate {
    /// Its code, for `hreflang` and `lang`.
    code: String,
    /// Its name in its own script: "Cymraeg".
    name: String,
    /// The page's address in it.
    href: String,
    /// It is the language the page is in (shown as the current one).
    current: bool,
}

/// The languages a petition page is offered in: each of the petition's, by
/// its name in its own script, linked to the page in it (the petition's own
/// language by the page's plain address).
fn alternates(definition: &PetitionFile, page_url: &str, current: &str) -> Vec<Alternate> {
    definition
        .languages()
        .into_iter()
        .map(|code| Alternate {
            code: code.to_owned(),
            name: crate::lang::find(code).map_or_else(|| code.to_owned(), |l| l.name.clone()),
            href: in_language_url(page_url, definition, code),
            current: code.eq_ignore_ascii_case(current),
        })
        .collect()
}

/// `url` for the petition in the language `code`: as it is for the
/// petition's own language, with `?lang=` for another.
fn in_language_url(url: &str, definition: &PetitionFile, code: &str) -> String {
    if code.eq_ignore_ascii_case(&definition.language) {
        url.to_owned()
    } else {
        format!("{url}?lang={code}")
    }
}

/// The petition page.
#[derive(Template)]
#[template(path = "share/page.html")]
struct Page<'a> {
    /// The page's language.
    t: &'static Language,
    /// The petition's texts' language, where it isn't the page's.
    text_lang: Option<TextLanguage>,
    petition: &'a Petition,
    words: Words,
    /// The server's public address, no trailing slash.
    public: &'a str,
    /// This page's own address (with `?lang=` for a language other than
    /// the petition's own).
    self_url: String,
    /// The page's address with no query.
    page_url: String,
    /// The link preview's address, in the page's language.
    preview_url: String,
    /// The poster's and badge's addresses, with the page's `?lang=`.
    lang_query: String,
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
    /// The petition's languages, for `hreflang` links and the list of them.
    alternates: Vec<Alternate>,
    /// The page's language as Open Graph writes it (`pt_BR`).
    og_locale: String,
}

impl Page<'_> {
    /// The page's title: the petition's, and whose it is.
    fn page_title(&self) -> String {
        format!("{} – {}", self.petition.title, self.petition.organiser)
    }
}

/// The printable poster.
#[derive(Template)]
#[template(path = "share/poster.html")]
struct Poster<'a> {
    t: &'static Language,
    text_lang: Option<TextLanguage>,
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
struct Missing {
    t: &'static Language,
}

/// The language a page about a petition is in, and the tags it wants the
/// petition's texts in: `?lang=`, then the browser's languages
/// (`Accept-Language`), then the petition's own language.
pub(super) struct PageLanguage {
    pub t: &'static Language,
    /// Most wanted first: the page's language, then what was asked for.
    pub wanted: Vec<String>,
}

impl PageLanguage {
    /// For a request with `query` and `headers`, about a petition in
    /// `default` (its own language) when it is known.
    pub fn of(query: Option<&str>, headers: &HeaderMap, default: &str) -> PageLanguage {
        let asked = query_value(query, "lang");
        let accept = crate::lang::accept_language(headers);
        let t = crate::lang::for_page(asked.as_deref(), None, accept, default);
        let asked = asked.iter().flat_map(|asked| asked.split(',')).map(|tag| tag.trim().to_owned());
        let preferred = accept.map(crate::lang::preferences).unwrap_or_default();
        let wanted = std::iter::once(t.code.to_owned()).chain(asked).chain(preferred).take(24).collect();
        PageLanguage { t, wanted }
    }

    /// The wanted tags, as `&str`s.
    pub fn tags(&self) -> Vec<&str> {
        self.wanted.iter().map(String::as_str).collect()
    }
}

/// A petition (in the best of its languages for `wanted`), its definition
/// and the pictures it shows, or the response that says why not (a 404 page
/// for an unknown slug, in `t`).
async fn load(
    state: &AppState,
    slug: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<(Petition, PetitionFile, Vec<PictureSize>, PageLanguage), Response> {
    let default = match store::editable(&state.db, slug).await {
        Ok(editable) => editable.definition.language,
        Err(StoreError::NotFound) => return Err(missing(PageLanguage::of(query, headers, ENGLISH).t)),
        Err(error) => return Err(Error::from(error).into_response()),
    };
    let language = PageLanguage::of(query, headers, &default);
    let (petition, definition) =
        match store::petition_with_definition(&state.db, &state.clock, slug, &language.tags()).await {
            Ok(found) => found,
            Err(StoreError::NotFound) => return Err(missing(language.t)),
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
    Ok((petition, definition, pictures, language))
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
    headers: HeaderMap,
) -> Response {
    let (petition, definition, pictures, language) = match load(&state, &slug, query.as_deref(), &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let t = language.t;
    let public = state.public_url.trim_end_matches('/');
    let page_url = page_url(public, &slug);
    let self_url = in_language_url(&page_url, &definition, t.code);
    let words = Words::of(&petition, t);
    let partner = query_value(query.as_deref(), "partner")
        .filter(|wanted| definition.partners.iter().any(|p| p.slug == *wanted));
    let shown = definition.in_language(&petition.language);
    let hero_alt = shown.hero_alt.clone().unwrap_or_default();
    let own_language = t.code.eq_ignore_ascii_case(&definition.language);
    let page = Page {
        oembed: format!(
            "{public}/oembed?url={}&format=json",
            form_urlencoded::byte_serialize(self_url.as_bytes()).collect::<String>()
        ),
        description: petition.summary.clone(),
        image_alt: t.fill(text::IMAGE_ALT, &[("title", &petition.title), ("count", &count_sentence(&petition, t))]),
        hero: image(&slug, &pictures, Kind::Hero, hero_alt),
        logo: image(&slug, &pictures, Kind::Logo, petition.organiser.clone()),
        accent: accent(&definition),
        snippets: snippets_in(t, (!own_language).then_some(t.code), public, &slug, &petition.title, partner.as_deref()),
        alternates: alternates(&definition, &page_url, &petition.language),
        text_lang: TextLanguage::of(&petition.language, t),
        preview_url: in_language_url(&format!("{page_url}/preview.png"), &definition, t.code),
        og_locale: t.code.replace('-', "_"),
        lang_query: if own_language { String::new() } else { format!("?lang={}", t.code) },
        partner,
        self_url,
        page_url,
        public,
        words,
        petition: &petition,
        t,
    };
    html(StatusCode::OK, page.render(), PAGE_POLICY)
}

/// `GET /p/{slug}/poster`: in the page's language, by the same rule.
async fn poster(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (petition, definition, pictures, language) = match load(&state, &slug, query.as_deref(), &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let t = language.t;
    let page_url = in_language_url(&page_url(&state.public_url, &slug), &definition, t.code);
    let short = page_url
        .split_once("://")
        .map_or(page_url.as_str(), |(_, rest)| rest)
        .to_owned();
    let poster = Poster {
        logo: image(&slug, &pictures, Kind::Logo, petition.organiser.clone()),
        accent: accent(&definition),
        text_lang: TextLanguage::of(&petition.language, t),
        petition: &petition,
        page_url,
        short,
        t,
    };
    html(StatusCode::OK, poster.render(), POSTER_POLICY)
}

/// The 404 page: there is no petition at this address.
fn missing(t: &'static Language) -> Response {
    html(StatusCode::NOT_FOUND, Missing { t }.render(), POSTER_POLICY)
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
                // Without `?lang=`, the page is in the browser's language.
                (header::VARY, "accept-language".to_owned()),
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
