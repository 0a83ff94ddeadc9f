//! Petition files: the readable TOML an organiser writes (see
//! `petitions/stop-sharing.toml`), checked before anything is saved.
//!
//! The rules a petition must keep are in [`PetitionFile::problems`], one
//! [`Problem`] per rule broken, naming its field: a file's check reports
//! each with its line, the dashboard's form beside the field, in the same
//! words.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// One petition, as its file describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PetitionFile {
    /// The name used in the embed tag and the API: lower-case letters, digits, hyphens.
    pub slug: String,
    /// The language its texts are in (BCP 47, one the server has words
    /// for): what a visitor gets when none of the petition's languages
    /// suits them.
    #[serde(default = "default_language")]
    pub language: String,
    /// Who runs the campaign; named in the consent box.
    pub organiser: String,
    /// Who the petition is addressed to.
    pub target: String,
    /// The demand.
    pub title: String,
    /// One or two sentences under the title.
    pub summary: String,
    /// "Why is this important?": paragraphs separated by blank lines.
    #[serde(default)]
    pub body: String,
    /// Supporting organisations.
    #[serde(default)]
    pub supported_by: Vec<String>,
    /// Whether to ask the healthcare-professional question.
    #[serde(default)]
    pub ask_profession: bool,
    /// Ascending goals for the progress bar.
    pub goal_steps: Vec<u64>,
    /// Ascending counts stamped on the milestone timeline when reached.
    #[serde(default)]
    pub milestones: Vec<u64>,
    /// Below this many signatures the count is hidden ("be one of the first").
    #[serde(default = "default_show_count_from")]
    pub show_count_from: u64,
    /// Show "N doctors, nurses and midwives have signed" (needs `ask_profession`).
    #[serde(default)]
    pub show_profession_tally: bool,
    /// Partner organisations: `data-partner` slug and display name.
    #[serde(default)]
    pub partners: Vec<PartnerEntry>,
    /// What people share after signing.
    pub share: Option<petition_core::Share>,
    /// The next step offered after signing.
    pub next_action: Option<petition_core::NextAction>,
    /// Count a signature only once the person follows a link mailed to them.
    #[serde(default)]
    pub confirm_by_email: bool,
    /// Whether a signature still counts after its signer has had their
    /// personal data erased (it was a real person's, when made).
    #[serde(default = "yes")]
    pub erasure_keeps_count: bool,
    /// When signing ends (RFC 3339, e.g. 2027-03-31T23:59:59Z), if it does.
    pub closes_at: Option<String>,
    /// Days after closing until the signatures' personal data is anonymised
    /// (the count and the milestones stay).
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// `#rrggbb`: the petition page's, link preview's, badge's and poster's
    /// colour (dark enough to read on white, and white on it).
    #[serde(default = "default_accent")]
    pub accent_colour: String,
    /// A picture at the top of the petition's page: a PNG, JPEG or WebP file
    /// beside the petition file, named here.
    pub hero_image: Option<String>,
    /// What the hero image shows, for people who can't see it. Without it
    /// the picture is taken as decoration, and screen readers skip it.
    pub hero_alt: Option<String>,
    /// The organiser's logo on the petition's page and poster: a PNG, JPEG
    /// or WebP file beside the petition file, named here.
    pub logo: Option<String>,
    /// The petition's texts in other languages, by language code:
    /// `[translations.cy]`. Each has every text the petition has.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, Translation>,
}

/// A petition's texts in one more language: `[translations.{code}]` in its
/// file. Every text the petition has in its own language is required here
/// too (see [`PetitionFile::problems`]); names (the organiser, partners,
/// supporters) may be left as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    /// Who the petition is addressed to.
    #[serde(default)]
    pub target: String,
    /// The demand.
    #[serde(default)]
    pub title: String,
    /// One or two sentences under the title.
    #[serde(default)]
    pub summary: String,
    /// "Why is this important?": paragraphs separated by blank lines.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// `share.text` (needed when the petition has `[share]`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub share_text: String,
    /// `next_action.title` (needed when the petition has `[next_action]`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub next_action_title: String,
    /// `next_action.text` (needed when the petition has `[next_action]`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub next_action_text: String,
    /// `hero_alt` (needed when the petition has one).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hero_alt: String,
    /// Partners' display names in this language, by partner slug; a
    /// partner left out keeps its name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub partners: BTreeMap<String, String>,
    /// The supporters' names in this language, as many as `supported_by`
    /// has; left out, they keep their names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supported_by: Vec<String>,
}

