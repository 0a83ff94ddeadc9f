//! Creating and editing a petition in a form, with the real widget previewed
//! beside it. Organisers only: a partner's account gets 403 from every route.
//!
//! - `GET/POST /admin/petitions/new`, `GET/POST /admin/petitions/{slug}/edit`:
//!   a form with every field of a petition file, checked by the same rules in
//!   the same words ([`PetitionFile::problems`]). A form with mistakes comes
//!   back with every typed value, an error summary linking to each field and
//!   the message beside it; nothing is saved. The slug can't change once the
//!   petition exists (partners' embed tags name it).
//! - Every save is a new revision in the petition's history, as every
//!   petition file loaded is (how the two meet at start-up:
//!   [`crate::store::load_petition_file`]). The form carries the revision it
//!   was loaded at; if someone saved another since, the save is refused, what
//!   was typed is kept, and the page says who changed what.
//! - `GET /admin/petitions/{slug}/revisions`: the history, each version to
//!   download or load back into the form (restoring is saving it again).
//! - `GET /admin/petitions/{slug}/petition.toml[?revision=N]`: the
//!   definition as a petition file that `admin check` accepts.
//! - The preview: the edit page holds an `<iframe>` of
//!   `/admin/petitions/preview`, a page that loads the real widget
//!   (`/embed.js`, `/pkg/*.wasm`) with `data-server` pointing it at
//!   `/admin/preview/{key}` instead of the public API. `editor.js` posts the
//!   draft as typed to `POST /admin/petitions/preview`, which checks it and
//!   keeps it under the page's random token; the frame then reloads. The
//!   widget's own requests carry no cookie, so [`preview_api`] sits outside
//!   the session: the token finds the draft (`saved` as the key serves the
//!   saved petition), and signing there is refused. Without script the
//!   frame shows the saved petition.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Json, Router,
};
use petition_core::{ApiError, Challenge, LinksTo, NextAction, Share};
use serde::Deserialize;

use super::{
    words::filters,
    pages::{self, Nav},
    random_hex, Organiser,
};
use crate::{
    http::AppState,
    petition_file::{PartnerEntry, PetitionFile, Problem},
    store::{self, Edited, Origin, Revision, StoreError},
};

/// The editor's pages, behind a session.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/petitions/new", get(new_form).post(create))
        .route("/admin/petitions/{slug}/edit", get(edit_form).post(save))
        .route("/admin/petitions/{slug}/revisions", get(history))
        .route("/admin/petitions/{slug}/petition.toml", get(download))
        .route("/admin/petitions/preview", get(preview_page).post(update_preview))
}

/// What the widget in the preview asks for. Outside the session: the widget
/// never sends cookies. Nothing here changes anything.
pub fn preview_api() -> Router<AppState> {
    Router::new()
        .route("/admin/preview/{key}/api/petitions/{slug}", get(preview_petition))
        .route("/admin/preview/{key}/api/petitions/{slug}/challenge", get(preview_challenge))
        .route("/admin/preview/{key}/api/petitions/{slug}/signatures", post(preview_signature))
        .route("/admin/preview/{key}/api/events", get(preview_events))
}

/// The preview key that serves the saved petition rather than a draft.
const SAVED: &str = "saved";

/// The preview page's policy: the widget compiles its wasm
/// (`'wasm-unsafe-eval'`) and puts its stylesheet in its shadow root as a
/// `<style>` element (`'unsafe-inline'` styles; no typed text ever becomes
/// markup there), and the page may be framed by the dashboard's own pages.
/// Trusted Types are required, with the widget's policy the only one
/// allowed, as on the petition's own page.
pub const PREVIEW_POLICY: &str = concat!(
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'none'; \
     frame-ancestors 'self'; base-uri 'none'; ",
    widget_trusted_types!()
);

/// The form as typed: every field as text, so that whatever was typed can
/// be shown again, mistakes and all. Field names are a petition file's,
/// with `_` for a table's `.` (`share_url` is `share.url`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct Fields {
    slug: String,
    title: String,
    summary: String,
    body: String,
    target: String,
    organiser: String,
    supported_by: String,
    goal_steps: String,
    milestones: String,
    show_count_from: String,
    ask_profession: Option<String>,
    show_profession_tally: Option<String>,
    confirm_by_email: Option<String>,
    closes_at: String,
    partners: String,
    accent_colour: String,
    /// Shown only: pictures come from the petition's file (see [`Fields::keep_pictures`]).
    hero_image: String,
    hero_alt: String,
    /// Shown only, like `hero_image`.
    logo: String,
    /// The language the texts are in.
    language: String,
    /// Not in the form: translations come from the petition's file, and
    /// saving keeps them (see [`Fields::keep_translations`]).
    #[serde(skip)]
    translations: std::collections::BTreeMap<String, crate::petition_file::Translation>,
    share_links_to: String,
    share_url: String,
    share_text: String,
    share_hashtag: String,
    next_action_title: String,
    next_action_text: String,
    next_action_url: String,
    retention_days: String,
    erasure_keeps_count: Option<String>,
    /// The revision the form was loaded at (empty for a new petition).
    revision: String,
    /// The preview's draft token (sent by `editor.js` only).
    token: String,
}

impl Fields {
    /// A new petition's form: the defaults a petition file has.
    fn blank() -> Fields {
        Fields {
            show_count_from: "10".into(),
            retention_days: "180".into(),
            accent_colour: petition_core::colour::DEFAULT_ACCENT.into(),
            share_links_to: links_to_value(LinksTo::PetitionPage).into(),
            erasure_keeps_count: Some("on".into()),
            language: petition_core::lang::ENGLISH.into(),
            ..Fields::default()
        }
    }

