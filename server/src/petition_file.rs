//! Petition files: the readable TOML an organiser writes (see
//! `petitions/stop-sharing.toml`), checked before anything is saved.

use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// One petition, as its file describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PetitionFile {
    /// The name used in the embed tag and the API: lower-case letters, digits, hyphens.
    pub slug: String,
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
    /// Parses and checks a petition file's text; errors name the line or field.
    pub fn parse(text: &str) -> anyhow::Result<PetitionFile> {
        let file: PetitionFile = toml::from_str(text)?;
        if let Err((key, message)) = file.check() {
            match line_of(text, key) {
                Some(line) => bail!("line {line}: {message}"),
                None => bail!("{message}"),
            }
        }
        Ok(file)
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

    /// The first problem found: the key it is about (`share.url` for one in
    /// a table), and what is wrong.
    fn check(&self) -> Result<(), (&'static str, String)> {
        if !is_slug(&self.slug) {
            return Err(("slug", format!("slug {:?} must be lower-case letters, digits and hyphens (at most 64)", self.slug)));
        }
        for (name, value) in [
            ("organiser", &self.organiser),
            ("target", &self.target),
            ("title", &self.title),
            ("summary", &self.summary),
        ] {
            if value.trim().is_empty() {
                return Err((name, format!("{name} must not be empty")));
            }
        }
        for (name, steps) in [("goal_steps", &self.goal_steps), ("milestones", &self.milestones)] {
            if steps.first() == Some(&0) || steps.windows(2).any(|w| w[0] >= w[1]) {
                return Err((name, format!("{name} must be positive and in ascending order, like [10000, 25000, 50000]")));
            }
        }
        for partner in &self.partners {
            if !is_slug(&partner.slug) || partner.name.trim().is_empty() {
                return Err((
                    "partners",
                    format!("partner {:?} needs a slug of lower-case letters, digits and hyphens, and a name", partner.slug),
                ));
            }
        }
        if self.show_profession_tally && !self.ask_profession {
            return Err(("show_profession_tally", "show_profession_tally needs ask_profession = true".into()));
        }
        // Every address in the file becomes a link on partners' pages.
        let addresses = [
            ("share.url", self.share.as_ref().map(|share| &share.url)),
            ("next_action.url", self.next_action.as_ref().map(|action| &action.url)),
        ];
        for (key, url) in addresses {
            if url.is_some_and(|url| !petition_core::is_web_address(url)) {
                return Err((key, format!("{key} must be a web address starting with https://")));
            }
        }
        if let Some(closes_at) = &self.closes_at {
            if humantime::parse_rfc3339(closes_at).is_err() {
                return Err(("closes_at", format!("closes_at {closes_at:?} must be a time like 2027-03-31T23:59:59Z")));
            }
        }
        if self.goal_steps.is_empty() {
            return Err(("goal_steps", "goal_steps must list at least one goal, like [10000, 25000, 50000]".into()));
        }
        Ok(())
    }
}

/// The line (from 1) where `key` is set in `text`: `key = …`, or a table
/// `[key]` / `[[key]]`; `table.key` looks for `key` after `[table]`.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let (table, key) = key.split_once('.').map_or((None, key), |(table, key)| (Some(table), key));
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let from = match table {
        Some(table) => lines.iter().position(|line| *line == format!("[{table}]"))? + 1,
        None => 0,
    };
    let sets = |line: &&str| {
        line.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
            || **line == format!("[{key}]")
            || **line == format!("[[{key}]]")
    };
    lines[from..].iter().position(sets).map(|i| from + i + 1)
}

/// Lower-case letters, digits and hyphens, not starting with a hyphen, at most
/// 64: what a petition's or a partner's name may be.
pub fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 64
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
}

/// Reads every `*.toml` petition file in `dir`, in name order.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<PetitionFile>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("could not read the petitions folder {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    let mut petitions: Vec<PetitionFile> = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).with_context(|| format!("could not read {}", path.display()))?;
        let petition = PetitionFile::parse(&text).with_context(|| format!("{} is not a valid petition file", path.display()))?;
        if petitions.iter().any(|p| p.slug == petition.slug) {
            bail!("{}: another petition file already uses the slug {:?}", path.display(), petition.slug);
        }
        petitions.push(petition);
    }
    Ok(petitions)
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
    fn a_slug_with_spaces_is_rejected() {
        let text = DEMO.replace("slug = \"stop-sharing\"", "slug = \"Stop Sharing\"");
        assert!(PetitionFile::parse(&text).unwrap_err().to_string().contains("slug"));
    }
}
