//! Types and rules shared by the petition widget (wasm32) and the petition server
//! (native): the JSON the API speaks, the rules every signature field obeys, and
//! the milestone arithmetic behind the progress bar.
//!
//! Nothing here does I/O or knows about the DOM or HTTP, so the same rule compiles
//! into both sides and says the same words on both.
#![deny(missing_docs)]

pub mod api;
pub mod colour;
pub mod fields;
pub mod lang;
pub mod links;
pub mod milestones;
pub mod proof;

pub use api::{
    ApiError, Challenge, CountUpdate, FieldError, Params, LinksTo, Milestone, NextAction, Partner, Petition, Share, SignatureReceipt, SignatureRequest,
};
pub use fields::{
    canonical_email, consent_text, email_suggestion, reason_is_public, share_source, uk_postcode, validate, Field, Problem, Profession,
    ValidSignature,
};
pub use links::is_web_address;

/// `text` split around its last `at`, an ASCII byte: `str::rsplit_once` by a
/// plain backward scan. std's reverse char search is 0.7 KB of the widget
/// that nothing else there needs.
pub(crate) fn split_last(text: &str, at: u8) -> Option<(&str, &str)> {
    debug_assert!(at.is_ascii());
    let i = text.bytes().rposition(|b| b == at)?;
    Some((&text[..i], &text[i + 1..]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn split_last_is_rsplit_once() {
        for text in ["", "@", "a@b", "a@b@c", "ünï@cødé", "no at", "trailing@", "@leading", "🙂@🙂@x"] {
            assert_eq!(super::split_last(text, b'@'), text.rsplit_once('@'), "{text:?}");
        }
    }
}