    /// The form holding `petition`.
    fn of(petition: &PetitionFile) -> Fields {
        let numbers = |list: &[u64]| list.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
        let check = |on: bool| on.then(|| "on".to_owned());
        let share = petition.share.clone();
        let next = petition.next_action.clone();
        Fields {
            slug: petition.slug.clone(),
            title: petition.title.clone(),
            summary: petition.summary.clone(),
            body: petition.body.clone(),
            target: petition.target.clone(),
            organiser: petition.organiser.clone(),
            supported_by: petition.supported_by.join("\n"),
            goal_steps: numbers(&petition.goal_steps),
            milestones: numbers(&petition.milestones),
            show_count_from: petition.show_count_from.to_string(),
            ask_profession: check(petition.ask_profession),
            show_profession_tally: check(petition.show_profession_tally),
            confirm_by_email: check(petition.confirm_by_email),
            closes_at: petition.closes_at.clone().unwrap_or_default(),
            partners: petition
                .partners
                .iter()
                .map(|p| format!("{}: {}", p.slug, p.name))
                .collect::<Vec<_>>()
                .join("\n"),
            accent_colour: petition.accent_colour.clone(),
            hero_image: petition.hero_image.clone().unwrap_or_default(),
            hero_alt: petition.hero_alt.clone().unwrap_or_default(),
            logo: petition.logo.clone().unwrap_or_default(),
            language: petition.language.clone(),
            translations: petition.translations.clone(),
            share_links_to: links_to_value(
                share.as_ref().map_or(LinksTo::PetitionPage, |s| s.links_to),
            )
            .into(),
            share_url: share.as_ref().map(|s| s.url.clone()).unwrap_or_default(),
            share_text: share.as_ref().map(|s| s.text.clone()).unwrap_or_default(),
            share_hashtag: share.map(|s| s.hashtag).unwrap_or_default(),
            next_action_title: next.as_ref().map(|n| n.title.clone()).unwrap_or_default(),
            next_action_text: next.as_ref().map(|n| n.text.clone()).unwrap_or_default(),
            next_action_url: next.map(|n| n.url).unwrap_or_default(),
            retention_days: petition.retention_days.to_string(),
            erasure_keeps_count: check(petition.erasure_keeps_count),
            revision: String::new(),
            token: String::new(),
        }
    }

    /// The petition the form describes, and everything wrong with it: what
    /// can't be read as its field's type, then the petition rules (a field
    /// that couldn't be read isn't judged again), in the form's order.
    fn petition(&self) -> (PetitionFile, Vec<Problem>) {
        let mut problems = Vec::new();
        let goal_steps = numbers("goal_steps", &self.goal_steps, &mut problems);
        let milestones = numbers("milestones", &self.milestones, &mut problems);
        let show_count_from = number("show_count_from", &self.show_count_from, "10", &mut problems);
        let retention_days = number("retention_days", &self.retention_days, "180", &mut problems);
        // Not chosen at all: what a petition file without `links_to` means.
        let links_to = match self.share_links_to.trim() {
            "" => Some(LinksTo::default()),
            chosen => LINKS_TO
                .iter()
                .find(|(value, _)| *value == chosen)
                .map(|&(value, _)| links_to_from(value)),
        };
        if links_to.is_none() {
            problems.push(Problem {
                field: "share.links_to",
                message: "share.links_to must say where share links point: choose one of the three"
                    .into(),
            });
        }
        let share = [&self.share_url, &self.share_text, &self.share_hashtag]
            .iter()
            .any(|f| !f.trim().is_empty())
            .then(|| Share {
                links_to: links_to.unwrap_or_default(),
                url: self.share_url.trim().to_owned(),
                text: self.share_text.trim().to_owned(),
                hashtag: self.share_hashtag.trim().trim_start_matches('#').to_owned(),
            });
        let next_action = [&self.next_action_title, &self.next_action_text, &self.next_action_url]
            .iter()
            .any(|f| !f.trim().is_empty())
            .then(|| NextAction {
                title: self.next_action_title.trim().to_owned(),
                text: self.next_action_text.trim().to_owned(),
                url: self.next_action_url.trim().to_owned(),
            });
        let petition = PetitionFile {
            slug: self.slug.trim().to_owned(),
            organiser: self.organiser.trim().to_owned(),
            target: self.target.trim().to_owned(),
            title: self.title.trim().to_owned(),
            summary: text(&self.summary).trim().to_owned(),
            body: text(&self.body),
            supported_by: lines(&self.supported_by).map(str::to_owned).collect(),
            ask_profession: self.ask_profession.is_some(),
            goal_steps,
            milestones,
            show_count_from: show_count_from.unwrap_or(10),
            show_profession_tally: self.show_profession_tally.is_some(),
            partners: lines(&self.partners)
                .map(|line| {
                    let (slug, name) = line.split_once(':').unwrap_or((line, ""));
                    PartnerEntry { slug: slug.trim().to_owned(), name: name.trim().to_owned() }
                })
                .collect(),
            share,
            next_action,
            confirm_by_email: self.confirm_by_email.is_some(),
            erasure_keeps_count: self.erasure_keeps_count.is_some(),
            closes_at: Some(self.closes_at.trim()).filter(|t| !t.is_empty()).map(str::to_owned),
            retention_days: retention_days.unwrap_or(180),
            // Left empty: the default, as in a petition file.
            accent_colour: match self.accent_colour.trim() {
                "" => petition_core::colour::DEFAULT_ACCENT.to_owned(),
                typed => typed.to_ascii_lowercase(),
            },
            hero_image: Some(self.hero_image.trim())
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            hero_alt: Some(self.hero_alt.trim())
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            logo: Some(self.logo.trim())
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            // Left empty: the default, as in a petition file.
            language: match self.language.trim() {
                "" => petition_core::lang::ENGLISH.to_owned(),
                typed => typed.to_owned(),
            },
            translations: self.translations.clone(),
        };
        let unreadable: Vec<&str> = problems.iter().map(|p: &Problem| p.field).collect();
        problems.extend(petition.problems().into_iter().filter(|p| !unreadable.contains(&p.field)));
        problems.sort_by_key(|p| form().position(|spec| spec.key == p.field).unwrap_or(usize::MAX));
        (petition, problems)
    }
}

