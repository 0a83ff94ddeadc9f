//! The dashboard's pages: one askama template each under
//! `templates/admin/`, all extending `admin/layout.html`. As with the
//! server's other pages, every field is escaped on the way in: no page can
//! be handed markup.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::store::Session;

/// What the layout shows of whoever is signed in: the menu, and the CSRF
/// token for the sign-out button and the scripts.
pub struct Nav {
    /// The account's name.
    pub name: String,
    /// `None` for an organiser, else the partner it belongs to.
    pub partner: Option<String>,
    /// The session's CSRF token.
    pub csrf: String,
}

impl Nav {
    /// The menu for `session`.
    pub fn of(session: &Session) -> Option<Nav> {
        Some(Nav { name: session.account.name.clone(), partner: session.account.partner.clone(), csrf: session.csrf.clone() })
    }
}

/// `template` rendered, or a plain 500 if a field failed to display (a bug).
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "a dashboard page failed to render");
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "Sorry, something went wrong. Please try again.").into_response()
        }
    }
}

/// The sign-in form; after a failure, `error` says so and `name` keeps what was typed.
#[derive(Template)]
#[template(path = "admin/sign_in.html")]
pub struct SignIn<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub name: &'a str,
    pub error: Option<&'a str>,
}

/// A refusal (403), in words.
#[derive(Template)]
#[template(path = "admin/refused.html")]
pub struct Refused<'a> {
    pub nav: Option<Nav>,
    pub why: &'a str,
}
