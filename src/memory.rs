//! What the widget keeps in the browser: that this browser has signed a
//! petition (no personal data), a signature waiting for the connection to
//! come back (personal data, kept only until it is sent), and the language
//! chosen in the widget.
//!
//! `localStorage`, never a cookie: nothing is sent anywhere with it. Storage
//! can be missing or refused (private windows, blocked storage); then nothing
//! is remembered and everything else works.

use petition_core::{concat, SignatureRequest};
use web_sys::Storage;

fn storage() -> Option<Storage> {
    crate::dom::window().local_storage().ok()?
}

/// The stored item `key`, if storage can be had and holds one.
fn read(key: &str) -> Option<String> {
    crate::dom::stored(&storage()?, key)
}

/// Stores `value` as `key`; whether it could be (a sandbox or a full
/// storage refuses).
fn write(key: &str, value: &str) -> bool {
    storage().is_some_and(|storage| storage.set_item(key, value).is_ok())
}

/// Forgets the item `key`.
fn forget(key: &str) {
    if let Some(storage) = storage() {
        crate::dom::unstore(&storage, key);
    }
}

fn key(kind: &str, origin: &str, slug: &str) -> String {
    concat(&["petition-widget:", kind, ":", origin, "/", slug])
}

/// The `localStorage` key of the language chosen for the widgets of the
/// server at `origin` (www/embed.js reads it too).
fn choice_key(origin: &str) -> String {
    concat(&["petition-widget:lang:", origin])
}

/// The language chosen in a widget of the server at `origin`, if any.
pub fn chosen_language(origin: &str) -> Option<String> {
    read(&choice_key(origin))
}

/// Remembers language `code` as chosen for the server at `origin` (in a
/// sandbox or a full storage, it is chosen for this page only).
pub fn choose_language(origin: &str, code: &str) {
    write(&choice_key(origin), code);
}

/// Whether this browser has signed the petition.
pub fn has_signed(origin: &str, slug: &str) -> bool {
    read(&key("signed", origin, slug)).is_some()
}

/// Remembers (or forgets) that this browser has signed the petition.
pub fn set_signed(origin: &str, slug: &str, signed: bool) {
    let key = key("signed", origin, slug);
    // A full or refused storage only means we won't remember.
    if signed {
        write(&key, "1");
    } else {
        forget(&key);
    }
}

/// The signature waiting to be sent, if any.
pub fn queued(origin: &str, slug: &str) -> Option<SignatureRequest> {
    let text = read(&key("queued", origin, slug))?;
    crate::json::read(&js_sys::JSON::parse(&text).ok()?)
}

/// Keeps `request` to send when the connection is back. Returns whether it
/// could be kept.
pub fn queue(origin: &str, slug: &str, request: &SignatureRequest) -> bool {
    write(&key("queued", origin, slug), &crate::json::write(request))
}

/// Forgets the waiting signature: it was sent, or can never be.
pub fn dequeue(origin: &str, slug: &str) {
    forget(&key("queued", origin, slug));
}