fn default_language() -> String {
    petition_core::lang::ENGLISH.to_owned()
}

fn default_accent() -> String {
    petition_core::colour::DEFAULT_ACCENT.to_owned()
}

fn yes() -> bool {
    true
}

fn default_retention_days() -> u32 {
    180
}

fn default_show_count_from() -> u64 {
    10
}

/// A partner organisation, as the petition file lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerEntry {
    /// The name partners use in `data-partner`.
    pub slug: String,
    /// The name people read.
    pub name: String,
}

impl PetitionFile {
    /// Parses and checks a petition file's text; errors name the line of
    /// each problem (or the field, for one the text doesn't set).
    pub fn parse(text: &str) -> anyhow::Result<PetitionFile> {
        let file: PetitionFile = toml::from_str(text)?;
        let problems = file.problems();
        if !problems.is_empty() {
            let located: Vec<String> = problems
                .iter()
                .map(|problem| match line_of_problem(text, problem) {
                    Some(line) => format!("line {line}: {}", problem.message),
                    None => problem.message.clone(),
                })
                .collect();
            bail!("{}", located.join("; "));
        }
        Ok(file)
    }

    /// The petition as a petition file: text that [`PetitionFile::parse`]
    /// reads back as this same petition, every field written out (defaults
    /// too), under `comment` (each of its lines as a `#` comment).
    pub fn to_toml(&self, comment: &str) -> String {
        let mut text: String = comment.lines().map(|line| format!("# {line}\n")).collect();
        if !text.is_empty() {
            text.push('\n');
        }
        // Strings, numbers, lists and tables: always representable.
        text.push_str(&toml::to_string_pretty(self).expect("a petition serialises as TOML"));
        text
    }

    /// The fields (named as in a petition file, in its order) whose values
    /// differ between `self` and `other`.
    pub fn changed_fields(&self, other: &PetitionFile) -> Vec<&'static str> {
        // Every field named, so that a new one can't be forgotten here.
        let PetitionFile {
            slug,
            organiser,
            target,
            title,
            summary,
            body,
            supported_by,
            ask_profession,
            goal_steps,
            milestones,
            show_count_from,
            show_profession_tally,
            partners,
            share,
            next_action,
            confirm_by_email,
            erasure_keeps_count,
            closes_at,
            retention_days,
            accent_colour,
            hero_image,
            hero_alt,
            logo,
            language,
            translations,
        } = self;
        [
            ("slug", *slug != other.slug),
            ("language", *language != other.language),
            ("organiser", *organiser != other.organiser),
            ("target", *target != other.target),
            ("title", *title != other.title),
            ("summary", *summary != other.summary),
            ("body", *body != other.body),
            ("supported_by", *supported_by != other.supported_by),
            ("ask_profession", *ask_profession != other.ask_profession),
            ("goal_steps", *goal_steps != other.goal_steps),
            ("milestones", *milestones != other.milestones),
            ("show_count_from", *show_count_from != other.show_count_from),
            ("show_profession_tally", *show_profession_tally != other.show_profession_tally),
            ("partners", *partners != other.partners),
            ("share", *share != other.share),
            ("next_action", *next_action != other.next_action),
            ("confirm_by_email", *confirm_by_email != other.confirm_by_email),
            ("erasure_keeps_count", *erasure_keeps_count != other.erasure_keeps_count),
            ("closes_at", *closes_at != other.closes_at),
            ("retention_days", *retention_days != other.retention_days),
            ("accent_colour", *accent_colour != other.accent_colour),
            ("hero_image", *hero_image != other.hero_image),
            ("hero_alt", *hero_alt != other.hero_alt),
            ("logo", *logo != other.logo),
            ("translations", *translations != other.translations),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect()
    }

