//! The one error type of the HTTP layer, and the JSON extractor that reports
//! malformed bodies in the same shape.

use axum::{
    extract::{rejection::JsonRejection, FromRequest, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use petition_core::{ApiError, FieldError};
use serde::de::DeserializeOwned;

use crate::store::StoreError;

/// Every way a request can fail, each answered as `{"error": "...", "code":
/// "...", "fields": [...]}`: `code` for programs (the widget words it in the
/// person's language), `error` in English for anyone else.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 404: no petition has that slug.
    #[error("petition not found")]
    NotFound,
    /// 422: one or more fields break the rules.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// 400, 413, 415 or 422: the body could not be read as the expected JSON.
    #[error("unreadable body: {1}")]
    Body(StatusCode, String),
    /// 403: the signature's proof-of-work challenge is missing, not ours,
    /// expired, unsolved or already spent. One answer for all: a bot learns
    /// nothing, and the widget fetches a new challenge and tries once more.
    #[error("challenge not accepted")]
    Challenge,
    /// 410: the petition has closed.
    #[error("petition closed")]
    Closed,
    /// 429: this source is sending more than anyone signing by hand could.
    #[error("too many requests")]
    TooMany(std::time::Duration),
    /// 408: the request (its body, or answering it) took longer than the
    /// request timeout.
    #[error("request timed out")]
    Timeout,
    /// 500: the database failed. Logged in full, reported to the client in
    /// general words only.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Error {
        match error {
            StoreError::NotFound => Error::NotFound,
            StoreError::Spent => Error::Challenge,
            StoreError::Closed => Error::Closed,
            other => Error::Store(other),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Error::NotFound => (
                StatusCode::NOT_FOUND,
                ApiError { error: "There is no petition at this address".into(), code: ApiError::NOT_FOUND.into(), fields: vec![] },
            ),
            Error::Invalid(fields) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ApiError { error: "There is a problem with your signature".into(), code: ApiError::INVALID.into(), fields },
            ),
            Error::Body(status, message) => {
                (status, ApiError { error: message, code: ApiError::BAD_REQUEST.into(), fields: vec![] })
            }
            Error::Challenge => (
                StatusCode::FORBIDDEN,
                ApiError { error: "This form has expired. Please send it again".into(), code: ApiError::EXPIRED.into(), fields: vec![] },
            ),
            Error::Closed => (
                StatusCode::GONE,
                ApiError { error: "This petition has closed and is no longer taking signatures".into(), code: ApiError::CLOSED.into(), fields: vec![] },
            ),
            Error::TooMany(wait) => {
                let body = ApiError {
                    error: "Too many signatures from your connection just now. Please try again later".into(),
                    code: ApiError::BUSY.into(),
                    fields: vec![],
                };
                // Whole seconds, rounded up, and never 0: "come back now" would be a lie.
                let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(axum::http::header::RETRY_AFTER, seconds.to_string())],
                    axum::Json(body),
                )
                    .into_response();
            }
            Error::Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                ApiError { error: "The request took too long. Please try again".into(), code: ApiError::TIMEOUT.into(), fields: vec![] },
            ),
            Error::Store(error) => {
                tracing::error!(%error, "storage failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ApiError { error: "Something went wrong on our side. Please try again".into(), code: ApiError::SERVER.into(), fields: vec![] },
                )
            }
        };
        (status, axum::Json(body)).into_response()
    }
}

/// `axum::Json`, but a body it cannot read gets this API's error format and a
/// message a developer can act on.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(body_error(rejection)),
        }
    }
}

fn body_error(rejection: JsonRejection) -> Error {
    let status = rejection.status();
    let message = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "Send the request body as JSON, with Content-Type: application/json".to_owned()
        }
        JsonRejection::JsonSyntaxError(_) => "The request body is not valid JSON".to_owned(),
        // serde's own words name the field ("unknown field `x`", "invalid
        // type ... expected a boolean"); the value it quotes is left out, so
        // no answer ever repeats what someone typed (an address, a name).
        JsonRejection::JsonDataError(error) => {
            use std::error::Error as _;
            let detail = error.source().and_then(|s| s.source()).map(|s| s.to_string());
            format!("The request body has the wrong shape: {}", without_values(&detail.unwrap_or_else(|| error.body_text())))
        }
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large".to_owned(),
        _ => "The request body could not be read".to_owned(),
    };
    Error::Body(status, message)
}

/// `message` with every double-quoted value replaced by `"…"`. serde quotes
/// values in double quotes and names fields in backticks, so the field
/// names stay.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            // serde quotes with `{:?}`: an escaped quote is part of the value.
            ('\\', true) => {
                chars.next();
            }
            ('"', false) => {
                out.push_str("\"…");
                quoted = true;
            }
            ('"', true) => {
                out.push('"');
                quoted = false;
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::without_values;

    #[test]
    fn serde_messages_keep_the_field_and_lose_the_value() {
        assert_eq!(
            without_values("invalid type: string \"amara@example.org\", expected a boolean at line 1 column 30"),
            "invalid type: string \"…\", expected a boolean at line 1 column 30"
        );
        assert_eq!(without_values(r#"invalid type: string "say \"hi\" to me", expected u64"#), r#"invalid type: string "…", expected u64"#);
        assert_eq!(without_values("unknown field `nmae`, expected one of `first_name`"), "unknown field `nmae`, expected one of `first_name`");
    }
}
