//! Signing in and out of the dashboard, and knowing who is signed in.
//!
//! - The session cookie holds 32 random bytes (hex); the database keeps only
//!   their SHA-256. Every sign-in makes a new one (an id planted before
//!   sign-in is worth nothing), signing out deletes it, and one unused for
//!   [`IDLE`], or begun [`LIFETIME`] ago, is gone.
//! - The cookie is `HttpOnly`, `SameSite=Strict`, `Path=/admin`, and
//!   `Secure` whenever the public address is https.
//! - The sign-in form carries its own CSRF token, matched against a cookie
//!   set with the form, and its `Origin` is checked like every other write.
//! - Failed sign-ins are counted in the database (so every instance sees
//!   them) per source, per name from one source, and per name from anywhere;
//!   past [`FAILURES_PER_SOURCE`], [`FAILURES_PER_NAME`] or
//!   [`FAILURES_PER_NAME_ANYWHERE`] in [`FAILURE_WINDOW`], sign-in is
//!   refused without checking the password. The last is high, so that
//!   nobody can lock an organiser out by failing on purpose from one place.
//!   A wrong name and a wrong password get the same words and cost the same
//!   time.
//! - At most [`PASSWORD_CHECKS`] passwords are checked at once per instance
//!   (Argon2 takes some 19 MiB and tens of milliseconds each): a flood of
//!   sign-ins waits its turn instead of exhausting memory, and since the
//!   limits are read and the failure written within a turn, sending many at
//!   once does not get round them.

use std::time::Duration;

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{header, request::Parts, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{forbidden, pages, random_hex, same_origin, tokens_match};
use crate::{
    http::{AppState, Source},
    store::{self, Session},
};

/// A session unused for this long has ended.
pub const IDLE: Duration = Duration::from_secs(12 * 60 * 60);
/// A session this old has ended, however busy: a browser left open on a
/// shared computer, or a partner whose account was given up, signs in again
/// each day.
pub const LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// Failed sign-ins are counted over this window.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed sign-ins from one source in the window before it must wait.
pub const FAILURES_PER_SOURCE: u64 = 10;
/// Failed sign-ins with one name from one source in the window before it
/// must wait.
pub const FAILURES_PER_NAME: u64 = 5;
/// Failed sign-ins with one name from anywhere in the window before it must
/// wait: a guessing attack spread over many addresses.
pub const FAILURES_PER_NAME_ANYWHERE: u64 = 50;
/// Passwords checked at once by one instance: one, so that the limits are
/// exact (a check some 50 ms long makes some 20 sign-ins a second, far more
/// than a campaign's staff need). With several instances a guesser sending
/// to all at once gets one extra guess per instance.
pub const PASSWORD_CHECKS: usize = 1;

/// The turns for checking a password, shared by every sign-in.
static PASSWORD_TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PASSWORD_CHECKS);

/// The session cookie's name.
pub const COOKIE: &str = "petition_admin";
/// The sign-in form's CSRF cookie's name.
const FORM_COOKIE: &str = "petition_admin_form";

/// Signing in and out.
pub fn routes(state: AppState) -> Router<AppState> {
    let sign_out = Router::new()
        .route("/admin/sign-out", post(sign_out))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), super::guard_writes))
        .route_layer(axum::middleware::from_fn_with_state(state, require));
    Router::new().route("/admin/sign-in", get(form).post(sign_in)).merge(sign_out)
}

/// Anyone signed in: an organiser or a partner.
pub struct Signed(pub Session);

/// An organiser: a partner's account gets 403 from any route that takes this.
pub struct Organiser(pub Session);

impl Signed {
    /// Whether this account may see the petition `partners` lists: an
    /// organiser sees every petition, a partner those that list it.
    pub fn may_see<'a>(&self, mut partners: impl Iterator<Item = &'a str>) -> bool {
        match &self.0.account.partner {
            None => true,
            Some(mine) => partners.any(|partner| partner == mine),
        }
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Signed, Response> {
        parts.extensions.get::<Session>().cloned().map(Signed).ok_or_else(|| forbidden("Sign in first"))
    }
}

impl FromRequestParts<AppState> for Organiser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Organiser, Response> {
        match parts.extensions.get::<Session>() {
            Some(session) if session.account.partner.is_none() => Ok(Organiser(session.clone())),
            Some(_) => Err(forbidden("Only the campaign's organisers can do this")),
            None => Err(forbidden("Sign in first")),
        }
    }
}

/// Lets a request through with a live session, put in its extensions; a page
/// asked for without one is sent to the sign-in form, anything else gets 403.
pub async fn require(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let found = match cookie(request.headers(), COOKIE) {
        Some(id) => {
            store::session(&state.db, &state.clock, &digest(&id), IDLE.as_secs() as i64, LIFETIME.as_secs() as i64).await
        },
        None => Ok(None),
    };
    match found {
        Ok(Some(session)) => {
            request.extensions_mut().insert(session);
            next.run(request).await
        }
        Ok(None) if matches!(*request.method(), Method::GET | Method::HEAD) => {
            Redirect::to("/admin/sign-in").into_response()
        }
        Ok(None) => forbidden("You are signed out: sign in again, then try once more"),
        Err(error) => crate::http::Error::from(error).into_response(),
    }
}

/// The value of the cookie called `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// The stored form of a session id.
fn digest(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// `Set-Cookie` for `name`: the attributes every dashboard cookie has.
fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<u64>) -> String {
    let secure = if state.public_url.starts_with("https://") { "; Secure" } else { "" };
    let max_age = max_age.map(|seconds| format!("; Max-Age={seconds}")).unwrap_or_default();
    format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/admin{secure}{max_age}")
}