    /// The body's paragraphs, each on one line.
    pub fn paragraphs(&self) -> Vec<String> {
        self.body
            .split("\n\n")
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|p| !p.is_empty())
            .collect()
    }

    /// Whether signing has ended by `now` (`closes_at` has passed).
    pub fn is_closed(&self, now: std::time::SystemTime) -> bool {
        self.closes_at.as_deref().and_then(|t| humantime::parse_rfc3339(t).ok()).is_some_and(|t| t <= now)
    }

    /// When personal data is to be anonymised: `retention_days` after closing.
    pub fn anonymise_after(&self) -> Option<std::time::SystemTime> {
        let closes = humantime::parse_rfc3339(self.closes_at.as_deref()?).ok()?;
        Some(closes + std::time::Duration::from_secs(u64::from(self.retention_days) * 24 * 60 * 60))
    }

    /// The words beside the consent box, stored with each signature that ticks it.
    pub fn consent_text(&self) -> String {
        petition_core::consent_text(&self.organiser)
    }

    /// Everything wrong with the petition, field by field in the file's
    /// order; empty when it may be saved. Petition files and the
    /// dashboard's form are held to these same rules, in these same words.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |field: &'static str, message: String| problems.push(Problem { field, message });
        if !is_slug(&self.slug) {
            problem("slug", format!("slug {:?} must be lower-case letters, digits and hyphens (at most 64)", self.slug));
        } else if RESERVED_SLUGS.contains(&self.slug.as_str()) {
            // The dashboard's own pages sit where these petitions' would.
            problem("slug", format!("slug {:?} is a word the dashboard uses: choose another", self.slug));
        }
        for (name, value) in [
            ("organiser", &self.organiser),
            ("target", &self.target),
            ("title", &self.title),
            ("summary", &self.summary),
        ] {
            if value.trim().is_empty() {
                problem(name, format!("{name} must not be empty"));
            }
        }
        if self.goal_steps.is_empty() {
            problem("goal_steps", "goal_steps must list at least one goal, like [10000, 25000, 50000]".into());
        }
        for (name, steps) in [("goal_steps", &self.goal_steps), ("milestones", &self.milestones)] {
            if steps.first() == Some(&0) || steps.windows(2).any(|w| w[0] >= w[1]) {
                problem(name, format!("{name} must be positive and in ascending order, like [10000, 25000, 50000]"));
            }
        }
        if self.show_profession_tally && !self.ask_profession {
            problem("show_profession_tally", "show_profession_tally needs ask_profession = true".into());
        }
        for partner in &self.partners {
            if !is_slug(&partner.slug) || partner.name.trim().is_empty() {
                problem(
                    "partners",
                    format!("partner {:?} needs a slug of lower-case letters, digits and hyphens, and a name", partner.slug),
                );
            }
        }
        if let Some(message) = petition_core::colour::accent_problem(&self.accent_colour) {
            problem("accent_colour", message);
        }
        for (name, image) in [("hero_image", &self.hero_image), ("logo", &self.logo)] {
            if image.as_deref().is_some_and(|name| !is_image_name(name)) {
                problem(
                    name,
                    format!("{name} must name a .png, .jpg or .webp file in the petition file's folder, like \"hero.jpg\""),
                );
            }
        }
        if self.hero_alt.is_some() && self.hero_image.is_none() {
            problem(
                "hero_alt",
                "hero_alt describes the hero image: name the picture in hero_image too".into(),
            );
        }
        // Every address in the file becomes a link on partners' pages; share
        // links carry `share.url` only when they point there.
        let share_url = self.share.as_ref().filter(|share| share.links_to == petition_core::LinksTo::Url || !share.url.is_empty());
        let addresses = [
            ("share.url", share_url.map(|share| &share.url)),
            ("next_action.url", self.next_action.as_ref().map(|action| &action.url)),
        ];
        for (key, url) in addresses {
            if url.is_some_and(|url| !petition_core::is_web_address(url)) {
                problem(key, format!("{key} must be a web address starting with https://"));
            }
        }
        if let Some(closes_at) = &self.closes_at {
            if humantime::parse_rfc3339(closes_at).is_err() {
                problem("closes_at", format!("closes_at {closes_at:?} must be a time like 2027-03-31T23:59:59Z"));
            }
        }
        if !known_language(&self.language) {
            problem(
                "language",
                format!("language {:?} must be one the server has words for (a file in lang/), like \"en\" or \"cy\"", self.language),
            );
        }
        for (code, translation) in &self.translations {
            for message in self.translation_problems(code, translation) {
                problem("translations", message);
            }
        }
        problems
    }

    /// What is wrong with the translation into `code`, each message
    /// starting with the field it is about (`translations.cy.title`).
    fn translation_problems(&self, code: &str, translation: &Translation) -> Vec<String> {
        let at = format!("translations.{code}");
        if !known_language(code) {
            return vec![format!("{at} is not a language the server has words for (a file in lang/): use a code like \"cy\"")];
        }
        if code.eq_ignore_ascii_case(&self.language) {
            return vec![format!("{at} is the petition's own language ({}): its texts are the file's own", self.language)];
        }
        let mut problems = Vec::new();
        let has = |text: &str| !text.trim().is_empty();
        let required = [
            ("target", &translation.target, true),
            ("title", &translation.title, true),
            ("summary", &translation.summary, true),
            ("body", &translation.body, has(&self.body)),
            ("share_text", &translation.share_text, self.share.is_some()),
            ("next_action_title", &translation.next_action_title, self.next_action.is_some()),
            ("next_action_text", &translation.next_action_text, self.next_action.is_some()),
            ("hero_alt", &translation.hero_alt, self.hero_alt.as_deref().is_some_and(has)),
        ];
        for (field, value, needed) in required {
            if needed && !has(value) {
                problems.push(format!("{at}.{field} is missing: the petition has this text in {}, so every translation needs it", self.language));
            }
        }
        for (slug, name) in &translation.partners {
            if !self.partners.iter().any(|p| p.slug == *slug) {
                problems.push(format!("{at}.partners names {slug:?}, which is not one of the petition's partners"));
            } else if !has(name) {
                problems.push(format!("{at}.partners gives {slug:?} an empty name"));
            }
        }
        if !translation.supported_by.is_empty() && translation.supported_by.len() != self.supported_by.len() {
            problems.push(format!(
                "{at}.supported_by must list as many names as supported_by ({}), in the same order",
                self.supported_by.len()
            ));
        }
        problems
    }

    /// Every language the petition's texts come in: its own first, then
    /// its translations' (by code).
    pub fn languages(&self) -> Vec<&str> {
        std::iter::once(self.language.as_str()).chain(self.translations.keys().map(String::as_str)).collect()
    }

    /// The petition with its texts in the language called `code` (as
    /// [`PetitionFile::languages`] spells it); the petition as it is for its
    /// own language or one it has no translation into.
    pub fn in_language(&self, code: &str) -> PetitionFile {
        let mut petition = self.clone();
        let Some(translation) = self.translations.get(code) else { return petition };
        petition.language = code.to_owned();
        petition.target.clone_from(&translation.target);
        petition.title.clone_from(&translation.title);
        petition.summary.clone_from(&translation.summary);
        petition.body.clone_from(&translation.body);
        if let Some(share) = &mut petition.share {
            share.text.clone_from(&translation.share_text);
        }
        if let Some(action) = &mut petition.next_action {
            action.title.clone_from(&translation.next_action_title);
            action.text.clone_from(&translation.next_action_text);
        }
        if petition.hero_alt.is_some() {
            petition.hero_alt = Some(translation.hero_alt.clone());
        }
        for partner in &mut petition.partners {
            if let Some(name) = translation.partners.get(&partner.slug) {
                partner.name.clone_from(name);
            }
        }
        if translation.supported_by.len() == self.supported_by.len() {
            petition.supported_by.clone_from(&translation.supported_by);
        }
        petition
    }

    /// The best of the petition's languages for `wanted` (BCP 47 tags, most
    /// wanted first), else its own.
    pub fn best_language<'w>(&self, wanted: impl IntoIterator<Item = &'w str>) -> &str {
        let languages = self.languages();
        petition_core::lang::negotiate(wanted, &languages).unwrap_or(&self.language)
    }
}

