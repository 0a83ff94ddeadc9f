//! Which addresses may become a link. A petition file's addresses (what
//! people share, the next action) end up as `href`s on every partner's page,
//! so the server checks them when a file is read and the widget checks them
//! again before making a link: one rule, here, for both.

/// Where the widget's thank-you offers to share the petition: for each, its
/// name, the source its links carry (`?source=`, see [`crate::share_source`])
/// and its address, with `{text}`, `{url}` and `{title}` filled in encoded;
/// all between spaces. (The email's name is the widget's words for it.)
const TARGETS: &str = "X share-x https://x.com/intent/post?text={text}&url={url} \
    Facebook share-facebook https://www.facebook.com/sharer/sharer.php?u={url} \
    WhatsApp share-whatsapp https://wa.me/?text={text}%20{url} \
    Bluesky share-bluesky https://bsky.app/intent/compose?text={text}%20{url} \
    Email share-email mailto:?subject={title}&body={text}%0A%0A{url}";

/// `TARGETS`' bytes, a static of their own: only the widget's second part
/// shares, and the build moves them there (see [`crate::Bytes`]).
pub static SHARE_TARGETS: crate::Bytes<{ TARGETS.len() + 1 }> = crate::Bytes::new(TARGETS);

/// [`SHARE_TARGETS`]: each name, source and address template.
pub fn share_targets() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    let mut words = crate::pieces(SHARE_TARGETS.as_str(), b' ');
    std::iter::from_fn(move || Some((words.next()?, words.next()?, words.next()?)))
}

/// Whether `url` is a web address a link may point to: `https://` and a
/// host, or `http://` to this machine (the demo and the tests run there).
///
/// Anything else is refused, `javascript:`, `data:` and `mailto:` among
/// them, and so is any address with a space or control character in it
/// (browsers drop tabs and line breaks from addresses, which is how
/// `java\tscript:` gets past a naive check).
pub fn is_web_address(url: &str) -> bool {
    if crate::position(url, |b| b <= b' ' || b == 0x7f || b == b'\\' || b == b'"' || b == b'<' || b == b'>').is_some() {
        return false;
    }
    let lower_scheme = |scheme: &str| url.get(..scheme.len()).is_some_and(|s| s.eq_ignore_ascii_case(scheme));
    let (rest, local_only) = if lower_scheme("https://") {
        (&url["https://".len()..], false)
    } else if lower_scheme("http://") {
        (&url["http://".len()..], true)
    } else {
        return false;
    };
    let authority = &rest[..crate::position(rest, |b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len())];
    // No user name or password before the host: `https://bank.example@evil.example`.
    if crate::find(authority, b'@').is_some() {
        return false;
    }
    let host = match authority.strip_prefix("[") {
        Some(v6) => match crate::split_first(v6, b']') {
            Some((address, port)) if port.is_empty() || port.strip_prefix(":").is_some_and(is_port) => return !local_only || address == "::1",
            _ => return false,
        },
        None => match crate::split_last(authority, b':') {
            Some((host, port)) if is_port(port) => host,
            Some(_) => return false,
            None => authority,
        },
    };
    let valid_host = !host.is_empty()
        && crate::pieces(host, b'.').all(|label| {
            !label.is_empty() && crate::every(label, |b| b.is_ascii_alphanumeric() || b == b'-')
        });
    valid_host && (!local_only || host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1")
}

fn is_port(digits: &str) -> bool {
    !digits.is_empty() && digits.len() <= 5 && crate::every(digits, |b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::{is_web_address, share_targets};

    #[test]
    fn the_share_targets_are_five_triples() {
        let targets: Vec<_> = share_targets().collect();
        assert_eq!(
            targets,
            [
                ("X", "share-x", "https://x.com/intent/post?text={text}&url={url}"),
                ("Facebook", "share-facebook", "https://www.facebook.com/sharer/sharer.php?u={url}"),
                ("WhatsApp", "share-whatsapp", "https://wa.me/?text={text}%20{url}"),
                ("Bluesky", "share-bluesky", "https://bsky.app/intent/compose?text={text}%20{url}"),
                ("Email", "share-email", "mailto:?subject={title}&body={text}%0A%0A{url}"),
            ]
        );
        // Each source is one the server keeps (`share_source`).
        assert!(targets.iter().all(|(_, source, _)| crate::share_source(source) == *source));
    }

    #[test]
    fn https_addresses_with_a_host_are_links() {
        for url in [
            "https://www.doctorsoftheworld.org.uk/stop-sharing",
            "https://example.org",
            "HTTPS://EXAMPLE.ORG/Path?q=1#top",
            "https://example.org:8443/a",
            "https://[2001:db8::1]/x",
        ] {
            assert!(is_web_address(url), "{url}");
        }
    }

    #[test]
    fn plain_http_is_a_link_only_to_this_machine() {
        for url in ["http://localhost:8080/demo/", "http://127.0.0.1:8081/medact.html", "http://[::1]:8080/"] {
            assert!(is_web_address(url), "{url}");
        }
        assert!(!is_web_address("http://www.doctorsoftheworld.org.uk/"));
    }

    #[test]
    fn script_data_and_other_schemes_are_never_links() {
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(document.domain)",
            "java\tscript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "mailto:someone@example.org",
            "//evil.example/",
            "/relative/path",
            "",
            "https://",
            "https:///no-host",
            "https://exa mple.org/",
            "https://example.org/\nset-cookie",
            "https://bank.example@evil.example/",
            "https://example..org/",
            "https://example.org:port/",
            "https:\\\\evil.example",
            "https://example.org/\"onmouseover=alert(1)",
        ] {
            assert!(!is_web_address(url), "{url:?}");
        }
    }
}
