//! The widget's one error type. A `JsValue` thrown by the browser becomes an
//! [`Error`] at the web-sys boundary and nowhere else; every error ends up as
//! words inside the widget, never as an exception in the host page.

use petition_core::{lang::text, FieldError};
use wasm_bindgen::JsValue;

/// Everything that can go wrong while showing or signing a petition.
pub enum Error {
    /// The browser could not reach the server (offline, DNS, refused, CORS).
    Unreachable,
    /// The server did not answer in time.
    Timeout,
    /// The server has no such petition (404).
    NotFound,
    /// The server did not accept the form's challenge (403): it expired or
    /// was used already. Answered by fetching a new one.
    Expired,
    /// The server rejected some fields (422); shown beside each field.
    Invalid(Vec<FieldError>),
    /// The petition closed while the form was open.
    Closed,
    /// Too many signatures from this connection just now.
    Busy,
    /// The server refused the request with a code this widget doesn't
    /// know: its own (English) words.
    Refused(String),
    /// The server failed (5xx).
    Server,
    /// The answer was not the JSON expected (an HTML error page, a proxy...).
    Malformed,
    /// A DOM call failed: what the browser threw, or a text saying what
    /// was wrong; for developers only, on the console.
    Dom(JsValue),
    /// The widget was unmounted before the work could be done; never shown.
    Stopped,
}

/// Shorthand for results carrying the widget's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<JsValue> for Error {
    /// The exception itself, kept for the console (which shows its message
    /// and stack), rather than its message read into a `String`.
    fn from(value: JsValue) -> Error {
        Error::Dom(value)
    }
}

impl Error {
    /// What to tell the person, in plain words of `lang`.
    pub fn message(&self, lang: &crate::i18n::Lang) -> String {
        let text = match self {
            Error::Unreachable => &text::PROBLEM_UNREACHABLE,
            Error::Timeout => &text::PROBLEM_TIMEOUT,
            Error::NotFound => &text::PROBLEM_NOT_FOUND,
            Error::Expired => &text::PROBLEM_EXPIRED,
            Error::Invalid(_) => &text::PROBLEM_INVALID,
            Error::Closed => &text::PROBLEM_CLOSED,
            Error::Busy => &text::PROBLEM_BUSY,
            Error::Refused(message) => return message.clone(),
            Error::Server => &text::PROBLEM_SERVER,
            Error::Malformed => &text::PROBLEM_MALFORMED,
            Error::Dom(_) | Error::Stopped => &text::PROBLEM_BROKEN,
        };
        lang.t(text).into_owned()
    }
}
