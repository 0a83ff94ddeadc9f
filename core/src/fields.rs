//! The rules every signature field obeys, and the words used when one is broken.
//!
//! Validation is by construction: [`validate`] turns a [`SignatureRequest`] into a
//! [`ValidSignature`] or into one [`FieldError`] per broken field, in form order.
//! The widget runs it before sending; the server runs it again and never trusts
//! the widget. Messages follow the GOV.UK style: say what to do, name the field.

use serde::{Deserialize, Serialize};

use crate::api::{FieldError, Params, SignatureRequest};

/// Longest accepted name, in characters.
pub const NAME_MAX: usize = 100;
/// Longest accepted email address (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// Longest accepted postcode; long enough for any country's format.
pub const POSTCODE_MAX: usize = 16;
/// Longest accepted reason for signing, in characters.
pub const REASON_MAX: usize = 1000;

/// A form field, by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// `first_name`
    FirstName,
    /// `last_name`
    LastName,
    /// `email`
    Email,
    /// `postcode`
    Postcode,
    /// `profession`
    Profession,
    /// `reason`
    Reason,
}

impl Field {
    /// Every field, in the order the form shows them.
    pub const ALL: [Field; 6] = [
        Field::FirstName,
        Field::LastName,
        Field::Email,
        Field::Postcode,
        Field::Profession,
        Field::Reason,
    ];

    /// The wire name, also used as the form control's `name`.
    pub fn name(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Email => "email",
            Field::Postcode => "postcode",
            Field::Profession => "profession",
            Field::Reason => "reason",
        }
    }

    /// The most characters the field takes.
    pub fn max_chars(self) -> usize {
        match self {
            Field::FirstName | Field::LastName => NAME_MAX,
            Field::Email => EMAIL_MAX,
            Field::Postcode => POSTCODE_MAX,
            Field::Profession => 0,
            Field::Reason => REASON_MAX,
        }
    }

    /// The visible label.
    pub fn label(self) -> crate::lang::Text {
        use crate::lang::text::*;
        match self {
            Field::FirstName => LABEL_FIRST_NAME,
            Field::LastName => LABEL_LAST_NAME,
            Field::Email => LABEL_EMAIL,
            Field::Postcode => LABEL_POSTCODE,
            Field::Profession => LABEL_PROFESSION,
            Field::Reason => LABEL_REASON,
        }
    }
}

/// The petition's healthcare-professional question (seed 003: "Dr / Nurse /
/// Midwife / other").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profession {
    /// A doctor.
    Doctor,
    /// A nurse.
    Nurse,
    /// A midwife.
    Midwife,
    /// Another healthcare professional.
    OtherHealthcare,
    /// Not a healthcare professional.
    NotHealthcare,
}

impl Profession {
    /// Every answer, in the order the form offers them.
    pub const ALL: [Profession; 5] = [
        Profession::Doctor,
        Profession::Nurse,
        Profession::Midwife,
        Profession::OtherHealthcare,
        Profession::NotHealthcare,
    ];

    /// The wire code, also the `<option>` value.
    pub fn code(self) -> &'static str {
        match self {
            Profession::Doctor => "doctor",
            Profession::Nurse => "nurse",
            Profession::Midwife => "midwife",
            Profession::OtherHealthcare => "other-healthcare",
            Profession::NotHealthcare => "not-healthcare",
        }
    }

    /// The words the form shows.
    pub fn label(self) -> crate::lang::Text {
        use crate::lang::text::*;
        match self {
            Profession::Doctor => PROFESSION_DOCTOR,
            Profession::Nurse => PROFESSION_NURSE,
            Profession::Midwife => PROFESSION_MIDWIFE,
            Profession::OtherHealthcare => PROFESSION_OTHER,
            Profession::NotHealthcare => PROFESSION_NONE,
        }
    }


    /// Parses a wire code.
    pub fn from_code(code: &str) -> Option<Profession> {
        Profession::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// A signature whose every field obeys the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSignature {
    /// Given name, trimmed.
    pub first_name: String,
    /// Family name, trimmed; empty for a single name.
    pub last_name: String,
    /// Email address, trimmed, as typed otherwise (for writing to the person).
    pub email: String,
    /// A UK postcode in standard form (`SW1A 1AA`), or what someone outside
    /// the UK typed, trimmed (may be empty).
    pub postcode: String,
    /// Whether the person lives outside the UK.
    pub outside_uk: bool,
    /// The answer to the profession question, if given.
    pub profession: Option<Profession>,
    /// Reason for signing, trimmed; empty if none.
    pub reason: String,
    /// Whether the person asked for campaign updates.
    pub consent: bool,
}