/// Whether the server has words for the language `code` (core knows it:
/// there is a file for it in lang/).
fn known_language(code: &str) -> bool {
    petition_core::lang::codes().any(|known| known == code)
}

/// A picture's file name: no folders, a kind the server can decode.
fn is_image_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && [".png", ".jpg", ".jpeg", ".webp"].iter().any(|kind| lower.ends_with(kind))
}

/// One rule a petition breaks: the field it is about, as a petition file
/// names it (`share.url` for one in a table), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The field, e.g. `title` or `share.url`.
    pub field: &'static str,
    /// What is wrong, in words that name the field.
    pub message: String,
}

/// The line (from 1) of `problem` in `text`: where its field is set; for a
/// translation's, the line in its table (`translations.cy.title` at the
/// start of its message).
fn line_of_problem(text: &str, problem: &Problem) -> Option<usize> {
    if problem.field != "translations" {
        return line_of(text, problem.field);
    }
    let path = problem.message.split_whitespace().next()?;
    let table: Vec<&str> = path.splitn(3, '.').take(2).collect();
    let table = format!("[{}]", table.join("."));
    line_of(text, path).or_else(|| text.lines().position(|line| line.trim() == table).map(|i| i + 1))
}

/// The line (from 1) where `key` is set in `text`: `key = …`, or a table
/// `[key]` / `[[key]]`; `table.key` looks for `key` after `[table]`.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let (table, key) = key.rsplit_once('.').map_or((None, key), |(table, key)| (Some(table), key));
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let from = match table {
        Some(table) => lines.iter().position(|line| *line == format!("[{table}]"))? + 1,
        None => 0,
    };
    // A key in a table is looked for up to the next table.
    let to = match table {
        Some(_) => lines[from..].iter().position(|line| line.starts_with('[')).map_or(lines.len(), |i| from + i),
        None => lines.len(),
    };
    let sets = |line: &&str| {
        line.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
            || **line == format!("[{key}]")
            || **line == format!("[[{key}]]")
    };
    lines[from..to].iter().position(sets).map(|i| from + i + 1)
}

