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

/// A fingerprint of a kept signature's text (FNV-1a), by which a widget
/// knows the one it kept or took from another's.
fn mark(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}

/// The signature waiting to be sent, if any, and its `mark`. The browser
/// keeps one per petition, in one place its tabs and widgets share (see
/// `Widget::keep` for who may replace it).
pub fn queued(origin: &str, slug: &str) -> Option<(SignatureRequest, u32)> {
    let text = read(&key("queued", origin, slug))?;
    Some((crate::json::read(&js_sys::JSON::parse(&text).ok()?)?, mark(&text)))
}

/// Keeps `request` to send when the connection is back, in place of what
/// was kept; its `mark`, or `None` if it could not be kept.
pub fn queue(origin: &str, slug: &str, request: &SignatureRequest) -> Option<u32> {
    let text = crate::json::write(request);
    write(&key("queued", origin, slug), &text).then(|| mark(&text))
}

/// Forgets the waiting signature.
pub fn dequeue(origin: &str, slug: &str) {
    forget(&key("queued", origin, slug));
}

#[cfg(test)]
mod tests {
    use petition_core::SignatureRequest;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::{dequeue, queue, queued};

    #[wasm_bindgen_test]
    fn a_kept_signature_comes_back_with_its_fingerprint() {
        let (origin, slug) = ("https://petitions.example", "memory-test");
        let amara = SignatureRequest { first_name: "Amara".into(), email: "amara@example.org".into(), ..SignatureRequest::default() };
        let hers = queue(origin, slug, &amara).expect("kept");
        assert_eq!(queued(origin, slug), Some((amara.clone(), hers)));
        let corrected = SignatureRequest { email: "amara.o@example.org".into(), ..amara };
        let now = queue(origin, slug, &corrected).expect("kept");
        assert_ne!(now, hers, "another text, another fingerprint");
        assert_eq!(queued(origin, slug), Some((corrected, now)));
        dequeue(origin, slug);
        assert_eq!(queued(origin, slug), None);
        // What is not a signature is no signature (and may be replaced).
        super::write(&super::key("queued", origin, slug), "{\"first_name\": 7}");
        assert_eq!(queued(origin, slug), None);
        dequeue(origin, slug);
    }
}
