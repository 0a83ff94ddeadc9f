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

/// `template` rendered as a page. Its address may carry a secret token: no
/// cache keeps it, no referrer carries it on.
pub fn page(template: impl Template) -> Response {
    let headers = [(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "no-referrer")];
    match template.render() {
        Ok(html) => (headers, Html(html)).into_response(),
        // Only a failing `Display` of a field could get here; the fields are
        // strings, so this is a bug, logged, and not worth a page of its own.
        Err(error) => {
            tracing::error!(%error, "a page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, headers, "Sorry, something went wrong. Please try again later.")
                .into_response()
        }
    }
}

/// Only the hex digits of a token from an address, so that nothing else in
/// it is ever echoed into a page.
pub fn token_from(path: &str) -> String {
    path.chars().filter(char::is_ascii_hexdigit).take(64).collect()
}

/// `/confirm/{token}`: a button that confirms.
#[derive(Template)]
#[template(path = "confirm/ask.html")]
pub struct ConfirmAsk {
    token: String,
}

impl ConfirmAsk {
    /// The page for the token in an address (hex digits only are kept).
    pub fn new(token_in_path: &str) -> ConfirmAsk {
        ConfirmAsk { token: token_from(token_in_path) }
    }
}

/// The signature on the petition titled `title` now counts.
#[derive(Template)]
#[template(path = "confirm/done.html")]
pub struct ConfirmDone<'a> {
    pub title: &'a str,
}

/// A confirmation link that can't confirm anything (any more).
#[derive(Template)]
#[template(path = "confirm/expired.html")]
pub struct ConfirmExpired;

/// `/remove`: asks for an address; after a mistake, `error` says what is
/// wrong and `typed` keeps what was typed.
#[derive(Template)]
#[template(path = "remove/address.html")]
pub struct RemoveAddress<'a> {
    pub typed: &'a str,
    pub error: Option<&'a str>,
}

/// A removal link has gone to `email`, if it signed anything.
#[derive(Template)]
#[template(path = "remove/sent.html")]
pub struct RemoveSent<'a> {
    pub email: &'a str,
}

/// `/remove/{token}`: a button that removes.
#[derive(Template)]
#[template(path = "remove/ask.html")]
pub struct RemoveAsk {
    token: String,
}

impl RemoveAsk {
    /// The page for the token in an address (hex digits only are kept).
    pub fn new(token_in_path: &str) -> RemoveAsk {
        RemoveAsk { token: token_from(token_in_path) }
    }
}

/// The signature on the petition titled `title` is gone.
#[derive(Template)]
#[template(path = "remove/done.html")]
pub struct RemoveDone<'a> {
    pub title: &'a str,
}

/// A removal link that can't remove anything (any more).
#[derive(Template)]
#[template(path = "remove/expired.html")]
pub struct RemoveExpired;

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// A petition title an organiser (or whoever edits the file) might write.
    const HOSTILE_TITLE: &str = r#"<script>alert('x')</script> "quoted" & 'single'"#;
    /// What someone might type as their address.
    const HOSTILE_EMAIL: &str = r#""'><img src=x onerror=alert(1)>"#;

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
        for html in [render(ConfirmDone { title: HOSTILE_TITLE }), render(RemoveDone { title: HOSTILE_TITLE })] {
            assert_inert(&html, HOSTILE_TITLE);
            assert!(
                html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#34;quoted&#34; &#38; &#39;single&#39;"),
                "{html}"
            );
        }
    }

    #[test]
    fn what_someone_typed_as_their_address_stays_inside_the_value_attribute() {
        let html = render(RemoveAddress { typed: HOSTILE_EMAIL, error: Some("Enter an email address in the correct format") });
        assert_inert(&html, HOSTILE_EMAIL);
        assert!(html.contains(r#"value="&#34;&#39;&#62;&#60;img src=x onerror=alert(1)&#62;""#), "{html}");
        assert!(html.contains(r#"aria-invalid="true""#));

        let html = render(RemoveSent { email: HOSTILE_EMAIL });
        assert_inert(&html, HOSTILE_EMAIL);
        assert!(html.contains("<strong>&#34;&#39;&#62;&#60;img src=x onerror=alert(1)&#62;</strong>"), "{html}");
    }

    #[test]
    fn an_error_message_is_escaped_too() {
        let html = render(RemoveAddress { typed: "", error: Some("<b>bold</b>") });
        assert!(html.contains("&#60;b&#62;bold&#60;/b&#62;") && !html.contains("<b>"), "{html}");
    }

    #[test]
    fn a_mistake_is_named_in_the_title_and_beside_the_field() {
        let html = render(RemoveAddress { typed: "amara@example", error: Some("Enter an email address") });
        assert!(html.contains("<title>Error: Remove your signature</title>"), "{html}");
        assert!(html.contains(r#"aria-describedby="email-error""#) && html.contains(r#"id="email-error""#));
        assert!(html.contains(r#"value="amara@example""#));

        let html = render(RemoveAddress { typed: "", error: None });
        assert!(html.contains("<title>Remove your signature</title>"), "{html}");
        assert!(!html.contains("aria-invalid") && !html.contains("email-error"), "{html}");
        assert!(html.contains(r#"<label for="email">Email address</label>"#) && html.contains(r#"autocomplete="email""#));
    }

    #[test]
    fn a_token_keeps_only_its_hex_digits() {
        let html = render(ConfirmAsk::new(r#"ab12"><script>alert(1)</script>"#));
        assert!(html.contains(r#"action="/confirm/ab12cae1c""#), "{html}");
        assert!(html.contains(r#"<button type="submit">Confirm my signature</button>"#));
        let html = render(RemoveAsk::new("CAFE/../f00d"));
        assert!(html.contains(r#"action="/remove/CAFEf00d""#), "{html}");
        assert!(html.contains(r#"<button type="submit">Remove my signature</button>"#));
    }

    #[test]
    fn every_page_has_the_one_look() {
        let pages = [
            render(ConfirmAsk::new("ab")),
            render(ConfirmDone { title: "t" }),
            render(ConfirmExpired),
            render(RemoveAddress { typed: "", error: None }),
            render(RemoveSent { email: "e" }),
            render(RemoveAsk::new("ab")),
            render(RemoveDone { title: "t" }),
            render(RemoveExpired),
        ];
        for html in pages {
            assert!(html.starts_with("<!doctype html>\n<html lang=\"en\">"), "{html}");
            assert!(html.contains(r#"<meta name="referrer" content="no-referrer">"#));
            assert!(html.contains(r#"<link rel="icon" href="data:,">"#));
            assert!(!html.contains("<script"), "{html}");
        }
    }

    #[tokio::test]
    async fn a_page_is_kept_by_no_cache_and_named_to_no_one() {
        let response = page(ConfirmExpired);
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
