//! Everywhere a petition is shared besides the script tag: its own page
//! (`/p/{slug}`), the iframe embed (`/embed/{slug}`) and the oEmbed provider
//! (`/oembed`) behind it, the link-preview image, the badge, the QR code and
//! the poster. All public, all the same for everyone (so briefly cacheable),
//! none with personal data.

mod embed;
mod images;
mod oembed;
mod page;
pub(crate) mod snippets;

use axum::Router;

use crate::http::AppState;

/// The routes of every way of sharing a petition.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(page::routes())
        .merge(embed::routes())
        .merge(oembed::routes())
        .merge(images::routes())
}

/// The petition's own page: the address people share and scan.
#[allow(dead_code)] // used by the pages being written
pub fn page_url(public_url: &str, slug: &str) -> String {
    format!("{}/p/{slug}", public_url.trim_end_matches('/'))
}
