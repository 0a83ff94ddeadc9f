//! The few pages the server shows people itself (confirming, removing a
//! signature): one askama template each, under `server/templates/`, all
//! extending `page.html` (one look, no scripts).
//!
//! A page is a struct whose fields are the only things that vary, and askama
//! escapes every field as it goes into the HTML (`& < > " '`). There is no
//! way to hand a page a piece of markup: nothing a signer or an organiser
//! typed can become markup, whoever forgets what.

use askama::Template;
use axum::{
    http::{header, StatusCode},
    response::{Html, IntoResponse, Response},
};
use petition_core::lang::text;

use crate::lang::Language;

/// `template` rendered as a page. Its address may carry a secret token: no
/// cache keeps it, no referrer carries it on.
pub fn page(template: impl Template) -> Response {
    let headers = [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        // Its language may come from the browser's.
        (header::VARY, "accept-language"),
    ];
    match template.render() {
        Ok(html) => (headers, Html(html)).into_response(),
        // Only a failing `Display` of a field could get here; the fields are
        // strings, so this is a bug, logged, and not worth a page of its own.
        Err(error) => {
            tracing::error!(%error, "a page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, headers, crate::lang::english().words(text::SORRY)).into_response()
        }
    }
}

/// Only the hex digits of a token from an address, so that nothing else in
/// it is ever echoed into a page.
pub fn token_from(path: &str) -> String {
    path.chars().filter(char::is_ascii_hexdigit).take(64).collect()
}

/// `?lang=…` for the addresses a page in `t` links and posts to, so that
/// the next page is in its language too.
pub fn lang_query(t: &Language) -> String {
    format!("?lang={}", t.code)
}

/// The language of a page a mail's link opens (`/confirm/…`, `/remove/…`):
/// the one its address asks for (the mail's), else the signature's, else
/// the browser's, else English.
pub async fn link_page_language(
    state: &super::AppState,
    query: Option<&str>,
    headers: &axum::http::HeaderMap,
    confirm: bool,
    token: &str,
) -> &'static Language {
    let asked = super::query_value(query, "lang");
    let stored = match asked {
        Some(_) => None,
        None => crate::store::link_language(&state.db, &state.clock, confirm, token).await.ok().flatten(),
    };
    crate::lang::for_page(asked.as_deref(), stored.as_deref(), crate::lang::accept_language(headers), petition_core::lang::ENGLISH)
}

/// The language of any other page of ours: the one its address asks for,
/// else the browser's, else English.
pub fn page_language(query: Option<&str>, headers: &axum::http::HeaderMap) -> &'static Language {
    let asked = super::query_value(query, "lang");
    crate::lang::for_page(asked.as_deref(), None, crate::lang::accept_language(headers), petition_core::lang::ENGLISH)
}

/// `petition`'s title as a reader of `t` gets it (in the best of its
/// languages for `t`), and that language where it isn't `t`'s.
pub fn title_for(petition: &crate::petition_file::PetitionFile, t: &Language) -> (String, Option<String>) {
    let lang = petition.best_language([t.code]);
    let other = (!lang.eq_ignore_ascii_case(t.code)).then(|| lang.to_owned());
    (petition.in_language(lang).title, other)
}

/// `/confirm/{token}`: a button that confirms.
#[derive(Template)]
#[template(path = "confirm/ask.html")]
pub struct ConfirmAsk {
    t: &'static Language,
    token: String,
    query: String,
}

impl ConfirmAsk {
    /// The page for the token in an address (hex digits only are kept), in `t`.
    pub fn new(t: &'static Language, token_in_path: &str) -> ConfirmAsk {
        ConfirmAsk { t, token: token_from(token_in_path), query: lang_query(t) }
    }
}

/// The signature on the petition titled `title` now counts.
#[derive(Template)]
#[template(path = "confirm/done.html")]
pub struct ConfirmDone<'a> {
    pub t: &'static Language,
    pub title: &'a str,
    /// The title's language, where it isn't the page's.
    pub title_lang: Option<&'a str>,
}

/// A confirmation link that can't confirm anything (any more).
#[derive(Template)]
#[template(path = "confirm/expired.html")]
pub struct ConfirmExpired {
    pub t: &'static Language,
}

/// `/remove`: asks for an address; after a mistake, `error` says what is
/// wrong and `typed` keeps what was typed.
#[derive(Template)]
#[template(path = "remove/address.html")]
pub struct RemoveAddress<'a> {
    pub t: &'static Language,
    pub typed: &'a str,
    pub error: Option<&'a str>,
    pub query: String,
}

