//! Talking to the petition server: `fetch` with a timeout, no cookies, and
//! every kind of answer (JSON, HTML error pages, nothing at all) turned into a
//! typed result.

use js_sys::Promise;
use petition_core::{concat, join, ApiError, Challenge, Petition, SignatureReceipt, SignatureRequest};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortSignal, RequestInit, Response};

use crate::{
    dom::put,
    error::{Error, Result},
    json::{read as read_json, FromJs},
    task::Settled,
};

/// Long enough for a slow phone connection, short enough that nobody waits
/// on a dead one.
const TIMEOUT_MS: u32 = 15_000;

/// One petition on one server.
pub struct Api {
    base: String,
}

/// `address` without the slashes it ends with: `trim_end_matches('/')`
/// without std's pattern code for it (0.2 KB of wasm; see
/// `petition_core::find`).
pub fn without_slashes(mut address: &str) -> &str {
    while let Some(rest) = address.strip_suffix("/") {
        address = rest;
    }
    address
}

impl Api {
    /// The API of petition `slug` on the server at `origin`.
    pub fn new(origin: &str, slug: &str) -> Api {
        let slug = crate::dom::encode(slug);
        Api { base: concat(&[without_slashes(origin), "/api/petitions/", &slug]) }
    }

    /// The petition from `url` (see [`Api::petition_url`]); `prefetched` is
    /// the loader's `fetch` of it, started while the widget's code was still
    /// downloading, used if it asked for the same address.
    pub async fn petition(&self, prefetched: Option<Promise>, url: &str) -> Result<Petition> {
        read(json(prefetched, true, url, None).await?)
    }

    /// The petition's address, asking for its texts in the first of
    /// `languages` it has (`?lang=cy,en-GB`; www/embed.js asks the same).
    pub fn petition_url(&self, languages: &[&str]) -> String {
        if languages.is_empty() {
            self.base.clone()
        } else {
            concat(&[&self.base, "?lang=", &join(languages, ",")])
        }
    }

    /// A proof-of-work challenge for this visitor's next signature;
    /// `prefetched` is the loader's (or a test's), used whatever address it
    /// came from: there is only one kind of challenge.
    pub async fn challenge(&self, prefetched: Option<Promise>) -> Result<Challenge> {
        read(json(prefetched, false, &concat(&[&self.base, "/challenge"]), None).await?)
    }

    /// Signs the petition.
    pub async fn sign(&self, request: &SignatureRequest) -> Result<SignatureReceipt> {
        let body = crate::json::write(request);
        read(json(None, false, &concat(&[&self.base, "/signatures"]), Some(&body)).await?)
    }
}

/// A JSON file from `url` (a language file, the list of languages), or
/// `None` if it can't be had.
pub async fn file(prefetched: Option<Promise>, url: &str) -> Option<JsValue> {
    // The loader's, if it is this file and came (a failed one is fetched
    // once more, by the widget).
    let response = match prefetched {
        Some(promise) => settle(promise).await.ok().filter(|r| r.ok() && r.url() == url),
        None => None,
    };
    let response = match response {
        Some(response) => response,
        None => send(url, None).await.ok()?,
    };
    answer(response).await.ok()
}

/// The JSON answer from `url`, or the error its answer means: the loader's
/// `fetch` (`prefetched`; if `same_address`, only if it asked for `url`),
/// or a new one, which POSTs `body` if there is one. The petition, the
/// challenge and a signature go through this one function, so its waiting
/// is in the widget once.
async fn json(prefetched: Option<Promise>, same_address: bool, url: &str, body: Option<&str>) -> Result<JsValue> {
    let response = match prefetched {
        Some(promise) => Some(settle(promise).await?).filter(|r| !same_address || r.url() == url),
        None => None,
    };
    let response = match response {
        Some(response) => response,
        None => send(url, body).await?,
    };
    answer(response).await
}

/// Starts fetching `url` now, to be awaited later by [`Api::petition`] or
/// [`file`] as if the loader had started it.
pub fn start(url: &str) -> Promise {
    begin(url, None)
}

async fn send(url: &str, json: Option<&str>) -> Result<Response> {
    settle(begin(url, json)).await
}

/// `fetch`'s options are a plain object, set by name: web-sys's
/// `RequestInit`, `Request` and `Headers` would bring the glue an import
/// for each setter and constructor, nine in all. The mode is `fetch`'s own
/// default, `cors`.
fn begin(url: &str, json: Option<&str>) -> Promise {
    let init = js_sys::Object::new();
    // No cookies, ever: the widget must not let anyone track who signed what.
    put(&init, "credentials", &JsValue::from_str("omit"));
    put(&init, "signal", &AbortSignal::timeout_with_u32(TIMEOUT_MS));
    if let Some(json) = json {
        put(&init, "method", &JsValue::from_str("POST"));
        put(&init, "body", &JsValue::from_str(json));
        let headers = js_sys::Object::new();
        put(&headers, "Content-Type", &JsValue::from_str("application/json"));
        put(&init, "headers", &headers);
    }
    crate::dom::window().fetch_with_str_and_init(url, init.unchecked_ref::<RequestInit>())
}

/// Awaits a `fetch` promise, telling a timeout from an unreachable server.
async fn settle(promise: Promise) -> Result<Response> {
    match Settled::new(&promise).await {
        // What `fetch` resolves with is a Response (a cast, not a check: one
        // import of the glue fewer).
        Ok(response) => Ok(response.unchecked_into::<Response>()),
        Err(error) => {
            let name = crate::dom::get(&error, "name").as_string();
            Err(match name.as_deref() {
                Some("TimeoutError" | "AbortError") => Error::Timeout,
                _ => Error::Unreachable,
            })
        }
    }
}

/// An answer's JSON read as a `T`.
fn read<T: FromJs>(json: JsValue) -> Result<T> {
    read_json(&json).ok_or(Error::Malformed)
}

/// The JSON of a successful answer, or the error an unsuccessful one means.
async fn answer(response: Response) -> Result<JsValue> {
    let status = response.status();
    // Reading the body can fail too (a connection cut mid-answer, a page of
    // HTML where JSON was expected): each is an answer we couldn't read.
    let json = Settled::new(&crate::dom::json_body(&response)).await.ok();
    match status {
        200..=299 => json.ok_or(Error::Malformed),
        403 => Err(Error::Expired),
        404 => Err(Error::NotFound),
        500..=599 => Err(Error::Server),
        _ => {
            let error: Option<ApiError> = json.and_then(|json| read_json(&json));
            // Worded by its code, in the reader's language; the server's own
            // (English) words only for a code this widget doesn't know.
            Err(match error {
                Some(error) if !error.fields.is_empty() => Error::Invalid(error.fields),
                Some(error) => match error.code.as_str() {
                    ApiError::CLOSED => Error::Closed,
                    ApiError::BUSY => Error::Busy,
                    ApiError::EXPIRED => Error::Expired,
                    ApiError::NOT_FOUND => Error::NotFound,
                    ApiError::SERVER => Error::Server,
                    ApiError::TIMEOUT => Error::Timeout,
                    _ if status == 429 => Error::Busy,
                    _ if error.error.is_empty() => Error::Malformed,
                    _ => Error::Refused(error.error),
                },
                _ if status == 408 => Error::Timeout,
                _ if status == 429 => Error::Busy,
                _ => Error::Malformed,
            })
        }
    }
}