impl ValidSignature {
    /// The address used to recognise a repeat signature: see [`canonical_email`].
    ///
    /// A method rather than a field so the widget, which never needs it, does
    /// not carry Unicode case tables for it.
    pub fn canonical_email(&self) -> String {
        canonical_email(&self.email)
    }
}

/// What is wrong with a field, as the API names it (`code`). Together with
/// the field it picks the text that words it ([`FieldError::text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Required and empty.
    Missing,
    /// Longer than `params.max` characters.
    TooLong,
    /// Holds control characters.
    Control,
    /// Starts with `=`, `+`, `-` or `@` (a spreadsheet formula).
    Start,
    /// A web address where a name goes.
    WebAddress,
    /// Not shaped like an email address.
    Format,
    /// Not a UK postcode.
    Uk,
    /// Characters a postal code has no use for.
    Characters,
    /// Not one of the list's answers.
    Choose,
}

impl FieldError {
    /// `field`'s `problem`, with its parameters and, with the
    /// `english-messages` feature, its English words (see `Cargo.toml`).
    pub fn new(field: Field, problem: Problem) -> FieldError {
        let max = (problem == Problem::TooLong).then(|| field.max_chars() as u64);
        let mut error = FieldError { field, code: problem, params: Params { max }, message: String::new() };
        if cfg!(feature = "english-messages") {
            if let Some(text) = error.text() {
                error.message = crate::lang::fill(text.english().for_count(0), &error.values(&crate::milestones::grouped(max.unwrap_or(0))));
            }
        }
        error
    }

    /// The text that words this error (`error_{field}_{code}` in the
    /// language files), or `None` for a pairing no rule makes.
    pub fn text(&self) -> Option<&'static crate::lang::Text> {
        use crate::lang::text::*;
        use Field::*;
        use Problem::*;
        Some(match (self.field, self.code) {
            (FirstName, Missing) => &ERROR_FIRST_NAME_MISSING,
            (FirstName, TooLong) => &ERROR_FIRST_NAME_TOO_LONG,
            (FirstName, Control) => &ERROR_FIRST_NAME_CONTROL,
            (FirstName, Start) => &ERROR_FIRST_NAME_START,
            (FirstName, WebAddress) => &ERROR_FIRST_NAME_WEB_ADDRESS,
            (LastName, TooLong) => &ERROR_LAST_NAME_TOO_LONG,
            (LastName, Control) => &ERROR_LAST_NAME_CONTROL,
            (LastName, Start) => &ERROR_LAST_NAME_START,
            (LastName, WebAddress) => &ERROR_LAST_NAME_WEB_ADDRESS,
            (Email, Missing) => &ERROR_EMAIL_MISSING,
            (Email, TooLong) => &ERROR_EMAIL_TOO_LONG,
            (Email, Format) => &ERROR_EMAIL_FORMAT,
            (Postcode, Missing) => &ERROR_POSTCODE_MISSING,
            (Postcode, Uk) => &ERROR_POSTCODE_UK,
            (Postcode, TooLong) => &ERROR_POSTCODE_TOO_LONG,
            (Postcode, Characters) => &ERROR_POSTCODE_CHARACTERS,
            (Profession, Choose) => &ERROR_PROFESSION_CHOOSE,
            (Reason, TooLong) => &ERROR_REASON_TOO_LONG,
            (Reason, Control) => &ERROR_REASON_CONTROL,
            _ => return None,
        })
    }

    /// The values for the text's placeholders, with `max` written as
    /// `grouped_max` (a number in the reader's language).
    pub fn values<'a>(&self, grouped_max: &'a str) -> [(&'static str, &'a str); 1] {
        [("max", grouped_max)]
    }
}

/// Checks every field of `request` and reports all problems at once, in form order.
pub fn validate(request: &SignatureRequest) -> Result<ValidSignature, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut check = |field: Field, result: Result<String, Problem>| match result {
        Ok(value) => value,
        Err(problem) => {
            errors.push(FieldError::new(field, problem));
            String::new()
        }
    };
    let first_name = check(Field::FirstName, name(&request.first_name, true));
    let last_name = check(Field::LastName, name(&request.last_name, false));
    let email = check(Field::Email, email_rule(&request.email));
    let postcode = check(Field::Postcode, postcode(&request.postcode, request.outside_uk));
    let profession_code = crate::trim(&request.profession);
    let profession = if profession_code.is_empty() {
        None
    } else {
        let parsed = Profession::from_code(profession_code);
        if parsed.is_none() {
            check(Field::Profession, Err(Problem::Choose));
        }
        parsed
    };
    let reason = check(Field::Reason, reason(&request.reason));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidSignature {
        first_name,
        last_name,
        email,
        postcode,
        outside_uk: request.outside_uk,
        profession,
        reason,
        consent: request.consent,
    })
}