impl Fields {
    /// The pictures `current` names in place of whatever the form sent: the
    /// form shows them and can't change them (they are files beside the
    /// petition file, read when it is loaded).
    fn keep_pictures(&mut self, current: Option<&PetitionFile>) {
        let name =
            |value: Option<&Option<String>>| value.and_then(Clone::clone).unwrap_or_default();
        self.hero_image = name(current.map(|c| &c.hero_image));
        self.logo = name(current.map(|c| &c.logo));
    }

    /// The translations `current` has, whatever the form sent: the form
    /// shows which there are and can't change them (they are written in the
    /// petition file), so that saving the form never loses one.
    fn keep_translations(&mut self, current: Option<&PetitionFile>) {
        self.translations = current.map(|c| c.translations.clone()).unwrap_or_default();
    }
}

/// The choices of where share links point: the form's value and its words.
const LINKS_TO: &[(&str, &str)] = &[
    ("signing-page", "The page where the person signed"),
    ("petition-page", "The petition's own page"),
    ("url", "The address below"),
];

/// `links_to` as the form (and a petition file) writes it.
fn links_to_value(links_to: LinksTo) -> &'static str {
    match links_to {
        LinksTo::SigningPage => "signing-page",
        LinksTo::PetitionPage => "petition-page",
        LinksTo::Url => "url",
    }
}

/// The `links_to` a value of [`LINKS_TO`] stands for.
fn links_to_from(value: &str) -> LinksTo {
    [LinksTo::SigningPage, LinksTo::PetitionPage, LinksTo::Url]
        .into_iter()
        .find(|l| links_to_value(*l) == value)
        .unwrap_or_default()
}

/// A textarea's text with the browser's CRLF line ends made `\n`, as a file has them.
fn text(typed: &str) -> String {
    typed.replace("\r\n", "\n")
}

/// A textarea's non-empty lines, trimmed.
fn lines(typed: &str) -> impl Iterator<Item = &str> {
    typed.lines().map(str::trim).filter(|line| !line.is_empty())
}

/// A list of whole numbers, separated by commas or spaces (a file's
/// brackets allowed); a problem for `field` if any is not one.
fn numbers(field: &'static str, typed: &str, problems: &mut Vec<Problem>) -> Vec<u64> {
    let parts = typed.trim().trim_start_matches('[').trim_end_matches(']').split([',', ' ', '\t', '\r', '\n']);
    let read: Result<Vec<u64>, _> = parts.filter(|part| !part.is_empty()).map(str::parse).collect();
    read.unwrap_or_else(|_| {
        let message = format!("{field} must be whole numbers separated by commas, like 10000, 25000, 50000");
        problems.push(Problem { field, message });
        Vec::new()
    })
}

/// One whole number; a problem for `field` (showing `example`) if it is not one.
fn number<T: std::str::FromStr>(field: &'static str, typed: &str, example: &str, problems: &mut Vec<Problem>) -> Option<T> {
    let read = typed.trim().parse().ok();
    if read.is_none() {
        problems.push(Problem { field, message: format!("{field} must be a whole number, like {example}") });
    }
    read
}

/// How a field is typed in the form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One line of text.
    Line,
    /// A whole number.
    Number,
    /// Several lines (a textarea this many rows high).
    Text(u8),
    /// Yes or no.
    Check,
    /// A `#rrggbb` colour, shown beside it.
    Colour,
    /// One of these (value, words).
    Choice(&'static [(&'static str, &'static str)]),
    /// A picture's file name: shown, not changed here.
    FromFile,
    /// Tables of the petition file (its translations): named, kept as they are.
    Kept,
}

/// One field of the form: how it is asked for.
struct Spec {
    /// The key in a petition file (`share.url`).
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    kind: Kind,
}

