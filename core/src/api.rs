//! The JSON the petition API speaks, in both directions.

use serde::{Deserialize, Serialize};

use crate::fields::{Field, Problem};

/// A petition as the public API shows it: `GET /api/petitions/{slug}`.
///
/// Carries no personal data: counts and dates only. The same for every
/// visitor, so caches may share it; the per-visitor proof-of-work
/// [`Challenge`] comes from its own route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
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
    /// Below this many signatures the widget hides the count ("be one of the
    /// first") rather than show "0 signatures".
    pub show_count_from: u64,
    /// "N doctors, nurses and midwives have signed", when the petition shows it.
    pub healthcare_professionals: Option<u64>,
    /// The latest reasons for signing that are fit to show, newest first:
    /// their text only, never who wrote them.
    pub reasons: Vec<String>,
    /// Partner organisations, with their signature counts.
    pub partners: Vec<Partner>,
    /// What to share after signing.
    pub share: Option<Share>,
    /// What to do next after signing (e.g. download a toolkit).
    pub next_action: Option<NextAction>,
    /// A signature counts only once confirmed through a link mailed to the
    /// person: the thank-you asks them to check their inbox.
    pub confirm_by_email: bool,
    /// The petition has closed: it takes no more signatures.
    pub closed: bool,
    /// The language (BCP 47) its words are in: the best of the petition's
    /// languages for the `?lang=` asked for, else its default language.
    #[serde(default = "english")]
    pub language: String,
    /// Every language the petition's words come in, its default first.
    #[serde(default)]
    pub languages: Vec<String>,
}

impl Petition {
    /// Whether the count is shown: from [`Petition::show_count_from`] on,
    /// and always once the petition has closed (what it reached, however
    /// few). Below, the widget, the petition's page and its pictures say
    /// "be one of the first" and the bar stays empty.
    pub fn count_shown(&self) -> bool {
        self.signature_count >= self.show_count_from || self.closed
    }
}

fn english() -> String {
    crate::lang::ENGLISH.to_owned()
}

/// A proof-of-work challenge (see [`crate::proof`]):
/// `GET /api/petitions/{slug}/challenge`, new with every request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Challenge {
    /// Opaque and signed by the server: which petition, when, how hard.
    pub token: String,
    /// How many leading zero bits the proof's hash needs.
    pub difficulty: u8,
    /// A signature sent sooner than this after the challenge was issued is
    /// not counted: no person fills the form that fast.
    pub min_seconds: u32,
}

/// A partner organisation that embeds the petition on its own site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Partner {
    /// Its name in the embed tag's `data-partner`, e.g. `medact`.
    pub slug: String,
    /// Its display name, e.g. "Medact".
    pub name: String,
    /// Signatures made on its pages.
    pub signature_count: u64,
}

/// The words and address people share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Share {
    /// Which address share links carry; each adds `?source=share-…`.
    #[serde(default)]
    pub links_to: LinksTo,
    /// The address to share when `links_to` is `url`: a page of the
    /// campaign's own where the petition can be signed.
    #[serde(default)]
    pub url: String,
    /// The message, e.g. "I've signed: stop NHS patient data …".
    pub text: String,
    /// Without the `#`, e.g. `StopSharing`.
    pub hashtag: String,
}

/// Where a petition's share links point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum LinksTo {
    /// `Share::url`, the campaign's own page (what a petition file without
    /// `links_to` meant before there was a choice).
    #[default]
    Url,
    /// The page where the person signed, so a partner's page keeps the
    /// signatures its sharing brings (and its own `?source=` codes). Where
    /// that page can't be shared (the iframe embed, a sandbox), the
    /// petition's own page.
    SigningPage,
    /// The petition's own page on the petition server, `/p/{slug}`.
    PetitionPage,
}

/// The petition's next step for someone who has signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct NextAction {
    /// The link's words, e.g. "Download the Safe Surgeries toolkit".
    pub title: String,
    /// One sentence saying why.
    pub text: String,
    /// Where it leads.
    pub url: String,
}