/// The words beside the consent box. Stored with every signature that ticks it,
/// so the organiser can show what each person agreed to.
pub fn consent_text(organiser: &str) -> String {
    crate::lang::fill(crate::lang::text::CONSENT.english().for_count(0), &[("organiser", organiser)])
}

/// Longest reason shown publicly; longer ones wait for the organiser.
pub const PUBLIC_REASON_MAX: usize = 280;

/// Whether a reason may be shown to everyone at once, or must wait for the
/// organiser: one with a link, or a long one, is held. (It is always stored.)
pub fn reason_is_public(reason: &str) -> bool {
    let reason = crate::trim(reason);
    !reason.is_empty() && reason.chars().count() <= PUBLIC_REASON_MAX && !looks_like_a_web_address(reason)
}

/// A share source as stored: `share-whatsapp` and the like (lower-case
/// letters, digits and hyphens, at most 32), or empty for anything else.
pub fn share_source(source: &str) -> String {
    let ok = !source.is_empty()
        && source.len() <= 32
        && crate::every(source, |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok { source.to_owned() } else { String::new() }
}

/// Domains people mistype most; a near miss of one earns a suggestion.
/// (One string, the domains between spaces, rather than an array of string
/// slices: the widget then carries no table of addresses.)
const DOMAINS: &str = "gmail.com googlemail.com hotmail.com hotmail.co.uk outlook.com live.co.uk yahoo.com \
    yahoo.co.uk icloud.com btinternet.com aol.com nhs.net protonmail.com sky.com";

/// `DOMAINS`' bytes, a static of their own: only the widget's second part
/// suggests an address, and the build moves them there (see [`crate::Bytes`]).
pub static COMMON_DOMAINS: crate::Bytes<{ DOMAINS.len() + 1 }> = crate::Bytes::new(DOMAINS);

/// "Did you mean …?": the address with a common domain in place of a likely
/// typo of it (`amara@gmial.com` → `amara@gmail.com`), or `None`.
///
/// Never an error: an unusual domain may be exactly right.
pub fn email_suggestion(email: &str) -> Option<String> {
    let (local, domain) = crate::split_last(crate::trim(email), b'@')?;
    let domain = domain.to_ascii_lowercase();
    if local.is_empty() || domain.is_empty() || crate::pieces(COMMON_DOMAINS.as_str(), b' ').any(|common| common == domain) {
        return None;
    }
    // The first nearest, as `min_by_key` would give, by a plain loop.
    let (mut best, mut distance) = ("", usize::MAX);
    for common in crate::pieces(COMMON_DOMAINS.as_str(), b' ') {
        let d = edit_distance(&domain, common);
        if d < distance {
            (best, distance) = (common, d);
        }
    }
    (distance <= 2 && domain.len() >= 5).then(|| crate::concat(&[local, "@", best]))
}

/// Levenshtein distance, counting a swap of two neighbours as one edit.
///
/// The table is kept three rows at a time (the one being filled, the last
/// and the one before, for swaps), and the characters are read as they
/// come rather than collected: the widget then carries no vectors of `char`
/// or of rows (issue 15).
fn edit_distance(a: &str, b: &str) -> usize {
    let width = b.chars().count() + 1;
    let (mut before, mut last, mut row) = (vec![0; width], vec![0; width], vec![0; width]);
    for (j, cell) in last.iter_mut().enumerate() {
        *cell = j;
    }
    let mut a_before = None;
    for (i, ca) in a.chars().enumerate() {
        row[0] = i + 1;
        let mut b_before = None;
        for (j, cb) in b.chars().enumerate() {
            let j = j + 1;
            let mut best = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + usize::from(ca != cb));
            if a_before == Some(cb) && b_before == Some(ca) {
                best = best.min(before[j - 2] + 1);
            }
            row[j] = best;
            b_before = Some(cb);
        }
        a_before = Some(ca);
        std::mem::swap(&mut before, &mut last);
        std::mem::swap(&mut last, &mut row);
    }
    last[width - 1]
}

/// Providers that deliver `name+anything@` to `name@`, and, for the first
/// ones, ignore dots in the name: someone signing again as `a.maya+2@gmail.com`
/// is still `amaya@gmail.com`. Only providers documented to behave so: on any
/// other domain `a.b` and `ab` may be different people.
const PLUS_ADDRESSING: [&str; 10] = [
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "icloud.com",
    "protonmail.com",
    "proton.me",
    "fastmail.com",
];
/// Of [`PLUS_ADDRESSING`], those that also ignore dots in the name.
const DOTS_IGNORED: [&str; 2] = ["gmail.com", "googlemail.com"];