/// A removal link has gone to `email`, if it signed anything.
#[derive(Template)]
#[template(path = "remove/sent.html")]
pub struct RemoveSent<'a> {
    pub t: &'static Language,
    pub email: &'a str,
}

/// `/remove/{token}`: a button that removes.
#[derive(Template)]
#[template(path = "remove/ask.html")]
pub struct RemoveAsk {
    t: &'static Language,
    token: String,
    query: String,
}

impl RemoveAsk {
    /// The page for the token in an address (hex digits only are kept), in `t`.
    pub fn new(t: &'static Language, token_in_path: &str) -> RemoveAsk {
        RemoveAsk { t, token: token_from(token_in_path), query: lang_query(t) }
    }
}

/// The signature on the petition titled `title` is gone.
#[derive(Template)]
#[template(path = "remove/done.html")]
pub struct RemoveDone<'a> {
    pub t: &'static Language,
    pub title: &'a str,
    /// The title's language, where it isn't the page's.
    pub title_lang: Option<&'a str>,
}

/// A removal link that can't remove anything (any more).
#[derive(Template)]
#[template(path = "remove/expired.html")]
pub struct RemoveExpired {
    pub t: &'static Language,
    pub query: String,
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// A petition title an organiser (or whoever edits the file) might write.
    const HOSTILE_TITLE: &str = r#"<script>alert('x')</script> "quoted" & 'single'"#;
    /// What someone might type as their address.
    const HOSTILE_EMAIL: &str = r#""'><img src=x onerror=alert(1)>"#;

