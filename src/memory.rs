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
/// knows the one it kept from another's.
fn mark(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}

/// The signature waiting to be sent, if any, and its `mark`.
pub fn queued(origin: &str, slug: &str) -> Option<(SignatureRequest, u32)> {
    let text = read(&key("queued", origin, slug))?;
    Some((crate::json::read(&js_sys::JSON::parse(&text).ok()?)?, mark(&text)))
}

/// Keeps `request` to send when the connection is back, or forgets the
/// signature kept (`None`: sent, or it never can be), and returns the
/// `mark` of what is kept now; `None` if that could not be done. The
/// browser keeps one signature per petition, and the place may hold one
/// that another tab or widget kept (another person's, while both were
/// offline): that one stays, and nothing is done. `mine` is the mark of
/// the one the asking widget kept, or took from that place to send, last:
/// its own to replace.
pub fn requeue(origin: &str, slug: &str, mine: u32, request: Option<&SignatureRequest>) -> Option<u32> {
    let key = key("queued", origin, slug);
    if read(&key).is_some_and(|there| mark(&there) != mine) {
        return None;
    }
    match request {
        Some(request) => {
            let text = crate::json::write(request);
            write(&key, &text).then(|| mark(&text))
        }
        None => {
            forget(&key);
            Some(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use petition_core::SignatureRequest;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::{queued, requeue};

    fn signature(first_name: &str, email: &str) -> SignatureRequest {
        SignatureRequest { first_name: first_name.into(), email: email.into(), ..SignatureRequest::default() }
    }

    #[wasm_bindgen_test]
    fn a_signature_another_widget_kept_is_neither_replaced_nor_forgotten() {
        let (origin, slug) = ("https://petitions.example", "memory-test");
        let amara = signature("Amara", "amara@example.org");
        // One widget keeps Amara's signature, offline.
        let hers = requeue(origin, slug, 0, Some(&amara)).expect("kept in an empty place");
        // Another, which kept nothing, can neither put Bola's in its place
        // nor forget it (as if it had sent its own).
        let bola = signature("Bola", "bola@example.org");
        assert_eq!(requeue(origin, slug, 0, Some(&bola)), None, "Bola's is not kept");
        assert_eq!(requeue(origin, slug, 0, None), None, "Amara's is not forgotten");
        assert_eq!(queued(origin, slug), Some((amara.clone(), hers)));
        // The widget that kept it may change it (the person corrected a
        // field) and forget it once sent.
        let corrected = signature("Amara", "amara.o@example.org");
        let now = requeue(origin, slug, hers, Some(&corrected)).expect("its own to replace");
        assert_ne!(now, hers);
        assert_eq!(queued(origin, slug), Some((corrected, now)));
        assert_eq!(requeue(origin, slug, hers, None), None, "what it kept before is not what is there");
        assert_eq!(requeue(origin, slug, now, None), Some(0));
        assert_eq!(queued(origin, slug), None);
        // An empty place takes anyone's.
        assert!(requeue(origin, slug, now, Some(&bola)).is_some());
        assert!(requeue(origin, slug, 0, None).is_none());
        let (_, mark) = queued(origin, slug).expect("Bola's");
        assert_eq!(requeue(origin, slug, mark, None), Some(0));
    }
}