/// The form of an address used to recognise the same person signing twice:
/// trimmed and lower-cased, and on providers known to ignore them, without
/// `+tags` and dots in the name (`googlemail.com` is `gmail.com`).
pub fn canonical_email(email: &str) -> String {
    let email = crate::trim(email).to_lowercase();
    let Some((local, domain)) = crate::split_last(&email, b'@') else { return email };
    if !PLUS_ADDRESSING.contains(&domain) {
        return email;
    }
    let local = crate::split_first(local, b'+').map_or(local, |(name, _tag)| name);
    if DOTS_IGNORED.contains(&domain) {
        local.replace('.', "") + "@gmail.com"
    } else {
        crate::concat(&[local, "@", domain])
    }
}

fn name(value: &str, required: bool) -> Result<String, Problem> {
    let value = crate::trim(value);
    if value.is_empty() {
        return if required { Err(Problem::Missing) } else { Ok(String::new()) };
    }
    if value.chars().count() > NAME_MAX {
        return Err(Problem::TooLong);
    }
    if value.chars().any(char::is_control) {
        return Err(Problem::Control);
    }
    // No name starts with a formula's sign.
    if starts_a_formula(value) {
        return Err(Problem::Start);
    }
    if looks_like_a_web_address(value) {
        return Err(Problem::WebAddress);
    }
    Ok(value.to_owned())
}

/// Whether `text` has `part` in it: `str::contains` by a plain search, since
/// these inputs are short and std's two-way search is half a kilobyte of the
/// widget (gzipped) that nothing else there needs.
fn has(text: &str, part: &str) -> bool {
    text.as_bytes().windows(part.len()).any(|window| window == part.as_bytes())
}

/// `http://…`, `www.…` or a bare `something.com/…`: spam, not a name.
fn looks_like_a_web_address(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if has(&lower, "://") || has(&lower, "www.") {
        return true;
    }
    // A word with a dot followed by two or more letters, like example.com or
    // bit.ly/x; initials ("J. R.") have a space or nothing after the dot.
    lower.split_whitespace().any(|word| {
        crate::split_first(word, b'.').is_some_and(|(before, after)| {
            !before.is_empty()
                && after.len() >= 2
                && after.chars().take_while(|c| c.is_ascii_alphabetic()).count() >= 2
        })
    })
}

/// The email rule on its own (for asking for a removal link): the trimmed
/// address, or what is wrong with it.
pub fn email(value: &str) -> Result<String, FieldError> {
    email_rule(value).map_err(|problem| FieldError::new(Field::Email, problem))
}

fn email_rule(value: &str) -> Result<String, Problem> {
    let value = crate::trim(value);
    if value.is_empty() {
        return Err(Problem::Missing);
    }
    if value.len() > EMAIL_MAX {
        return Err(Problem::TooLong);
    }
    if !email_has_valid_shape(value) {
        return Err(Problem::Format);
    }
    Ok(value.to_owned())
}

/// A deliberately plain shape check: `local@domain.tld`, no spaces or control
/// characters, a domain of dot-separated labels. Whether the address exists is
/// for mail delivery to find out, not for a regex to guess.
fn email_has_valid_shape(value: &str) -> bool {
    let Some((local, domain)) = crate::split_last(value, b'@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && crate::find(local, b'@').is_none()
        && !local.starts_with(".")
        && !local.ends_with(".")
        && !has(local, "..")
        && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '"');
    // The labels in one pass, not collected (a `Vec` of them brought std's
    // generic collecting, 0.3 KB of the widget).
    let (mut labels, mut labels_ok, mut tld) = (0, true, "");
    for label in crate::pieces(domain, b'.') {
        labels += 1;
        labels_ok &= !label.is_empty()
            && label.len() <= 63
            && !label.starts_with("-")
            && !label.ends_with("-")
            && label.chars().all(domain_char);
        tld = label;
    }
    local_ok && labels >= 2 && labels_ok && tld.chars().count() >= 2
}

/// A character a domain's label may hold: an ASCII letter, digit or hyphen,
/// or, for internationalised names (`bücher.example`, `例え.テスト`), any
/// character beyond ASCII but the few a person pastes or types by mistake:
/// spaces and invisible marks (no-break, zero-width, bidi, the byte-order
/// mark, variation selectors) and the full stops of other scripts (`。`,
/// `．`, `｡`, which look like the dot between labels). Which names a registry
/// really allows is for mail delivery to find out, as for the rest of the
/// address. Not `char::is_alphanumeric`: its Unicode tables were 1.7 KB of the
/// widget's download (gzipped), for this one check. Every character that it
/// called alphanumeric is still allowed (tested over every `char`).
fn domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || c == '-'
        || !(c.is_ascii()
            || matches!(
                c,
                '\u{80}'..='\u{a0}'
                    | '\u{ad}'
                    | '\u{180e}'
                    | '\u{1680}'
                    | '\u{2000}'..='\u{200f}'
                    | '\u{2028}'..='\u{202f}'
                    | '\u{205f}'..='\u{206f}'
                    | '\u{3000}'..='\u{3002}'
                    | '\u{fe00}'..='\u{fe0f}'
                    | '\u{feff}'
                    | '\u{ff0e}'
                    | '\u{ff61}'
            ))
}

