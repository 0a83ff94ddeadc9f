//! The JSON the petition API speaks, in both directions.

use serde::{Deserialize, Serialize};

use crate::fields::Field;

/// A petition as the public API shows it: `GET /api/petitions/{slug}`.
///
/// Carries no personal data: counts and dates only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Petition {
    /// The URL-safe name used in the embed tag, e.g. `stop-sharing`.
    pub slug: String,
    /// Who runs the campaign, e.g. "Doctors of the World UK".
    pub organiser: String,
    /// Who the petition is addressed to, e.g. "The Government".
    pub target: String,
    /// The demand, one sentence.
    pub title: String,
    /// A short summary shown under the title.
    pub summary: String,
    /// "Why is this important?": paragraphs of plain text.
    pub body: Vec<String>,
    /// Organisations that support the petition, by display name.
    pub supported_by: Vec<String>,
    /// Whether the form asks the healthcare-professional question.
    pub ask_profession: bool,
    /// The signature count the progress bar is heading for now.
    pub goal: u64,
    /// Counted signatures.
    pub signature_count: u64,
    /// Every milestone of the petition, smallest first.
    pub milestones: Vec<Milestone>,
}

/// One step of the milestone timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    /// The signature count that reaches it.
    pub count: u64,
    /// When it was reached (RFC 3339), or `None` while it is ahead.
    pub reached_at: Option<String>,
}

/// What a person submits: `POST /api/petitions/{slug}/signatures`.
///
/// Every field defaults to empty so that a missing field is reported by
/// [`crate::validate`] with a message naming it, like an empty one, instead of
/// failing as malformed JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignatureRequest {
    /// Given name.
    pub first_name: String,
    /// Family name; may be empty for people with a single name.
    pub last_name: String,
    /// Email address, as typed.
    pub email: String,
    /// Postcode, as typed.
    pub postcode: String,
    /// One of [`crate::Profession`]'s codes, or empty.
    pub profession: String,
    /// Optional "reason for signing".
    pub reason: String,
    /// Ticked "keep me updated" box. Unticked unless the person ticks it.
    pub consent: bool,
}

/// The server's answer to an accepted signature.
///
/// A new signature and a repeat from the same address get the same answer, so
/// the form never reveals whether somebody has already signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureReceipt {
    /// Counted signatures after this one.
    pub signature_count: u64,
    /// The goal after this one (it rises when a goal is reached).
    pub goal: u64,
    /// The milestone timeline after this one, stamped if it reached one.
    pub milestones: Vec<Milestone>,
}

/// The body of every error answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// One sentence for people, e.g. "There is a problem with your signature".
    pub error: String,
    /// One entry per invalid field, in the order the form shows them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// A field's problem, worded for the person who typed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    /// Which field.
    pub field: Field,
    /// What to do about it, e.g. "Enter your first name".
    pub message: String,
}