/// The form's groups of fields, in order: every field of a petition file.
const GROUPS: &[(&str, &[Spec])] = &[
    ("The petition", &[
        Spec { key: "slug", label: "Slug", kind: Kind::Line, hint: "Lower-case letters, digits and hyphens, like stop-sharing: partners put it in their embed tag, so it can't change once the petition is created." },
        Spec { key: "title", label: "Title", kind: Kind::Line, hint: "The demand, in one sentence." },
        Spec { key: "summary", label: "Summary", kind: Kind::Text(3), hint: "One or two sentences under the title." },
        Spec { key: "body", label: "Why is this important?", kind: Kind::Text(12), hint: "Paragraphs separated by a blank line." },
        Spec { key: "target", label: "Addressed to", kind: Kind::Line, hint: "Shown as “To: …”, like The Government." },
        Spec { key: "organiser", label: "Organiser", kind: Kind::Line, hint: "Who runs the campaign: named in the consent box." },
        Spec { key: "supported_by", label: "Supported by", kind: Kind::Text(3), hint: "Supporting organisations, one per line." },
        Spec { key: "language", label: "Language", kind: Kind::Line, hint: "The language of the texts above, as a code like en or cy (a file in lang/): visitors get it when the petition has none of theirs." },
        Spec { key: "translations", label: "Translations", kind: Kind::Kept, hint: "The petition's texts in other languages, each a [translations.CODE] table of the petition file." },
    ]),
    ("Progress", &[
        Spec { key: "goal_steps", label: "Goal steps", kind: Kind::Line, hint: "Goals for the progress bar, smallest first, separated by commas, like 10000, 25000, 50000." },
        Spec { key: "milestones", label: "Milestones", kind: Kind::Line, hint: "Counts stamped on the timeline when reached, smallest first, separated by commas (may be empty)." },
        Spec { key: "show_count_from", label: "Show the count from", kind: Kind::Number, hint: "Below this many signatures the widget says “Be one of the first to sign”." },
    ]),
    ("Signing", &[
        Spec { key: "ask_profession", label: "Ask “Are you a healthcare professional?”", kind: Kind::Check, hint: "Doctor, nurse, midwife or other." },
        Spec { key: "show_profession_tally", label: "Show how many doctors, nurses and midwives have signed", kind: Kind::Check, hint: "Needs the question above." },
        Spec { key: "confirm_by_email", label: "Count a signature only once its signer follows a link mailed to them", kind: Kind::Check, hint: "The thank-you then says “Check your inbox”." },
        Spec { key: "closes_at", label: "Closes at", kind: Kind::Line, hint: "When signing ends, in UTC, like 2027-03-31T23:59:59Z. Leave empty to keep it open." },
    ]),
    ("Look", &[
        Spec { key: "accent_colour", label: "Accent colour", kind: Kind::Colour, hint: "The colour of the petition's page, link preview, badge and poster, like #0b57a4: dark enough for white text on it. Leave empty for that blue." },
        Spec { key: "hero_image", label: "Hero image", kind: Kind::FromFile, hint: "A picture at the top of the petition's page." },
        Spec { key: "hero_alt", label: "What the hero image shows", kind: Kind::Line, hint: "For people who can't see it. Leave empty if the picture is decoration only." },
        Spec { key: "logo", label: "Organiser's logo", kind: Kind::FromFile, hint: "On the petition's page and poster." },
    ]),
    ("Partners", &[
        Spec { key: "partners", label: "Partners", kind: Kind::Text(4), hint: "One per line: the slug partners put in data-partner, a colon, then the name people read, like medact: Medact." },
    ]),
    ("After signing", &[
        Spec { key: "share.links_to", label: "Share links point to", kind: Kind::Choice(LINKS_TO), hint: "The page where the person signed keeps a partner's signatures on its own pages; the petition's own page works everywhere. Either way links carry ?source= so you can see what sharing brought." },
        Spec { key: "share.url", label: "Address to share", kind: Kind::Line, hint: "Only when share links point to the address below: a page of yours where the petition can be signed, starting with https://. Leave the address, message and hashtag empty to offer no sharing." },
        Spec { key: "share.text", label: "Message to share", kind: Kind::Text(2), hint: "Like “I've signed the petition to …”." },
        Spec { key: "share.hashtag", label: "Hashtag", kind: Kind::Line, hint: "Without the #." },
        Spec { key: "next_action.title", label: "Next step: the link's words", kind: Kind::Line, hint: "Like “Download the Safe Surgeries toolkit”. Leave the three next-step fields empty to offer none." },
        Spec { key: "next_action.text", label: "Next step: why, in one sentence", kind: Kind::Text(2), hint: "" },
        Spec { key: "next_action.url", label: "Next step: address", kind: Kind::Line, hint: "Starting with https://." },
    ]),
    ("Personal data", &[
        Spec { key: "retention_days", label: "Days personal data is kept after closing", kind: Kind::Number, hint: "Then the signatures are anonymised; the count and milestones stay." },
        Spec { key: "erasure_keeps_count", label: "Keep counting a signature after its signer's data is erased", kind: Kind::Check, hint: "A count is not personal data; a petition delivered as a list of names may count only the names it can show." },
    ]),
];

/// Every field, in the form's order.
fn form() -> impl Iterator<Item = &'static Spec> {
    GROUPS.iter().flat_map(|(_, specs)| specs.iter())
}

/// A field's name and id in the form: its key with `_` for `.`.
fn form_name(key: &str) -> String {
    key.replace('.', "_")
}

/// One field as the page shows it.
struct Control {
    /// Its name and id.
    name: String,
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    /// `line`, `number`, `text`, `check`, `colour`, `choice`, `file` or
    /// `fixed` (the slug, once saved).
    kind: &'static str,
    rows: u8,
    /// A `choice`'s options.
    options: Vec<Choice>,
    value: String,
    checked: bool,
    errors: Vec<String>,
}

/// One option of a `choice`.
struct Choice {
    value: &'static str,
    words: &'static str,
    checked: bool,
}

impl Control {
    /// A `colour`'s value, if it is one to show beside it.
    fn swatch(&self) -> Option<&str> {
        petition_core::colour::parse(&self.value).map(|_| self.value.as_str())
    }