fn postcode(value: &str, outside_uk: bool) -> Result<String, Problem> {
    let value = crate::trim(value);
    if outside_uk {
        // Free text elsewhere: postal codes take too many shapes to check,
        // and some countries have none.
        if value.chars().count() > POSTCODE_MAX {
            return Err(Problem::TooLong);
        }
        if value.chars().any(char::is_control) || starts_a_formula(value) {
            return Err(Problem::Characters);
        }
        return Ok(value.to_owned());
    }
    if value.is_empty() {
        return Err(Problem::Missing);
    }
    uk_postcode(value).ok_or(Problem::Uk)
}

/// A UK postcode in its standard form (`sw1a1aa` → `SW1A 1AA`), or `None`.
///
/// The outward code is one of A9, A99, AA9, AA99, A9A or AA9A; the inward code
/// is 9AA.
pub fn uk_postcode(value: &str) -> Option<String> {
    // Pushed and matched as plain loops and bytes: collecting `char`s
    // into a `String` by iterator adapters is a generic copy of std's
    // loop for each closure, 0.4 KB of the widget for this rule alone.
    let mut compact = String::new();
    for c in value.chars() {
        if !c.is_whitespace() {
            compact.push(c.to_ascii_uppercase());
        }
    }
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let mut shape = [0; 4];
    for (kind, b) in shape.iter_mut().zip(outward.bytes()) {
        *kind = if b.is_ascii_digit() { b'9' } else if b.is_ascii_alphabetic() { b'A' } else { b'?' };
    }
    let code = inward.as_bytes();
    let inward_ok = code[0].is_ascii_digit() && code[1].is_ascii_alphabetic() && code[2].is_ascii_alphabetic();
    let outward_ok = matches!(&shape[..outward.len()], b"A9" | b"A99" | b"AA9" | b"AA99" | b"A9A" | b"AA9A");
    (outward_ok && inward_ok).then(|| crate::concat(&[outward, " ", inward]))
}

