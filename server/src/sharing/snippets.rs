//! The codes a campaign or a partner pastes to put a petition on a page: the
//! script tag (with a `<noscript>` link to the petition's page, for readers
//! and pages without script), the iframe (for sites that take no script) and
//! a plain link. Shown by the dashboard, the petition's page and the demo.
//!
//! Each is rendered by an askama template, so a title with markup or quotes
//! in it is HTML-escaped inside the snippet: a partner pastes it as HTML.

use askama::Template;

use super::page_url;

/// One code to copy.
pub struct Snippet {
    /// For the ids of its field and button: `script`, `iframe` or `link`,
    /// after the partner's slug if any (`medact-script`).
    pub id: String,
    /// What it is: "Script tag".
    pub label: &'static str,
    /// When to use it, in a line.
    pub hint: &'static str,
    /// The HTML to paste.
    pub code: String,
}

/// The three ways of putting petition `slug` (titled `title`) on a page,
/// with signatures counted as `partner`'s if given (a partner's slug).
pub fn snippets(public_url: &str, slug: &str, title: &str, partner: Option<&str>) -> Vec<Snippet> {
    let server = public_url.trim_end_matches('/');
    let page = page_url(server, slug);
    let (page_url, embed_url) = match partner {
        Some(partner) => (
            format!("{page}?partner={partner}"),
            format!("{server}/embed/{slug}?partner={partner}"),
        ),
        None => (page.clone(), format!("{server}/embed/{slug}")),
    };
    let prefix = partner.map_or(String::new(), |p| format!("{p}-"));
    let code = |kind: &'static str| {
        Code {
            kind,
            server,
            slug,
            title,
            partner,
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
            label: "Script tag",
            hint: "Best where your site lets you add HTML with a script: the whole petition with its live count, \
                   in your page's flow. Pages without script show the link inside <noscript>.",
            code: code("script"),
        },
        Snippet {
            id: format!("{prefix}iframe"),
            label: "Iframe",
            hint: "For sites that accept an iframe but no script (some website builders and intranets). \
                   Pasting the petition page's address into WordPress embeds this for you.",
            code: code("iframe"),
        },
        Snippet {
            id: format!("{prefix}link"),
            label: "Link",
            hint: "For newsletters, social posts and anywhere else: a plain link to the petition's own page.",
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
    title: &'a str,
    partner: Option<&'a str>,
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
