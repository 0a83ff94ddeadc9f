//! `/confirm/{token}`: the page a confirmation link opens.
//!
//! Opening the link shows a button; pressing it confirms. Mail scanners that
//! open every link in a message (to check it for malware) therefore can't
//! confirm a signature on someone's behalf.

use axum::{
    extract::{Path, State},
    http::header,
    response::{Html, IntoResponse},
    routing::get,
    Router,
};

use super::{AppState, Error};
use crate::store::{self, Confirmed};

pub fn router() -> Router<AppState> {
    Router::new().route("/confirm/{token}", get(ask).post(confirm))
}

async fn ask(Path(token): Path<String>) -> impl IntoResponse {
    // The token is only ever echoed into the form if it is plain hex.
    let token: String = token.chars().filter(char::is_ascii_hexdigit).take(64).collect();
    page(
        "Confirm your signature",
        &format!(
            "<p>Press the button to count your signature.</p>\
             <form method=\"post\" action=\"/confirm/{token}\"><button type=\"submit\">Confirm my signature</button></form>"
        ),
    )
}

async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Result<impl IntoResponse, Error> {
    Ok(match store::confirm(&state.pool, &token).await? {
        Confirmed::Now { title, update } => {
            state.updates.send(update).ok();
            page(
                "Thank you: your signature is confirmed",
                &format!("<p>Your signature on <strong>{}</strong> now counts. You can close this page.</p>", escape(&title)),
            )
        }
        Confirmed::NotPending => page(
            "This link has already been used or has expired",
            "<p>If you confirmed your signature before, it is counted, once. If the link is more than 7 days old, \
             please sign the petition again to get a new one.</p>",
        ),
    })
}

fn page(heading: &str, content: &str) -> impl IntoResponse {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><link rel=\"icon\" href=\"data:,\">\
         <title>{heading}</title><style>\
         body{{font:1.125rem/1.5 system-ui,sans-serif;color:#0b0c0c;max-width:36rem;margin:3rem auto;padding:0 1rem}}\
         button{{font:inherit;font-weight:700;color:#fff;background:#0b5394;border:0;border-radius:.25rem;padding:.6rem 1.2rem;cursor:pointer}}\
         button:focus-visible{{outline:3px solid #fd0;outline-offset:2px}}</style></head>\
         <body><main><h1>{heading}</h1>{content}</main></body></html>"
    );
    // The token is in the address: no cache may keep it, no referrer carries it.
    ([(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "no-referrer")], Html(html))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
