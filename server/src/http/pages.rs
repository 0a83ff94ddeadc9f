//! The few pages the server shows people itself (confirming, removing a
//! signature): plain HTML, one look, no scripts.

use axum::{
    http::header,
    response::{Html, IntoResponse},
};

/// A page titled `heading` around `content` (which must already be escaped).
/// Its address may carry a secret token: no cache keeps it, no referrer
/// carries it on.
pub fn page(heading: &str, content: &str) -> impl IntoResponse {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><link rel=\"icon\" href=\"data:,\">\
         <title>{heading}</title><style>\
         body{{font:1.125rem/1.5 system-ui,sans-serif;color:#0b0c0c;max-width:36rem;margin:3rem auto;padding:0 1rem}}\
         label{{display:block;font-weight:700;margin-top:1rem}}\
         input{{font:inherit;width:100%;box-sizing:border-box;padding:.4rem;border:2px solid #0b0c0c;margin:.3rem 0 1rem}}\
         input:focus-visible{{outline:3px solid #fd0;outline-offset:0}}\
         .error{{color:#b3261e;font-weight:700;margin:.3rem 0 0}}\
         .visually-hidden{{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}}\
         button{{font:inherit;font-weight:700;color:#fff;background:#0b5394;border:0;border-radius:.25rem;padding:.6rem 1.2rem;cursor:pointer}}\
         button:focus-visible{{outline:3px solid #fd0;outline-offset:2px}}</style></head>\
         <body><main><h1>{heading}</h1>{content}</main></body></html>"
    );
    ([(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "no-referrer")], Html(html))
}

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Only the hex digits of a token from an address, so that nothing else in
/// it is ever echoed into a page.
pub fn token_from(path: &str) -> String {
    path.chars().filter(char::is_ascii_hexdigit).take(64).collect()
}