/// Whether `value` starts with `=`, `+`, `-` or `@`, which turn a cell into a
/// formula when the signatures are opened in a spreadsheet. (By its first
/// byte: std's `starts_with` of a `char` array is 0.2 KB of the widget.)
fn starts_a_formula(value: &str) -> bool {
    matches!(value.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@'))
}

fn reason(value: &str) -> Result<String, Problem> {
    let value = crate::trim(value);
    if value.chars().count() > REASON_MAX {
        return Err(Problem::TooLong);
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(Problem::Control);
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distance by its whole table, as it was written first.
    fn distance_by_table(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in rows.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in rows[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(rows[i - 2][j - 2] + 1);
                }
                rows[i][j] = best;
            }
        }
        rows[a.len()][b.len()]
    }

    #[test]
    fn the_edit_distance_kept_in_three_rows_is_the_whole_table_s() {
        let words = [
            "", "a", "ab", "ba", "abc", "acb", "bca", "gmail.com", "gmial.com", "gmai.com", "gmaïl.com", "hotmial.co.uk", "yahooo.com",
            "outlook.com", "otulook.com", "icloud.com", "iclod.com", "🙂", "a🙂b", "b🙂a", "aaaa", "abab", "baba",
        ];
        for a in words {
            for b in words.iter().copied().chain(crate::pieces(COMMON_DOMAINS.as_str(), b' ')) {
                assert_eq!(edit_distance(a, b), distance_by_table(a, b), "{a:?} {b:?}");
            }
        }
    }

    fn filled() -> SignatureRequest {
        SignatureRequest {
            first_name: "Amara".into(),
            last_name: "Okafor".into(),
            email: "amara@example.org".into(),
            postcode: "e1 6an".into(),
            outside_uk: false,
            profession: "nurse".into(),
            reason: "Patients must be able to trust their GP.".into(),
            ..SignatureRequest::default()
        }
    }

    fn errors_of(request: &SignatureRequest) -> Vec<(Field, String)> {
        validate(request).unwrap_err().into_iter().map(|e| (e.field, e.message)).collect()
    }

    /// The widget's build: each error names its field and its problem,
    /// with a text for the widget to word, and carries no English words.
    #[test]
    #[cfg(not(feature = "english-messages"))]
    fn without_english_messages_an_error_has_its_code_and_text_but_no_words() {
        let errors = validate(&SignatureRequest::default()).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), [Field::FirstName, Field::Email, Field::Postcode]);
        for error in &errors {
            assert_eq!(error.message, "", "{:?}", error.field);
            assert!(error.text().is_some(), "{:?}", error.field);
        }
    }

    #[test]
    fn a_complete_signature_is_accepted_and_tidied() {
        let valid = validate(&SignatureRequest { email: "  Amara@Example.ORG ".into(), ..filled() })
            .unwrap();
        assert_eq!(valid.email, "Amara@Example.ORG");
        assert_eq!(valid.canonical_email(), "amara@example.org");
        assert_eq!(valid.postcode, "E1 6AN");
        assert_eq!(valid.profession, Some(Profession::Nurse));
        assert!(!valid.consent);
    }

    #[test]
    #[cfg_attr(not(feature = "english-messages"), ignore = "compares English messages, which this build leaves out")]
    fn an_empty_form_names_every_required_field_in_form_order() {
        let errors = errors_of(&SignatureRequest::default());
        assert_eq!(
            errors,
            vec![
                (Field::FirstName, "Enter your first name".to_owned()),
                (Field::Email, "Enter your email address".to_owned()),
                (Field::Postcode, "Enter your postcode".to_owned()),
            ]
        );
    }

    #[test]
    fn real_names_are_accepted() {
        for (first, last) in [
            ("Zoë", "O'Brien-Łukasiewicz"),
            ("محمد", ""),
            ("李小龍", ""),
            ("Nguyễn", "Thị Minh Khai"),
        ] {
            let request = SignatureRequest { first_name: first.into(), last_name: last.into(), ..filled() };
            assert!(validate(&request).is_ok(), "{first} {last} was rejected");
        }
    }

    #[test]
    #[cfg_attr(not(feature = "english-messages"), ignore = "compares English messages, which this build leaves out")]
    fn a_name_longer_than_100_characters_is_rejected() {
        let request = SignatureRequest { first_name: "é".repeat(101), ..filled() };
        assert_eq!(
            errors_of(&request),
            vec![(Field::FirstName, "First name must be 100 characters or fewer".to_owned())]
        );
        let at_limit = SignatureRequest { first_name: "é".repeat(100), ..filled() };
        assert!(validate(&at_limit).is_ok());
    }

    #[test]
    fn a_name_with_control_characters_is_rejected() {
        let request = SignatureRequest { last_name: "Smith\u{0}".into(), ..filled() };
        assert_eq!(errors_of(&request)[0].0, Field::LastName);
    }

    #[test]
    #[cfg_attr(not(feature = "english-messages"), ignore = "compares English messages, which this build leaves out")]
    fn malformed_email_addresses_are_rejected() {
        for bad in [
            "amara",
            "amara@",
            "@example.org",
            "amara@example",
            "amara@@example.org",
            "amara @example.org",
            "amara@exa mple.org",
            "amara@example..org",
            "amara@-example.org",
            "amara@example.o",
            ".amara@example.org",
        ] {
            let request = SignatureRequest { email: bad.into(), ..filled() };
            assert_eq!(
                errors_of(&request),
                vec![(
                    Field::Email,
                    "Enter an email address in the correct format, like name@example.com".to_owned()
                )],
                "{bad} was accepted"
            );
        }
    }

    #[test]
    fn ordinary_email_addresses_are_accepted() {
        for good in ["a.b+petition@example.co.uk", "o'brien@example.org", "user@xn--bcher-kva.example"] {
            let request = SignatureRequest { email: good.into(), ..filled() };
            assert!(validate(&request).is_ok(), "{good} was rejected");
        }
    }

    #[test]
    fn internationalised_domains_are_accepted_and_pasted_spaces_and_foreign_full_stops_are_not() {
        for good in ["amara@bücher.example", "amara@例え.テスト", "amara@пример.рф", "amara@مثال.إختبار", "amara@i❤.ws"] {
            assert!(email(good).is_ok(), "{good} was rejected");
        }
        for bad in [
            "amara@exam\u{a0}ple.org",
            "amara@exam\u{200b}ple.org",
            "amara@example\u{feff}.org",
            "amara@example\u{3002}org.uk",
            "amara@example\u{ff0e}org.uk",
            "amara@example.org\u{202e}",
            "amara@bu\u{3000}cher.example",
        ] {
            assert_eq!(email(bad).unwrap_err().code, Problem::Format, "{bad:?} was accepted");
        }
    }

    #[test]
    fn every_character_once_allowed_in_a_domain_still_is() {
        let widened = (0..=u32::from(char::MAX)).filter_map(char::from_u32).filter(|&c| c.is_alphanumeric() || c == '-');
        for c in widened {
            assert!(domain_char(c), "{c:?} ({:x}) is no longer allowed", u32::from(c));
        }
    }

    #[test]
    #[cfg_attr(not(feature = "english-messages"), ignore = "compares English messages, which this build leaves out")]
    fn an_overlong_email_address_is_rejected() {
        let request = SignatureRequest { email: format!("{}@example.org", "a".repeat(250)), ..filled() };
        assert_eq!(errors_of(&request)[0].1, "Email address must be 254 characters or fewer");
    }

    #[test]
    fn uk_postcodes_of_every_shape_are_accepted_and_put_in_standard_form() {
        for (typed, standard) in [
            ("sw1a 1aa", "SW1A 1AA"),
            ("M1 1AE", "M1 1AE"),
            ("b338th", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            (" EC1A  1BB ", "EC1A 1BB"),
        ] {
            let valid = validate(&SignatureRequest { postcode: typed.into(), ..filled() }).unwrap();
            assert_eq!(valid.postcode, standard);
        }
    }

    /// The UK postcode rule as it was written first, collecting by
    /// iterator adapters.
    fn uk_postcode_by_adapters(value: &str) -> Option<String> {
        let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return None;
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let shape: String = outward.chars().map(|c| if c.is_ascii_digit() { '9' } else if c.is_ascii_alphabetic() { 'A' } else { '?' }).collect();
        let inward_ok = inward.as_bytes()[0].is_ascii_digit() && inward[1..].chars().all(|c| c.is_ascii_alphabetic());
        let outward_ok = matches!(shape.as_str(), "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A");
        (outward_ok && inward_ok).then(|| crate::concat(&[outward, " ", inward]))
    }

    #[test]
    fn the_uk_postcode_rule_decides_as_it_did_for_every_short_input() {
        // Every string of up to 7 of these: letters of both cases, a digit,
        // spaces (ASCII and not), punctuation, a letter beyond ASCII.
        let alphabet = ['a', 'B', '1', ' ', '\u{3000}', '?', 'é'];
        let mut accepted = 0;
        let mut text = String::new();
        for len in 0..=7u32 {
            for mut n in 0..alphabet.len().pow(len) {
                text.clear();
                for _ in 0..len {
                    text.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                let now = uk_postcode(&text);
                assert_eq!(now, uk_postcode_by_adapters(&text), "{text:?}");
                accepted += usize::from(now.is_some());
            }
        }
        assert!(accepted > 1000, "only {accepted} accepted: the alphabet misses the rule's shapes");
    }

    #[test]
    #[cfg_attr(not(feature = "english-messages"), ignore = "compares English messages, which this build leaves out")]
    fn a_uk_postcode_of_the_wrong_shape_is_rejected() {
        for bad in ["75001", "SW1A", "1AA SW1", "SW1A 1A1", "<script>", "EC1A 1BBB", "É1 6AN"] {
            let request = SignatureRequest { postcode: bad.into(), ..filled() };
            assert_eq!(
                errors_of(&request),
                vec![(Field::Postcode, "Enter a real UK postcode, like SW1A 1AA".to_owned())],
                "{bad} was accepted"
            );
        }
    }

    #[test]
    #[cfg_attr(not(feature = "english-messages"), ignore = "compares English messages, which this build leaves out")]
    fn outside_the_uk_a_postcode_is_free_text_and_may_be_empty() {
        for code in ["75001", "10115-1234", "", "〒100-0001"] {
            let request = SignatureRequest { postcode: code.into(), outside_uk: true, ..filled() };
            assert_eq!(validate(&request).unwrap().postcode, code.trim());
        }
        let long = SignatureRequest { postcode: "1".repeat(17), outside_uk: true, ..filled() };
        assert_eq!(errors_of(&long)[0].1, "Postcode must be 16 characters or fewer");
        let formula = SignatureRequest { postcode: "=HYPERLINK(1)".into(), outside_uk: true, ..filled() };
        assert_eq!(errors_of(&formula)[0].0, Field::Postcode);
    }

    #[test]
    #[cfg_attr(not(feature = "english-messages"), ignore = "compares English messages, which this build leaves out")]
    fn names_that_would_inject_into_a_spreadsheet_are_rejected() {
        for bad in ["=SUM(A1:A9)", "+44 7700", "-1", "@attacker"] {
            let request = SignatureRequest { first_name: bad.into(), ..filled() };
            assert_eq!(errors_of(&request), vec![(Field::FirstName, "First name must start with a letter".to_owned())], "{bad}");
        }
    }

    #[test]
    #[cfg_attr(not(feature = "english-messages"), ignore = "compares English messages, which this build leaves out")]
    fn web_addresses_are_not_names() {
        for bad in ["http://spam.example", "www.cheap-pills", "visit example.com now", "bit.ly/abc"] {
            let request = SignatureRequest { last_name: bad.into(), ..filled() };
            assert_eq!(errors_of(&request), vec![(Field::LastName, "Enter your last name, not a web address".to_owned())], "{bad}");
        }
        for good in ["J. R. R.", "St. John", "Mary-Jane", "D'Souza"] {
            assert!(validate(&SignatureRequest { first_name: good.into(), ..filled() }).is_ok(), "{good}");
        }
    }

    #[test]
    fn a_likely_typo_of_a_common_email_domain_gets_a_suggestion() {
        assert_eq!(email_suggestion("amara@gmial.com").as_deref(), Some("amara@gmail.com"));
        assert_eq!(email_suggestion("amara@hotmal.co.uk").as_deref(), Some("amara@hotmail.co.uk"));
        assert_eq!(email_suggestion("Amara.Okafor@yaho.com").as_deref(), Some("Amara.Okafor@yahoo.com"));
        assert_eq!(email_suggestion("amara@gmail.com"), None, "already right");
        assert_eq!(email_suggestion("amara@sky.com"), None, "the last domain is read too");
        assert_eq!(email_suggestion("amara@sky.con").as_deref(), Some("amara@sky.com"));
        assert_eq!(email_suggestion("amara@medact.org"), None, "not near a common domain");
        assert_eq!(email_suggestion("amara"), None);
    }

    #[test]
    fn short_plain_reasons_are_public_and_links_or_long_ones_are_held() {
        assert!(reason_is_public("Wrong in principle and a threat to public health."));
        assert!(!reason_is_public("Read more at https://example.com"));
        assert!(!reason_is_public("see example.com/truth"));
        assert!(!reason_is_public(&"long ".repeat(57)));
        assert!(reason_is_public(&"x".repeat(PUBLIC_REASON_MAX)));
        assert!(!reason_is_public("   "));
    }

    #[test]
    fn share_sources_are_kept_only_in_their_plain_shape() {
        assert_eq!(share_source("share-whatsapp"), "share-whatsapp");
        for bad in ["Share-X", "share x", "<script>", &"a".repeat(33)] {
            assert_eq!(share_source(bad), "", "{bad}");
        }
    }

    #[test]
    fn an_email_suggestion_never_blocks_signing() {
        let request = SignatureRequest { email: "amara@gmial.com".into(), ..filled() };
        assert!(validate(&request).is_ok());
    }

    #[test]
    #[cfg_attr(not(feature = "english-messages"), ignore = "compares English messages, which this build leaves out")]
    fn the_profession_is_optional_but_must_be_from_the_list() {
        assert!(validate(&SignatureRequest { profession: String::new(), ..filled() }).is_ok());
        for p in Profession::ALL {
            let valid = validate(&SignatureRequest { profession: p.code().into(), ..filled() }).unwrap();
            assert_eq!(valid.profession, Some(p));
        }
        let bad = SignatureRequest { profession: "astronaut".into(), ..filled() };
        assert_eq!(errors_of(&bad), vec![(Field::Profession, "Choose an answer from the list".to_owned())]);
    }

    #[test]
    #[cfg_attr(not(feature = "english-messages"), ignore = "compares English messages, which this build leaves out")]
    fn a_reason_longer_than_1000_characters_is_rejected() {
        let request = SignatureRequest { reason: "x".repeat(1001), ..filled() };
        assert_eq!(errors_of(&request)[0].1, "Your reason must be 1,000 characters or fewer");
        let multi_line = SignatureRequest { reason: "One.\nTwo.".into(), ..filled() };
        assert!(validate(&multi_line).is_ok());
    }

    #[test]
    fn canonical_email_ignores_case_and_surrounding_space() {
        assert_eq!(canonical_email("  Amara@Example.ORG\t"), "amara@example.org");
    }

    #[test]
    fn canonical_email_drops_what_known_providers_ignore() {
        for same in ["amara.okafor@gmail.com", "AmaraOkafor+petition@gmail.com", "a.m.a.r.a.okafor@googlemail.com"] {
            assert_eq!(canonical_email(same), "amaraokafor@gmail.com", "{same}");
        }
        assert_eq!(canonical_email("amara+nhs@outlook.com"), "amara@outlook.com");
        // Outlook keeps dots meaningful; other domains keep everything.
        assert_eq!(canonical_email("amara.o@outlook.com"), "amara.o@outlook.com");
        assert_eq!(canonical_email("amara.o+x@example.org"), "amara.o+x@example.org");
        assert_ne!(canonical_email("a.b@nhs.net"), canonical_email("ab@nhs.net"));
    }

    #[test]
    fn the_wire_names_match_the_serde_names() {
        for field in Field::ALL {
            let json = serde_json::to_string(&field).unwrap();
            assert_eq!(json, format!("\"{}\"", field.name()));
        }
        for p in Profession::ALL {
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.code()));
        }
    }
}
