//! The widget's one error type. A `JsValue` thrown by the browser becomes an
//! [`Error`] at the web-sys boundary and nowhere else; every error ends up as
//! words inside the widget, never as an exception in the host page.

use petition_core::FieldError;
use wasm_bindgen::{JsCast, JsValue};

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
    /// The server refused the request with its own words (another 4xx).
    Refused(String),
    /// The server failed (5xx).
    Server,
    /// The answer was not the JSON expected (an HTML error page, a proxy...).
    Malformed,
    /// A DOM call failed; the detail is for developers only.
    Dom(String),
    /// The widget was unmounted before the work could be done; never shown.
    Stopped,
}

/// Shorthand for results carrying the widget's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<JsValue> for Error {
    fn from(value: JsValue) -> Error {
        // The exception's own message; not `{:?}`, whose escaping machinery
        // would cost every visitor kilobytes.
        let message = value.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()));
        Error::Dom(message.or_else(|| value.as_string()).unwrap_or_else(|| "a browser call failed".into()))
    }
}

impl Error {
    /// What to tell the person, in plain words.
    pub fn message(&self) -> String {
        match self {
            Error::Unreachable => {
                "We couldn’t reach the petition server. Check your internet connection and try again.".into()
            }
            Error::Timeout => "The petition server is taking too long to answer. Please try again.".into(),
            Error::NotFound => "This petition could not be found. It may have closed or moved.".into(),
            Error::Expired => "This form has expired. Please send it again.".into(),
            Error::Invalid(_) => "There is a problem with your signature.".into(),
            Error::Refused(message) => message.clone(),
            Error::Server => "The petition server had a problem. Please try again in a moment.".into(),
            Error::Malformed => {
                "The petition server sent an answer we couldn’t read. Please try again in a moment.".into()
            }
            Error::Dom(_) | Error::Stopped => "Something went wrong showing the petition. Please reload the page.".into(),
        }
    }
}
