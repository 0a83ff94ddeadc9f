//! What the widget keeps in the browser: that this browser has signed a
//! petition (no personal data), and a signature waiting for the connection
//! to come back (personal data, kept only until it is sent).
//!
//! `localStorage`, never a cookie: nothing is sent anywhere with it. Storage
//! can be missing or refused (private windows, blocked storage); then nothing
//! is remembered and everything else works.

use petition_core::{concat, SignatureRequest};
use web_sys::Storage;

fn storage() -> Option<Storage> {
    crate::dom::window().local_storage().ok()?
}

fn key(kind: &str, origin: &str, slug: &str) -> String {
    concat(&["petition-widget:", kind, ":", origin, "/", slug])
}

/// Whether this browser has signed the petition.
pub fn has_signed(origin: &str, slug: &str) -> bool {
    storage().and_then(|s| s.get_item(&key("signed", origin, slug)).ok().flatten()).is_some()
}

/// Remembers (or forgets) that this browser has signed the petition.
pub fn set_signed(origin: &str, slug: &str, signed: bool) {
    if let Some(storage) = storage() {
        let key = key("signed", origin, slug);
        // A full or refused storage only means we won't remember.
        let _ = if signed { storage.set_item(&key, "1") } else { storage.remove_item(&key) };
    }
}

/// The signature waiting to be sent, if any.
pub fn queued(origin: &str, slug: &str) -> Option<SignatureRequest> {
    let text = storage()?.get_item(&key("queued", origin, slug)).ok()??;
    crate::json::read(&js_sys::JSON::parse(&text).ok()?)
}

/// Keeps `request` to send when the connection is back. Returns whether it
/// could be kept.
pub fn queue(origin: &str, slug: &str, request: &SignatureRequest) -> bool {
    let Some(storage) = storage() else { return false };
    let text = crate::json::write(request);
    storage.set_item(&key("queued", origin, slug), &text).is_ok()
}

/// Forgets the waiting signature: it was sent, or can never be.
pub fn dequeue(origin: &str, slug: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&key("queued", origin, slug));
    }
}