    /// The ids of what describes the field (its hint, its errors).
    fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        if !self.errors.is_empty() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

/// A group of fields under a legend.
struct Group {
    legend: &'static str,
    controls: Vec<Control>,
}

impl Fields {
    /// The value typed in the field called `key`, and whether it is ticked.
    fn value(&self, key: &str) -> (String, bool) {
        let check = |value: &Option<String>| (String::new(), value.is_some());
        match key {
            "slug" => (self.slug.clone(), false),
            "title" => (self.title.clone(), false),
            "summary" => (self.summary.clone(), false),
            "body" => (self.body.clone(), false),
            "target" => (self.target.clone(), false),
            "organiser" => (self.organiser.clone(), false),
            "supported_by" => (self.supported_by.clone(), false),
            "goal_steps" => (self.goal_steps.clone(), false),
            "milestones" => (self.milestones.clone(), false),
            "show_count_from" => (self.show_count_from.clone(), false),
            "ask_profession" => check(&self.ask_profession),
            "show_profession_tally" => check(&self.show_profession_tally),
            "confirm_by_email" => check(&self.confirm_by_email),
            "closes_at" => (self.closes_at.clone(), false),
            "partners" => (self.partners.clone(), false),
            "accent_colour" => (self.accent_colour.clone(), false),
            "hero_image" => (self.hero_image.clone(), false),
            "hero_alt" => (self.hero_alt.clone(), false),
            "logo" => (self.logo.clone(), false),
            "language" => (self.language.clone(), false),
            "translations" => (self.translations.keys().cloned().collect::<Vec<_>>().join(", "), false),
            "share.links_to" => (self.share_links_to.clone(), false),
            "share.url" => (self.share_url.clone(), false),
            "share.text" => (self.share_text.clone(), false),
            "share.hashtag" => (self.share_hashtag.clone(), false),
            "next_action.title" => (self.next_action_title.clone(), false),
            "next_action.text" => (self.next_action_text.clone(), false),
            "next_action.url" => (self.next_action_url.clone(), false),
            "retention_days" => (self.retention_days.clone(), false),
            "erasure_keeps_count" => check(&self.erasure_keeps_count),
            other => unreachable!("the form has no field {other}"),
        }
    }