/// A petition's count changed: what the live-count stream sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct CountUpdate {
    /// Which petition.
    pub slug: String,
    /// Counted signatures now.
    pub signature_count: u64,
    /// The goal now.
    pub goal: u64,
    /// The milestone timeline now.
    pub milestones: Vec<Milestone>,
}

/// One step of the milestone timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
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
    /// The person lives outside the UK: the postcode is then free text, and optional.
    pub outside_uk: bool,
    /// One of [`crate::Profession`]'s codes, or empty.
    pub profession: String,
    /// Optional "reason for signing".
    pub reason: String,
    /// Ticked "keep me updated" box. Unticked unless the person ticks it.
    pub consent: bool,
    /// The partner whose page this is (`data-partner`), or empty.
    pub partner: String,
    /// Ticked "keep me updated by `<partner>`" box.
    pub partner_consent: bool,
    /// The share link that brought the person (`?source=` on the page), or empty.
    pub source: String,
    /// The token of the [`Challenge`] this signature answers.
    pub challenge: String,
    /// The answer: see [`crate::proof`].
    pub proof: u64,
    /// The language the person saw the form in (BCP 47), for the mails
    /// they are sent; empty for the petition's default.
    pub lang: String,
    /// A field people never see and bots fill in: a signature with anything
    /// here is stored for review but not counted.
    pub website: String,
}

impl SignatureRequest {
    /// Every field empty, unticked and zero.
    pub const EMPTY: SignatureRequest = SignatureRequest {
        first_name: String::new(),
        last_name: String::new(),
        email: String::new(),
        postcode: String::new(),
        outside_uk: false,
        profession: String::new(),
        reason: String::new(),
        consent: false,
        partner: String::new(),
        partner_consent: false,
        source: String::new(),
        challenge: String::new(),
        proof: 0,
        lang: String::new(),
        website: String::new(),
    };
}

// By hand rather than derived: the widget's derived `default` stored each
// field in turn (374 B of code); this copies one constant (−165 B gzip).
impl Default for SignatureRequest {
    fn default() -> SignatureRequest {
        SignatureRequest::EMPTY
    }
}

/// The server's answer to an accepted signature.
///
/// A new signature and a repeat from the same address get the same answer, so
/// the form never reveals whether somebody has already signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// One sentence for people, in English, e.g. "There is a problem with your signature".
    pub error: String,
    /// What went wrong, for clients that word it themselves: one of
    /// [`ApiError::INVALID`], [`ApiError::NOT_FOUND`], [`ApiError::EXPIRED`],
    /// [`ApiError::CLOSED`], [`ApiError::BUSY`], [`ApiError::SERVER`],
    /// [`ApiError::BAD_REQUEST`], [`ApiError::TIMEOUT`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// One entry per invalid field, in the order the form shows them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl ApiError {
    /// Some fields need correcting: see `fields`.
    pub const INVALID: &'static str = "invalid";
    /// No such petition.
    pub const NOT_FOUND: &'static str = "not_found";
    /// The form's challenge expired or was used: fetch a new one.
    pub const EXPIRED: &'static str = "expired";
    /// The petition has closed.
    pub const CLOSED: &'static str = "closed";
    /// Too many signatures from one connection just now.
    pub const BUSY: &'static str = "busy";
    /// The server failed.
    pub const SERVER: &'static str = "server";
    /// The request itself can't be used (not JSON, the wrong shape, too
    /// large, a parameter out of range): a fault of the program that sent
    /// it, not of the person; `error` says what, in English.
    pub const BAD_REQUEST: &'static str = "bad_request";
    /// The request took the server too long (408): try again.
    pub const TIMEOUT: &'static str = "timeout";
}

/// A field's problem: a code and its parameters, which the widget words in
/// the person's language, and the English words for any other client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Which field.
    pub field: Field,
    /// What is wrong with it.
    pub code: Problem,
    /// The values its words need.
    #[serde(default)]
    pub params: Params,
    /// What to do about it in English, e.g. "Enter your first name".
    pub message: String,
}

/// The values a [`FieldError`]'s words need.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Params {
    /// The most characters the field takes, for [`Problem::TooLong`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

