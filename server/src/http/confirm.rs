//! `/confirm/{token}`: the page a confirmation link opens.
//!
//! Opening the link shows a button; pressing it confirms. Mail scanners that
//! open every link in a message (to check it for malware) therefore can't
//! confirm a signature on someone's behalf.

use axum::{
    extract::{Path, State},
    response::IntoResponse,
    routing::get,
    Router,
};

use super::{
    pages::{escape, page, token_from},
    AppState, Error,
};
use crate::store::{self, Confirmed};

pub fn router() -> Router<AppState> {
    Router::new().route("/confirm/{token}", get(ask).post(confirm))
}

async fn ask(Path(token): Path<String>) -> impl IntoResponse {
    let token = token_from(&token);
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