    /// The form's groups holding these values and `problems`; the slug is
    /// fixed when `editing`.
    fn groups(&self, problems: &[Problem], editing: bool) -> Vec<Group> {
        GROUPS
            .iter()
            .map(|(legend, specs)| Group {
                legend,
                controls: specs
                    .iter()
                    .map(|spec| {
                        let (value, checked) = self.value(spec.key);
                        let (kind, rows) = match spec.kind {
                            Kind::Line if editing && spec.key == "slug" => ("fixed", 0),
                            Kind::Line => ("line", 0),
                            Kind::Number => ("number", 0),
                            Kind::Text(rows) => ("text", rows),
                            Kind::Check => ("check", 0),
                            Kind::Colour => ("colour", 0),
                            Kind::Choice(_) => ("choice", 0),
                            Kind::FromFile => ("file", 0),
                            Kind::Kept => ("kept", 0),
                        };
                        let options = match spec.kind {
                            Kind::Choice(options) => options
                                .iter()
                                .map(|&(option, words)| Choice {
                                    value: option,
                                    words,
                                    checked: option == value.trim(),
                                })
                                .collect(),
                            _ => Vec::new(),
                        };
                        Control {
                            name: form_name(spec.key),
                            key: spec.key,
                            label: spec.label,
                            hint: spec.hint,
                            kind,
                            rows,
                            options,
                            value,
                            checked,
                            errors: problems.iter().filter(|p| p.field == spec.key).map(|p| p.message.clone()).collect(),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

/// A line of the error summary: the field's id and the message.
struct Summary {
    id: String,
    message: String,
}

/// Something the organiser should know about this petition's versions.
struct Notice {
    words: String,
    link: Option<Link>,
}

/// A link and its words.
struct Link {
    href: String,
    words: &'static str,
}

/// A refused save: someone saved another revision after the form was loaded.
struct Stale {
    words: String,
    changed: String,
}

#[derive(Template)]
#[template(path = "admin/editor.html")]
struct Editor {
    nav: Option<Nav>,
    /// The petition's slug once it exists; `None` on the new-petition form.
    slug: Option<String>,
    groups: Vec<Group>,
    summary: Vec<Summary>,
    stale: Option<Stale>,
    /// The revision the form holds a save against (0 for a new petition).
    revision: i64,
    notices: Vec<Notice>,
    /// What just happened (after a save), for `role="status"`.
    done: Option<String>,
    preview_token: String,
    preview_src: String,
    /// The form holds typed values rather than the saved petition: the
    /// script previews them at once.
    typed: bool,
    revisions: usize,
}

impl Editor {
    fn new(session: &store::Session, slug: Option<&str>, fields: &Fields, problems: &[Problem]) -> Editor {
        let preview_src = match slug {
            Some(slug) => format!("/admin/petitions/preview?slug={slug}"),
            None => "/admin/petitions/preview".to_owned(),
        };
        Editor {
            nav: Nav::of(session),
            slug: slug.map(str::to_owned),
            groups: fields.groups(problems, slug.is_some()),
            summary: problems.iter().map(|p| Summary { id: form_name(p.field), message: p.message.clone() }).collect(),
            stale: None,
            revision: 0,
            notices: Vec::new(),
            done: None,
            preview_token: random_hex(),
            preview_src,
            typed: !problems.is_empty(),
            revisions: 0,
        }
    }

    fn page_title(&self) -> String {
        let prefix = if self.summary.is_empty() && self.stale.is_none() { "" } else { "Error: " };
        match &self.slug {
            Some(slug) => format!("{prefix}Edit {slug}"),
            None => format!("{prefix}New petition"),
        }
    }
}

async fn new_form(Organiser(session): Organiser) -> Response {
    pages::render(&Editor::new(&session, None, &Fields::blank(), &[]))
}

async fn create(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Form(mut fields): Form<Fields>,
) -> Response {
    // A new petition has no file, so no pictures and no translations.
    fields.keep_pictures(None);
    fields.keep_translations(None);
    let (petition, mut problems) = fields.petition();
    if problems.is_empty() {
        match store::create_petition(&state.db, &state.clock, &petition, &session.account.name).await {
            Ok(true) => {
                announce(&state, &petition.slug).await;
                return Redirect::to(&format!("/admin/petitions/{}/edit?created=1", petition.slug)).into_response();
            }
            Ok(false) => problems.push(Problem {
                field: "slug",
                message: format!("slug {:?} is already used by another petition", petition.slug),
            }),
            Err(error) => return failed(error),
        }
    }
    let page = Editor::new(&session, None, &fields, &problems);
    (StatusCode::UNPROCESSABLE_ENTITY, pages::render(&page)).into_response()
}

#[derive(Deserialize)]
struct EditQuery {
    /// Just created.
    created: Option<u8>,
    /// Just saved as this revision.
    saved: Option<i64>,
    /// Saved, but nothing had changed: still this revision.
    unchanged: Option<i64>,
    /// Load this revision into the form (to restore it).
    from: Option<i64>,
}

async fn edit_form(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Path(slug): Path<String>,
    Query(query): Query<EditQuery>,
) -> Response {
    let (editable, history) = match editable(&state, &slug).await {
        Ok(found) => found,
        Err(error) => return missing_or_failed(&session, &slug, error),
    };
    let restoring = query.from.and_then(|n| history.iter().find(|r| r.revision == n && n != editable.revision));
    let fields = Fields::of(restoring.map_or(&editable.definition, |r| &r.definition));
    let mut page = Editor::new(&session, Some(&slug), &fields, &[]);
    page.revision = editable.revision;
    page.revisions = history.len();
    page.notices = notices(&slug, &editable, &history);
    if let Some(old) = restoring {
        page.typed = true;
        page.notices.insert(0, Notice {
            words: format!(
                "The form holds revision {} ({}). Saving makes it the current version, as revision {}.",
                old.revision,
                describe(old),
                editable.revision + 1
            ),
            link: None,
        });
    }
    page.done = match (query.created, query.saved, query.unchanged) {
        (Some(_), _, _) => Some(format!("Petition created: it is live at /api/petitions/{slug}.")),
        (_, Some(n), _) => Some(format!("Saved as revision {n}: it is live.")),
        (_, _, Some(n)) => Some(format!("Nothing had changed: revision {n} is still the live version.")),
        _ => None,
    };
    pages::render(&page)
}

async fn save(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Path(slug): Path<String>,
    Form(mut fields): Form<Fields>,
) -> Response {
    // The address names the petition: a slug posted beside it is ignored.
    fields.slug.clone_from(&slug);
    let (editable, history) = match editable(&state, &slug).await {
        Ok(found) => found,
        Err(error) => return missing_or_failed(&session, &slug, error),
    };
    let loaded_at: i64 = fields.revision.trim().parse().unwrap_or(0);
    fields.keep_pictures(Some(&editable.definition));
    fields.keep_translations(Some(&editable.definition));
    let (petition, problems) = fields.petition();
    let mut page = Editor::new(&session, Some(&slug), &fields, &problems);
    page.revision = loaded_at;
    page.revisions = history.len();
    page.notices = notices(&slug, &editable, &history);
    if !problems.is_empty() {
        return (StatusCode::UNPROCESSABLE_ENTITY, pages::render(&page)).into_response();
    }
    match store::edit_petition(&state.db, &state.clock, &petition, &session.account.name, loaded_at).await {
        Ok(Edited::Saved(revision)) => {
            announce(&state, &slug).await;
            Redirect::to(&format!("/admin/petitions/{slug}/edit?saved={revision}")).into_response()
        }
        Ok(Edited::Unchanged(revision)) => {
            Redirect::to(&format!("/admin/petitions/{slug}/edit?unchanged={revision}")).into_response()
        }
        Ok(Edited::Stale(current)) => {
            let (history, newest) = match store::revisions(&state.db, &slug).await {
                Ok(history) if !history.is_empty() => {
                    let newest = history[0].clone();
                    (history, newest)
                }
                Ok(_) => return failed(StoreError::NotFound),
                Err(error) => return failed(error),
            };
            let theirs = history.iter().find(|r| r.revision == loaded_at).map(|loaded| loaded.definition.changed_fields(&newest.definition));
            page.stale = Some(Stale {
                words: format!(
                    "This petition was changed after you opened this form: revision {current} ({}) replaced revision \
                     {loaded_at}, which you were editing. Your changes are not saved yet, and everything you typed is \
                     below. Check the newer version in the history; then, to replace it with yours, save again.",
                    describe(&newest)
                ),
                changed: theirs.map(|fields| fields.join(", ")).filter(|f| !f.is_empty()).unwrap_or_else(|| "unknown".into()),
            });
            // Saving again, knowingly, replaces the newer revision (which
            // stays in the history).
            page.revision = current;
            page.typed = true;
            page.revisions = history.len();
            (StatusCode::CONFLICT, pages::render(&page)).into_response()
        }
        Err(error) => failed(error),
    }
}

/// The petition and its history, newest first.
async fn editable(state: &AppState, slug: &str) -> Result<(store::Editable, Vec<Revision>), StoreError> {
    let editable = store::editable(&state.db, slug).await?;
    let history = store::revisions(&state.db, slug).await?;
    Ok((editable, history))
}

/// What the history says the organiser should know, derived from it alone:
/// whether the petition's file is behind it, and whether a file replaced an
/// edit made here.
fn notices(slug: &str, editable: &store::Editable, history: &[Revision]) -> Vec<Notice> {
    let mut notices = Vec::new();
    let (Some(current), previous) = (history.first(), history.get(1)) else { return notices };
    if editable.file_revision.is_some_and(|loaded| loaded != current.revision) {
        let how = match current.origin {
            Origin::Dashboard => "was edited here",
            Origin::File => "was changed by a file applied with admin apply or the admin API",
        };
        notices.push(Notice {
            words: format!(
                "This petition {how} (revision {}, {}) after its file in the petitions folder was loaded. While that \
                 file stays unchanged, the server keeps this version at start-up. Download it as a file, and put it \
                 in the petitions folder, to keep the file in step.",
                current.revision,
                describe(current)
            ),
            link: Some(Link { href: format!("/admin/petitions/{slug}/petition.toml"), words: "Download petition.toml" }),
        });
    }
    if let Some(previous) = previous.filter(|p| current.origin == Origin::File && p.origin == Origin::Dashboard) {
        notices.push(Notice {
            words: format!(
                "A petition file (revision {}, {}) replaced the version edited here by {} at {} (revision {}). That \
                 version is kept: see it in the history, where you can load it into the form and save it to restore it.",
                current.revision,
                current.at,
                previous.actor,
                previous.at,
                previous.revision
            ),
            link: Some(Link { href: format!("/admin/petitions/{slug}/revisions"), words: "See earlier versions" }),
        });
    }
    notices
}

/// Where a revision came from and when, in words.
fn describe(revision: &Revision) -> String {
    match revision.origin {
        Origin::Dashboard => format!("saved here by {} at {}", revision.actor, revision.at),
        Origin::File => format!("loaded from a petition file at {}", revision.at),
    }
}

/// Sends the petition's live state to every widget and dashboard page
/// watching it: a save may move its goal or milestones.
async fn announce(state: &AppState, slug: &str) {
    match store::count_update(&state.db, slug).await {
        Ok(update) => state.live.publish(update),
        Err(error) => tracing::warn!(%error, slug, "could not announce a saved petition"),
    }
}

#[derive(Template)]
#[template(path = "admin/editor_missing.html")]
struct Missing<'a> {
    nav: Option<Nav>,
    slug: &'a str,
}

fn missing_or_failed(session: &store::Session, slug: &str, error: StoreError) -> Response {
    match error {
        StoreError::NotFound => {
            (StatusCode::NOT_FOUND, pages::render(&Missing { nav: Nav::of(session), slug })).into_response()
        }
        other => failed(other),
    }
}

fn failed(error: StoreError) -> Response {
    crate::http::Error::from(error).into_response()
}

/// One revision as the history shows it.
struct HistoryRow {
    revision: i64,
    at: String,
    origin: &'static str,
    actor: String,
    /// The fields it changed from the revision before, if known.
    changed: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "admin/editor_revisions.html")]
struct History {
    nav: Option<Nav>,
    slug: String,
    title: String,
    rows: Vec<HistoryRow>,
}

async fn history(State(state): State<AppState>, Organiser(session): Organiser, Path(slug): Path<String>) -> Response {
    let revisions = match store::revisions(&state.db, &slug).await {
        Ok(revisions) if !revisions.is_empty() => revisions,
        Ok(_) => return missing_or_failed(&session, &slug, StoreError::NotFound),
        Err(error) => return missing_or_failed(&session, &slug, error),
    };
    let rows = revisions
        .iter()
        .enumerate()
        .map(|(i, r)| HistoryRow {
            revision: r.revision,
            at: r.at.clone(),
            origin: match r.origin {
                Origin::Dashboard => "the dashboard",
                Origin::File => "a petition file",
            },
            actor: r.actor.clone(),
            changed: match revisions.get(i + 1) {
                Some(before) if before.revision == r.revision - 1 => before.definition.changed_fields(&r.definition).join(", "),
                _ => "created".to_owned(),
            },
            current: i == 0,
        })
        .collect();
    let title = revisions[0].definition.title.clone();
    pages::render(&History { nav: Nav::of(&session), slug, title, rows })
}

#[derive(Deserialize)]
struct DownloadQuery {
    revision: Option<i64>,
}

/// The definition (the current one, or `?revision=N`) as a petition file.
async fn download(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Path(slug): Path<String>,
    Query(query): Query<DownloadQuery>,
) -> Response {
    let found = match query.revision {
        Some(n) => store::revision(&state.db, &slug, n).await,
        None => match store::editable(&state.db, &slug).await {
            Ok(editable) => store::revision(&state.db, &slug, editable.revision).await,
            Err(error) => Err(error),
        },
    };
    let revision = match found {
        Ok(revision) => revision,
        Err(error) => return missing_or_failed(&session, &slug, error),
    };
    let comment = format!(
        "Petition {slug}, revision {} ({}).\nDownloaded from the dashboard at {}. Put it in the petitions folder as \
         {slug}.toml to keep\nthe file in step; `petition-server admin check {slug}.toml` checks it.",
        revision.revision,
        match revision.origin {
            Origin::Dashboard => "edited in the dashboard",
            Origin::File => "from a petition file",
        },
        state.clock.rfc3339()
    );
    (
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{slug}.toml\"")),
        ],
        revision.definition.to_toml(&comment),
    )
        .into_response()
}

/// The draft as `editor.js` sends it: the form's fields and the page's token.
async fn update_preview(
    State(state): State<AppState>,
    Organiser(session): Organiser,
    Json(mut fields): Json<Fields>,
) -> Response {
    if fields.token.len() != 64 || !fields.token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": "The preview's token is missing" }))).into_response();
    }
    let saved = match store::editable(&state.db, fields.slug.trim()).await {
        Ok(editable) => Some(editable.definition),
        Err(StoreError::NotFound) => None,
        Err(error) => return failed(error),
    };
    fields.keep_pictures(saved.as_ref());
    fields.keep_translations(saved.as_ref());
    let (petition, problems) = fields.petition();
    if !problems.is_empty() {
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({ "problems": problems }))).into_response();
    }
    match store::save_preview(&state.db, &state.clock, &fields.token, session.account.id, &petition).await {
        Ok(true) => Json(serde_json::json!({ "preview": format!("/admin/petitions/preview?draft={}", fields.token) })).into_response(),
        Ok(false) => (StatusCode::FORBIDDEN, Json(serde_json::json!({ "error": "Reload the page to preview again" }))).into_response(),
        Err(error) => failed(error),
    }
}

