//! The codes a campaign or a partner pastes to put a petition on a page: the
//! script tag (with a `<noscript>` link to the petition's page, for readers
//! and pages without script), the iframe (for sites that take no script) and
//! a plain link. Shown by the dashboard, the petition's page and the demo.
//!
//! Each is rendered by an askama template, so a title with markup or quotes
//! in it is HTML-escaped inside the snippet: a partner pastes it as HTML.

use askama::Template;
use petition_core::lang::text;

use super::page_url;
use crate::lang::Language;

/// One code to copy.
pub struct Snippet {
    /// For the ids of its field and button: `script`, `iframe` or `link`,
    /// after the partner's slug if any (`medact-script`).
    pub id: String,
    /// What it is: "Script tag".
    pub label: String,
    /// When to use it, in a line.
    pub hint: String,
    /// The HTML to paste.
    pub code: String,
}

/// The three ways of putting petition `slug` (titled `title`) on a page,
/// with signatures counted as `partner`'s if given (a partner's slug).
pub fn snippets(public_url: &str, slug: &str, title: &str, partner: Option<&str>) -> Vec<Snippet> {
    snippets_in(crate::lang::english(), None, public_url, slug, title, partner)
}

/// The same, described in `t`'s words, with the petition in the language
/// `lang` where it isn't the petition's own: its page and embed in that
/// language (`?lang=`), the widget told so (`data-lang`), and the link's
/// words in `t` (`title` is the petition's title in that language).
pub fn snippets_in(
    t: &Language,
    lang: Option<&str>,
    public_url: &str,
    slug: &str,
    title: &str,
    partner: Option<&str>,
) -> Vec<Snippet> {
    let server = public_url.trim_end_matches('/');
    let page = page_url(server, slug);
    let query: Vec<String> = partner
        .map(|partner| format!("partner={partner}"))
        .into_iter()
        .chain(lang.map(|lang| format!("lang={lang}")))
        .collect();
    let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
    let (page_url, embed_url) = (format!("{page}{query}"), format!("{server}/embed/{slug}{query}"));
    let sign = t.fill(text::SNIPPET_SIGN, &[("title", title)]);
    let frame = t.fill(text::SNIPPET_FRAME, &[("title", title)]);
    let prefix = partner.map_or(String::new(), |p| format!("{p}-"));
    let code = |kind: &'static str| {
        Code {
            kind,
            server,
            slug,
            partner,
            lang,
            sign: &sign,
            frame: &frame,
            page_url: &page_url,
            embed_url: &embed_url,
        }
        .render()
        // Strings only: rendering can't fail.
        .unwrap_or_default()
    };
    vec![
        Snippet {
            id: format!("{prefix}script"),
            label: t.words(text::SNIPPET_SCRIPT).to_owned(),
            hint: t.words(text::SNIPPET_SCRIPT_HINT).to_owned(),
            code: code("script"),
        },
        Snippet {
            id: format!("{prefix}iframe"),
            label: t.words(text::SNIPPET_IFRAME).to_owned(),
            hint: t.words(text::SNIPPET_IFRAME_HINT).to_owned(),
            code: code("iframe"),
        },
        Snippet {
            id: format!("{prefix}link"),
            label: t.words(text::SNIPPET_LINK).to_owned(),
            hint: t.words(text::SNIPPET_LINK_HINT).to_owned(),
            code: code("link"),
        },
    ]
}

/// One snippet's HTML.
#[derive(Template)]
#[template(path = "share/snippet.html")]
struct Code<'a> {
    /// `script`, `iframe` or `link`.
    kind: &'static str,
    server: &'a str,
    slug: &'a str,
    partner: Option<&'a str>,
    /// The widget's language, where it isn't the petition's own.
    lang: Option<&'a str>,
    /// The link's words: "Sign the petition: {title}".
    sign: &'a str,
    /// The iframe's name: "Petition: {title}".
    frame: &'a str,
    page_url: &'a str,
    embed_url: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_snippet_names_the_petition_and_its_page() {
        let codes = snippets(
            "https://sign.example.org/",
            "stop-sharing",
            "Stop sharing",
            Some("medact"),
        );
        let ids: Vec<&str> = codes.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["medact-script", "medact-iframe", "medact-link"]);
        assert_eq!(
            codes[0].code,
            "<script src=\"https://sign.example.org/embed.js\" data-petition=\"stop-sharing\" data-partner=\"medact\" async></script>\n\
             <noscript><a href=\"https://sign.example.org/p/stop-sharing?partner=medact\">Sign the petition: Stop sharing</a></noscript>"
        );
        assert_eq!(
            codes[1].code,
            "<iframe src=\"https://sign.example.org/embed/stop-sharing?partner=medact\" title=\"Petition: Stop sharing\" \
             width=\"100%\" height=\"900\" style=\"border:0\" loading=\"lazy\"></iframe>"
        );
        assert_eq!(
            codes[2].code,
            "<a href=\"https://sign.example.org/p/stop-sharing?partner=medact\">Sign the petition: Stop sharing</a>"
        );
    }

    #[test]
    fn a_title_with_markup_stays_text_in_every_snippet() {
        let title = r#"<script>alert("x")</script> & 'more'"#;
        for snippet in snippets("https://sign.example.org", "s", title, None) {
            assert!(!snippet.code.contains("<script>alert"), "{}", snippet.code);
            assert!(!snippet.code.contains("\"x\""), "{}", snippet.code);
            assert!(
                snippet.code.contains(
                    "&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;more&#39;"
                ),
                "{}",
                snippet.code
            );
        }
    }
}