/// Slugs no petition may have: `/admin/petitions/new` and
/// `/admin/petitions/preview` are the dashboard's own pages.
const RESERVED_SLUGS: [&str; 2] = ["new", "preview"];

/// Lower-case letters, digits and hyphens, not starting with a hyphen, at most
/// 64: what a petition's or a partner's name may be.
pub fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 64
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
}

/// A petition file as read from the petitions folder.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// Where it is.
    pub path: PathBuf,
    /// The petition it describes, checked.
    pub petition: PetitionFile,
    /// SHA-256 of its text (hex): whether it changed since it was last loaded.
    pub digest: String,
    /// The pictures it names, read from beside it, sized and encoded.
    pub pictures: Vec<crate::pictures::Picture>,
}

/// SHA-256 of a petition file's text, in hex.
pub fn digest(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// Reads and checks every `*.toml` petition file in `dir`, in name order.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<LoadedFile>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("could not read the petitions folder {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    let mut files: Vec<LoadedFile> = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).with_context(|| format!("could not read {}", path.display()))?;
        let petition = PetitionFile::parse(&text).with_context(|| format!("{} is not a valid petition file", path.display()))?;
        if files.iter().any(|f| f.petition.slug == petition.slug) {
            bail!("{}: another petition file already uses the slug {:?}", path.display(), petition.slug);
        }
        let pictures = crate::pictures::read_all(path.parent().unwrap_or(dir), &petition)
            .with_context(|| format!("{} names a picture that can't be used", path.display()))?;
        files.push(LoadedFile {
            digest: digest(&text),
            path,
            petition,
            pictures,
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../petitions/stop-sharing.toml");

    #[test]
    fn the_demo_petition_file_is_valid() {
        let file = PetitionFile::parse(DEMO).unwrap();
        assert_eq!(file.slug, "stop-sharing");
        assert_eq!(file.goal_steps[0], 10_000);
        assert_eq!(&file.milestones[..8], &[10, 25, 50, 100, 500, 1000, 5000, 10000]);
        assert_eq!(file.paragraphs().len(), 4);
        assert!(file.paragraphs()[0].starts_with("The UK government and NHS Digital"));
    }

    #[test]
    fn a_typo_in_a_key_is_reported_with_its_line() {
        let text = DEMO.replace("ask_profession", "ask_proffession");
        let message = format!("{:#}", PetitionFile::parse(&text).unwrap_err());
        assert!(message.contains("ask_proffession"), "{message}");
        assert!(message.contains("line"), "{message}");
    }

    #[test]
    fn steps_out_of_order_are_rejected_with_their_line() {
        let text = DEMO.replace("goal_steps = [10000, 25000", "goal_steps = [25000, 10000");
        let line = text.lines().position(|l| l.starts_with("goal_steps")).unwrap() + 1;
        let message = PetitionFile::parse(&text).unwrap_err().to_string();
        assert_eq!(message, format!("line {line}: goal_steps must be positive and in ascending order, like [10000, 25000, 50000]"));
    }

    #[test]
    fn a_problem_in_a_table_names_the_line_in_that_table() {
        let text = DEMO.replace("url = \"https://www.doctorsoftheworld.org.uk/stop-sharing", "url = \"www.doctorsoftheworld.org.uk/stop-sharing");
        let line = text.lines().position(|l| l.starts_with("url = \"www.")).unwrap() + 1;
        let message = PetitionFile::parse(&text).unwrap_err().to_string();
        assert_eq!(message, format!("line {line}: share.url must be a web address starting with https://"));
    }

    #[test]
    fn an_address_that_is_not_a_web_address_is_rejected_wherever_it_is() {
        for (table, url) in [
            ("share", "https://www.doctorsoftheworld.org.uk/stop-sharing"),
            ("next_action", "https://www.doctorsoftheworld.org.uk/safe-surgeries"),
        ] {
            for bad in ["javascript:alert(document.cookie)", "data:text/html,<b>hi</b>", "java\tscript:alert(1)", "http://example.org/"] {
                let text = DEMO.replace(url, bad);
                let line = text.lines().position(|l| l.starts_with("url = ") && l.contains(bad)).unwrap() + 1;
                let message = PetitionFile::parse(&text).unwrap_err().to_string();
                assert_eq!(message, format!("line {line}: {table}.url must be a web address starting with https://"), "{bad}");
            }
        }
        let local = DEMO.replace("https://www.doctorsoftheworld.org.uk/safe-surgeries", "http://localhost:8080/demo/");
        assert!(PetitionFile::parse(&local).is_ok(), "the demo may link to this machine");
    }

    #[test]
    fn every_problem_is_reported_each_with_its_line() {
        let text = DEMO
            .replacen("title = \"Stop", "title = \" \"\n# Stop", 1)
            .replace("goal_steps = [10000, 25000", "goal_steps = [25000, 10000");
        let line = |start: &str| text.lines().position(|l| l.starts_with(start)).unwrap() + 1;
        let message = PetitionFile::parse(&text).unwrap_err().to_string();
        let expected = format!(
            "line {}: title must not be empty; line {}: goal_steps must be positive and in ascending order, like [10000, 25000, 50000]",
            line("title ="),
            line("goal_steps =")
        );
        assert_eq!(message, expected);
    }

    #[test]
    fn problems_name_their_fields() {
        let mut file = PetitionFile::parse(DEMO).unwrap();
        assert_eq!(file.problems(), vec![]);
        file.slug = "Bad Slug".into();
        file.milestones = vec![10, 10];
        file.partners[1].slug = "Asylum Matters".into();
        file.share.as_mut().unwrap().url = "javascript:alert(1)".into();
        let fields: Vec<&str> = file.problems().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["slug", "milestones", "partners", "share.url"]);
    }

    #[test]
    fn a_petition_written_as_a_file_reads_back_the_same() {
        let mut file = PetitionFile::parse(DEMO).unwrap();
        file.title = r#"Quotes " and ''' and """ and a backslash \"#.into();
        file.body = "One \"\"\"\r\n\nTwo ''' \\".into();
        file.closes_at = Some("2027-03-31T23:59:59Z".into());
        file.share = None;
        let text = file.to_toml("Downloaded\nfrom the dashboard");
        assert!(text.starts_with("# Downloaded\n# from the dashboard\n\n"), "{text}");
        assert_eq!(PetitionFile::parse(&text).unwrap(), file);
    }

    #[test]
    fn changed_fields_are_named_as_in_the_file() {
        let file = PetitionFile::parse(DEMO).unwrap();
        let mut other = file.clone();
        other.title = "Another".into();
        other.share = None;
        assert_eq!(file.changed_fields(&other), ["title", "share"]);
        assert!(file.changed_fields(&file).is_empty());
    }

    /// The tests' multilingual petition (English, Welsh, Arabic, Portuguese,
    /// Traditional Chinese).
    const MULTILINGUAL: &str = include_str!("../../tests/petitions/multilingual.toml");

    #[test]
    fn translations_are_read_and_give_the_petition_in_each_language() {
        let file = PetitionFile::parse(MULTILINGUAL).unwrap();
        assert_eq!(file.language, "en");
        assert_eq!(file.languages(), ["en", "ar", "cy", "pt", "zh-Hant"]);
        let welsh = file.in_language("cy");
        assert_eq!(welsh.language, "cy");
        assert_eq!(welsh.title, "Cadwch gyfieithwyr am ddim ym mhob meddygfa.");
        assert_eq!(welsh.paragraphs().len(), 2);
        assert_eq!(welsh.partners[0].name, "Rhwydwaith y Clinigau");
        assert_eq!(welsh.share.as_ref().unwrap().hashtag, "FreeInterpreters");
        assert_eq!(welsh.slug, file.slug);
        assert_eq!(file.in_language("de"), file, "no translation: the petition as it is");
        assert_eq!(file.best_language(["pt-BR", "en"]), "pt");
        assert_eq!(file.best_language(["zh-TW"]), "zh-Hant");
        assert_eq!(file.best_language(["de"]), "en");
        // Written out (as the dashboard's download does) and read back whole.
        assert_eq!(PetitionFile::parse(&file.to_toml("")).unwrap(), file);
    }

    #[test]
    fn a_translation_missing_a_text_is_refused_naming_its_language_and_field_and_line() {
        let text = MULTILINGUAL.replace(
            "next_action_title = \"Darllenwch ganllaw hawliau cleifion\"\n",
            "",
        );
        let message = PetitionFile::parse(&text).unwrap_err().to_string();
        let table = text.lines().position(|l| l == "[translations.cy]").unwrap() + 1;
        assert_eq!(
            message,
            format!("line {table}: translations.cy.next_action_title is missing: the petition has this text in en, so every translation needs it")
        );

        let text = MULTILINGUAL.replace("title = \"Mantenham", "title = \" \"\n# Mantenham");
        let line = text.lines().position(|l| l == "title = \" \"").unwrap() + 1;
        let message = PetitionFile::parse(&text).unwrap_err().to_string();
        assert!(message.starts_with(&format!("line {line}: translations.pt.title is missing")), "{message}");
    }

    #[test]
    fn a_translation_into_a_language_the_server_has_no_words_for_is_refused() {
        for (bad, why) in [("[translations.xx]", "is not a language the server has words for"), ("[translations.en]", "is the petition's own language")] {
            let text = MULTILINGUAL.replace("[translations.pt]", bad);
            let message = PetitionFile::parse(&text).unwrap_err().to_string();
            assert!(message.contains(&format!("{} {why}", &bad[1..bad.len() - 1])), "{message}");
        }
        let text = MULTILINGUAL.replace("language = \"en\"", "language = \"klingon\"");
        let message = PetitionFile::parse(&text).unwrap_err().to_string();
        let line = text.lines().position(|l| l.starts_with("language =")).unwrap() + 1;
        assert!(message.starts_with(&format!("line {line}: language \"klingon\" must be one the server has words for")), "{message}");
        let text = MULTILINGUAL.replace("partners = { clinic-network = \"شبكة العيادات\" }", "partners = { medact = \"Medact\" }");
        let message = PetitionFile::parse(&text).unwrap_err().to_string();
        assert!(message.contains("translations.ar.partners names \"medact\", which is not one of the petition's partners"), "{message}");
        let text = MULTILINGUAL.replace("supported_by = [\"Cleifion Gyda'n Gilydd\", \"Rhwydwaith y Clinigau\"]", "supported_by = [\"Un\"]");
        let message = PetitionFile::parse(&text).unwrap_err().to_string();
        assert!(message.contains("translations.cy.supported_by must list as many names as supported_by (2)"), "{message}");
        let text = MULTILINGUAL.replace("[translations.ar]\n", "[translations.ar]\nslogan = \"x\"\n");
        assert!(PetitionFile::parse(&text).unwrap_err().to_string().contains("slogan"), "a typo in a translation's key is named");
    }

    #[test]
    fn a_petition_file_without_a_language_is_in_english() {
        let file = PetitionFile::parse(DEMO).unwrap();
        assert_eq!(file.language, "en");
        assert_eq!(file.languages()[0], "en");
    }

    #[test]
    fn a_slug_with_spaces_or_one_the_dashboard_uses_is_rejected() {
        let text = DEMO.replace("slug = \"stop-sharing\"", "slug = \"Stop Sharing\"");
        assert!(PetitionFile::parse(&text).unwrap_err().to_string().contains("slug"));
        for reserved in RESERVED_SLUGS {
            let text = DEMO.replace("slug = \"stop-sharing\"", &format!("slug = {reserved:?}"));
            let error = PetitionFile::parse(&text).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains("a word the dashboard uses"), "{reserved}: {error}");
        }
    }
}