#[derive(Deserialize)]
struct PreviewQuery {
    /// A draft's token.
    draft: Option<String>,
    /// A saved petition.
    slug: Option<String>,
}

/// What the preview page loads: the widget for `slug`, its API at `base`.
struct Widget {
    slug: String,
    base: String,
}

#[derive(Template)]
#[template(path = "admin/editor_preview.html")]
struct PreviewPage {
    widget: Option<Widget>,
    words: &'static str,
}

/// The page in the editor's frame: the real widget showing a draft or the
/// saved petition, or words saying why there is nothing to show. Always 200,
/// with its own policy (see [`PREVIEW_POLICY`]).
async fn preview_page(State(state): State<AppState>, _: Organiser, Query(query): Query<PreviewQuery>) -> Response {
    let built = state.dirs.widget.join("petition_widget_bg.wasm").is_file();
    let (widget, words) = match (query.draft, query.slug) {
        _ if !built => (None, "The widget is not built on this server (cargo xtask build builds it), so it can't be previewed here."),
        (Some(token), _) => match store::preview(&state.db, &state.clock, &token).await {
            Ok(Some(draft)) => (Some(Widget { slug: draft.slug, base: format!("/admin/preview/{token}") }), ""),
            Ok(None) => (None, "This draft has expired: change something in the form to preview it again."),
            Err(error) => return failed(error),
        },
        (None, Some(slug)) => match store::editable(&state.db, &slug).await {
            Ok(_) => (Some(Widget { slug, base: format!("/admin/preview/{SAVED}") }), ""),
            Err(StoreError::NotFound) => (None, "There is no petition by that name."),
            Err(error) => return failed(error),
        },
        (None, None) => (None, "The preview appears here as you fill in the form, once it has no mistakes."),
    };
    let mut response = pages::render(&PreviewPage { widget, words });
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PREVIEW_POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    response
}