/// The sign-in form, with a fresh CSRF token in it and in a cookie.
async fn form(State(state): State<AppState>) -> Response {
    sign_in_page(&state, StatusCode::OK, "", None)
}

fn sign_in_page(state: &AppState, status: StatusCode, name: &str, error: Option<&str>) -> Response {
    let token = random_hex();
    let page = pages::render(&pages::SignIn { nav: None, csrf: &token, name, error });
    (status, [(header::SET_COOKIE, set_cookie(state, FORM_COOKIE, &token, Some(3600)))], page).into_response()
}

#[derive(Deserialize)]
struct Credentials {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// The words for every failed sign-in, whatever was wrong.
const NOT_RIGHT: &str = "The name or the password is not right";

async fn sign_in(
    State(state): State<AppState>,
    Source(source): Source,
    headers: HeaderMap,
    Form(credentials): Form<Credentials>,
) -> Response {
    let expected = cookie(&headers, FORM_COOKIE).unwrap_or_default();
    if !same_origin(&headers, &state.public_url) || expected.is_empty() || !tokens_match(Some(&credentials.csrf), &expected) {
        return forbidden("This form has expired: go back, reload the page and try again");
    }
    let name = credentials.name.trim().to_owned();
    match try_sign_in(&state, &source, &name, credentials.password).await {
        Ok(Some(id)) => {
            let cookie = set_cookie(&state, COOKIE, &id, None);
            let used_form = set_cookie(&state, FORM_COOKIE, "", Some(0));
            let mut response = Redirect::to("/admin/").into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie.parse().expect("hex and fixed words"));
            response.headers_mut().append(header::SET_COOKIE, used_form.parse().expect("fixed words"));
            if let Some(old) = self::cookie(&headers, COOKIE) {
                store::end_session(&state.db, &digest(&old)).await.ok();
            }
            response
        }
        Ok(None) => sign_in_page(&state, StatusCode::UNAUTHORIZED, &name, Some(NOT_RIGHT)),
        Err(SignInError::TooMany) => {
            let minutes = FAILURE_WINDOW.as_secs() / 60;
            let words = format!("Too many failed sign-ins. Wait {minutes} minutes, then try again");
            let mut response = sign_in_page(&state, StatusCode::TOO_MANY_REQUESTS, &name, Some(&words));
            response.headers_mut().insert(header::RETRY_AFTER, FAILURE_WINDOW.as_secs().into());
            response
        }
        Err(SignInError::Store(error)) => crate::http::Error::from(error).into_response(),
    }
}

enum SignInError {
    TooMany,
    Store(store::StoreError),
}

impl From<store::StoreError> for SignInError {
    fn from(error: store::StoreError) -> SignInError {
        SignInError::Store(error)
    }
}

/// Checks a name and password; on success, the new session's id (for the cookie).
async fn try_sign_in(state: &AppState, source: &str, name: &str, password: String) -> Result<Option<String>, SignInError> {
    let db = &state.db;
    let clock = &state.clock;
    let window = FAILURE_WINDOW.as_secs() as i64;
    let tried = digest(&name.to_lowercase());
    let source_key = format!("source:{source}");
    let name_here_key = format!("name:{tried}:{source}");
    let name_key = format!("name:{tried}");
    let _turn = PASSWORD_TURNS.acquire().await.expect("the semaphore is never closed");
    for (key, limit) in [
        (&source_key, FAILURES_PER_SOURCE),
        (&name_here_key, FAILURES_PER_NAME),
        (&name_key, FAILURES_PER_NAME_ANYWHERE),
    ] {
        if store::sign_in_failures(db, clock, key, window).await? >= limit {
            return Err(SignInError::TooMany);
        }
    }
    let found = store::account_for_sign_in(db, name).await?;
    let hash = found.as_ref().map(|(_, hash)| hash.clone());
    // Argon2 takes tens of milliseconds of CPU: not on the async threads.
    let verified = tokio::task::spawn_blocking(move || crate::admin_auth::verify_password(hash.as_deref(), &password))
        .await
        .unwrap_or(false);
    let account = match found {
        Some((account, _)) if verified => account,
        found => {
            store::record_sign_in_failure(db, clock, &[&source_key, &name_here_key, &name_key]).await?;
            // The log names an account only if it exists: a name tried may
            // be a password typed in the wrong box.
            let actor = found.map_or_else(|| "(no such account)".to_owned(), |(account, _)| account.name);
            store::audit(db, clock, &actor, "sign-in-failed", None, "").await?;
            return Ok(None);
        }
    };
    let id = random_hex();
    store::start_session(db, clock, &digest(&id), account.id, &random_hex()).await?;
    store::audit(db, clock, &account.name, "sign-in", None, "").await?;
    Ok(Some(id))
}

async fn sign_out(State(state): State<AppState>, Signed(session): Signed, headers: HeaderMap) -> Response {
    if let Some(id) = cookie(&headers, COOKIE) {
        if let Err(error) = store::end_session(&state.db, &digest(&id)).await {
            return crate::http::Error::from(error).into_response();
        }
    }
    store::audit(&state.db, &state.clock, &session.account.name, "sign-out", None, "").await.ok();
    let mut response = Redirect::to("/admin/sign-in").into_response();
    let gone = set_cookie(&state, COOKIE, "", Some(0));
    response.headers_mut().insert(header::SET_COOKIE, gone.parse().expect("fixed words"));
    response
}