    fn en() -> &'static Language {
        crate::lang::english()
    }

    fn render(template: impl Template) -> String {
        template.render().expect("the page renders")
    }

    /// No raw piece of `hostile` is in `html`: neither tags nor quotes.
    fn assert_inert(html: &str, hostile: &str) {
        assert!(!html.contains(hostile), "{html}");
        for raw in ["<script", "<img", "\"'>", "'x'", "\"quoted\"", "'single'"] {
            assert!(!html.contains(raw), "{raw} unescaped in {html}");
        }
    }

    #[test]
    fn a_petition_title_with_markup_and_quotes_is_shown_as_text() {
        for html in [render(ConfirmDone { t: en(), title: HOSTILE_TITLE, title_lang: None }), render(RemoveDone { t: en(), title: HOSTILE_TITLE, title_lang: None })] {
            assert_inert(&html, HOSTILE_TITLE);
            assert!(
                html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#34;quoted&#34; &#38; &#39;single&#39;"),
                "{html}"
            );
        }
    }

    #[test]
    fn what_someone_typed_as_their_address_stays_inside_the_value_attribute() {
        let html = render(RemoveAddress { t: en(), typed: HOSTILE_EMAIL, error: Some("Enter an email address in the correct format"), query: String::new() });
        assert_inert(&html, HOSTILE_EMAIL);
        assert!(html.contains(r#"value="&#34;&#39;&#62;&#60;img src=x onerror=alert(1)&#62;""#), "{html}");
        assert!(html.contains(r#"aria-invalid="true""#));

        let html = render(RemoveSent { t: en(), email: HOSTILE_EMAIL });
        assert_inert(&html, HOSTILE_EMAIL);
        assert!(html.contains("<strong dir=\"ltr\">&#34;&#39;&#62;&#60;img src=x onerror=alert(1)&#62;</strong>"), "{html}");
    }

    #[test]
    fn an_error_message_is_escaped_too() {
        let html = render(RemoveAddress { t: en(), typed: "", error: Some("<b>bold</b>"), query: String::new() });
        assert!(html.contains("&#60;b&#62;bold&#60;/b&#62;") && !html.contains("<b>"), "{html}");
    }

    #[test]
    fn a_mistake_is_named_in_the_title_and_beside_the_field() {
        let html = render(RemoveAddress { t: en(), typed: "amara@example", error: Some("Enter an email address"), query: String::new() });
        assert!(html.contains("<title>Error: Remove your signature</title>"), "{html}");
        assert!(html.contains(r#"aria-describedby="email-error""#) && html.contains(r#"id="email-error""#));
        assert!(html.contains(r#"value="amara@example""#));

        let html = render(RemoveAddress { t: en(), typed: "", error: None, query: String::new() });
        assert!(html.contains("<title>Remove your signature</title>"), "{html}");
        assert!(!html.contains("aria-invalid") && !html.contains("email-error"), "{html}");
        assert!(html.contains(r#"<label for="email">Email address</label>"#) && html.contains(r#"autocomplete="email""#));
    }

    #[test]
    fn a_token_keeps_only_its_hex_digits() {
        let html = render(ConfirmAsk::new(en(), r#"ab12"><script>alert(1)</script>"#));
        assert!(html.contains(r#"action="/confirm/ab12cae1c?lang=en""#), "{html}");
        assert!(html.contains(r#"<button type="submit">Confirm my signature</button>"#));
        let html = render(RemoveAsk::new(en(), "CAFE/../f00d"));
        assert!(html.contains(r#"action="/remove/CAFEf00d?lang=en""#), "{html}");
        assert!(html.contains(r#"<button type="submit">Remove my signature</button>"#));
    }

    #[test]
    fn every_page_has_the_one_look() {
        for t in crate::lang::all() {
            let pages = [
                render(ConfirmAsk::new(t, "ab")),
                render(ConfirmDone { t, title: "t", title_lang: None }),
                render(ConfirmExpired { t }),
                render(RemoveAddress { t, typed: "", error: None, query: String::new() }),
                render(RemoveSent { t, email: "e" }),
                render(RemoveAsk::new(t, "ab")),
                render(RemoveDone { t, title: "t", title_lang: None }),
                render(RemoveExpired { t, query: String::new() }),
            ];
            for html in pages {
                let start = format!("<!doctype html>\n<html lang=\"{}\" dir=\"{}\">", t.code, t.dir());
                assert!(html.starts_with(&start), "{html}");
                assert!(petition_core::lang::placeholders(&html).is_empty(), "a placeholder left in {html}");
                assert!(html.contains(r#"<meta name="referrer" content="no-referrer">"#));
                assert!(html.contains(r#"<link rel="icon" href="data:,">"#));
                assert!(!html.contains("<script"), "{html}");
            }
        }
    }

    #[test]
    fn an_arabic_page_runs_right_to_left_in_arabic_and_the_title_keeps_its_language() {
        let Some(ar) = crate::lang::find("ar") else { return };
        let html = render(ConfirmDone { t: ar, title: "Stop sharing", title_lang: Some("en") });
        assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{html}");
        assert!(html.contains(r#"<strong dir="auto" lang="en">Stop sharing</strong>"#), "{html}");
        assert!(html.contains(ar.words(petition_core::lang::text::CONFIRMED_TITLE)), "{html}");
        assert!(html.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)), "Arabic script: {html}");
    }

    #[tokio::test]
    async fn a_page_is_kept_by_no_cache_and_named_to_no_one() {
        let response = page(ConfirmExpired { t: en() });
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
    }

    /// Every file under `dir`, recursively.
    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                files.extend(files_under(&path));
            } else {
                files.push(path);
            }
        }
        files
    }

    /// The ways askama lets a template, its configuration or a template
    /// struct print a value unescaped, as they read with the spaces taken
    /// out. Spelled in pieces so that this file doesn't trip its own check.
    fn escape_hatches() -> (Vec<String>, Vec<String>) {
        let none = ["\"no", "ne\""].concat();
        let in_templates = vec![
            ["|sa", "fe"].concat(),
            ["filter", "sa", "fe"].concat(),
            format!("|e({none})"),
            format!("|escape({none})"),
            ["[[esc", "aper]]"].concat(),
        ];
        // `|safe` would be a closure's argument in Rust, so not that one.
        let in_rust = vec![format!("escape={none}"), ["filters::Sa", "fe"].concat(), ["MaybeSa", "fe"].concat()];
        (in_templates, in_rust)
    }

    #[test]
    fn no_template_switches_off_html_escaping() {
        let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = files_under(&crate_dir.join("templates"));
        files.extend(files_under(&crate_dir.join("../www/demo")));
        files.push(crate_dir.join("askama.toml"));
        files.extend(files_under(&crate_dir.join("src")));
        let (in_templates, in_rust) = escape_hatches();
        let mut html_files = 0;
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else { continue };
            let extension = file.extension().and_then(|e| e.to_str()).unwrap_or_default();
            html_files += usize::from(extension == "html");
            let hatches = if extension == "rs" { &in_rust } else { &in_templates };
            let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            for hatch in hatches {
                assert!(!squeezed.contains(hatch.as_str()), "{} uses {hatch}: escape by default, always", file.display());
            }
        }
        assert!(html_files >= 13, "the templates were all found: {html_files} HTML files");
    }
}