/// The petition the preview's widget shows: a draft (by its token) or, for
/// [`SAVED`], the saved petition, as `/api/petitions/{slug}` would show it.
async fn preview_petition(State(state): State<AppState>, Path((key, slug)): Path<(String, String)>) -> Response {
    let view = if key == SAVED {
        store::petition(&state.db, &state.clock, &slug).await
    } else {
        match store::preview(&state.db, &state.clock, &key).await {
            Ok(Some(draft)) if draft.slug == slug => store::draft_view(&state.db, &state.clock, draft).await,
            Ok(_) => Err(StoreError::NotFound),
            Err(error) => Err(error),
        }
    };
    match view {
        Ok(petition) => Json(petition).into_response(),
        Err(error) => failed(error),
    }
}

/// A challenge the preview's widget can answer at once: signing is refused
/// anyway, and the widget needs one to get as far as saying so.
async fn preview_challenge() -> Json<Challenge> {
    Json(Challenge { token: "preview".into(), difficulty: 0, min_seconds: 0 })
}

/// The live stream the preview's widget opens: none. A draft's figures
/// don't move, and 204 is how a server tells an `EventSource` not to
/// connect again (a 404 here was logged as an error in every editor; the
/// widget then reads the preview's petition now and then instead).
async fn preview_events() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Signing in the preview: refused, in words the widget shows.
async fn preview_signature() -> Response {
    let words = "This is a preview in the dashboard: signing is off here";
    (StatusCode::CONFLICT, Json(ApiError { error: words.into(), ..ApiError::default() })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../../petitions/stop-sharing.toml");

    #[test]
    fn a_petition_in_the_form_reads_back_the_same() {
        let petition = PetitionFile::parse(DEMO).unwrap();
        let (read, problems) = Fields::of(&petition).petition();
        assert_eq!(problems, vec![]);
        assert_eq!(read, petition);
    }

    #[test]
    fn every_field_of_a_petition_file_is_in_the_form() {
        let mut petition = PetitionFile::parse(DEMO).unwrap();
        petition.translations.insert("cy".into(), Default::default());
        let petition = serde_json::to_value(petition).unwrap();
        for key in petition.as_object().unwrap().keys() {
            let asked = form().any(|spec| spec.key == key || spec.key.starts_with(&format!("{key}.")));
            assert!(asked, "the form asks for {key}");
        }
    }

    #[test]
    fn what_cannot_be_read_is_a_problem_of_its_field_only() {
        let fields = Fields { goal_steps: "10,000 and more".into(), partners: "Bad Slug: Someone\nmedact".into(), ..Fields::blank() };
        let (_, problems) = fields.petition();
        let named: Vec<(&str, &str)> = problems.iter().map(|p| (p.field, p.message.as_str())).collect();
        assert_eq!(
            named,
            [
                ("slug", "slug \"\" must be lower-case letters, digits and hyphens (at most 64)"),
                ("title", "title must not be empty"),
                ("summary", "summary must not be empty"),
                ("target", "target must not be empty"),
                ("organiser", "organiser must not be empty"),
                ("goal_steps", "goal_steps must be whole numbers separated by commas, like 10000, 25000, 50000"),
                ("partners", "partner \"Bad Slug\" needs a slug of lower-case letters, digits and hyphens, and a name"),
                ("partners", "partner \"medact\" needs a slug of lower-case letters, digits and hyphens, and a name"),
            ]
        );
    }

    #[test]
    fn a_textarea_s_line_ends_are_a_file_s() {
        let fields = Fields { body: "One.\r\n\r\nTwo.".into(), ..Fields::blank() };
        assert_eq!(fields.petition().0.body, "One.\n\nTwo.");
    }
}
