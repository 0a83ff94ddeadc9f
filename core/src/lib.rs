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
