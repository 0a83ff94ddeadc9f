//! The rules every signature field obeys, and the words used when one is broken.
//!
//! Validation is by construction: [`validate`] turns a [`SignatureRequest`] into a
//! [`ValidSignature`] or into one [`FieldError`] per broken field, in form order.
//! The widget runs it before sending; the server runs it again and never trusts
//! the widget. Messages follow the GOV.UK style: say what to do, name the field.

use serde::{Deserialize, Serialize};

use crate::api::{FieldError, SignatureRequest};

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

    /// The visible label.
    pub fn label(self) -> &'static str {
        match self {
            Field::FirstName => "First name",
            Field::LastName => "Last name (if you have one)",
            Field::Email => "Email address",
            Field::Postcode => "Postcode",
            Field::Profession => "Are you a healthcare professional? (optional)",
            Field::Reason => "Why are you signing? (optional)",
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
    pub fn label(self) -> &'static str {
        match self {
            Profession::Doctor => "Doctor",
            Profession::Nurse => "Nurse",
            Profession::Midwife => "Midwife",
            Profession::OtherHealthcare => "Other healthcare professional",
            Profession::NotHealthcare => "Not a healthcare professional",
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
    /// Postcode, trimmed, upper-cased.
    pub postcode: String,
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

/// Checks every field of `request` and reports all problems at once, in form order.
pub fn validate(request: &SignatureRequest) -> Result<ValidSignature, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut check = |field: Field, result: Result<String, String>| match result {
        Ok(value) => value,
        Err(message) => {
            errors.push(FieldError { field, message });
            String::new()
        }
    };
    let first_name = check(Field::FirstName, name(&request.first_name, ["first name", "First name"], true));
    let last_name = check(Field::LastName, name(&request.last_name, ["last name", "Last name"], false));
    let email = check(Field::Email, email(&request.email));
    let postcode = check(Field::Postcode, postcode(&request.postcode));
    let profession_code = request.profession.trim();
    let profession = if profession_code.is_empty() {
        None
    } else {
        let parsed = Profession::from_code(profession_code);
        if parsed.is_none() {
            check(Field::Profession, Err("Choose an answer from the list".into()));
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
        profession,
        reason,
        consent: request.consent,
    })
}

/// The words beside the consent box. Stored with every signature that ticks it,
/// so the organiser can show what each person agreed to.
pub fn consent_text(organiser: &str) -> String {
    format!("Keep me updated about this campaign by email from {organiser}")
}

/// The form of an address used to recognise the same person signing twice:
/// trimmed and lower-cased.
pub fn canonical_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// `what` is the field's name mid-sentence and at the start of one.
fn name(value: &str, [what, what_capitalised]: [&str; 2], required: bool) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return if required { Err(format!("Enter your {what}")) } else { Ok(String::new()) };
    }
    if value.chars().count() > NAME_MAX {
        return Err(format!("{what_capitalised} must be {NAME_MAX} characters or fewer"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{what_capitalised} must not contain special control characters"));
    }
    Ok(value.to_owned())
}

fn email(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("Enter your email address".into());
    }
    if value.len() > EMAIL_MAX {
        return Err(format!("Email address must be {EMAIL_MAX} characters or fewer"));
    }
    if !email_has_valid_shape(value) {
        return Err("Enter an email address in the correct format, like name@example.com".into());
    }
    Ok(value.to_owned())
}

/// A deliberately plain shape check: `local@domain.tld`, no spaces or control
/// characters, a domain of dot-separated labels. Whether the address exists is
/// for mail delivery to find out, not for a regex to guess.
fn email_has_valid_shape(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '"');
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2);
    local_ok && domain_ok
}

fn postcode(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("Enter your postcode".into());
    }
    if value.chars().count() > POSTCODE_MAX {
        return Err(format!("Postcode must be {POSTCODE_MAX} characters or fewer"));
    }
    if !value.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-') {
        return Err("Postcode must only include letters, numbers, spaces and hyphens".into());
    }
    // ASCII only: UK postcodes are ASCII, and other scripts have no case to fix.
    Ok(value.to_ascii_uppercase())
}

fn reason(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.chars().count() > REASON_MAX {
        return Err("Your reason must be 1,000 characters or fewer".into());
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err("Your reason must not contain special control characters".into());
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> SignatureRequest {
        SignatureRequest {
            first_name: "Amara".into(),
            last_name: "Okafor".into(),
            email: "amara@example.org".into(),
            postcode: "e1 6an".into(),
            profession: "nurse".into(),
            reason: "Patients must be able to trust their GP.".into(),
            consent: false,
        }
    }

    fn errors_of(request: &SignatureRequest) -> Vec<(Field, String)> {
        validate(request).unwrap_err().into_iter().map(|e| (e.field, e.message)).collect()
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
    fn an_overlong_email_address_is_rejected() {
        let request = SignatureRequest { email: format!("{}@example.org", "a".repeat(250)), ..filled() };
        assert_eq!(errors_of(&request)[0].1, "Email address must be 254 characters or fewer");
    }

    #[test]
    fn postcodes_allow_letters_digits_spaces_and_hyphens_only() {
        for good in ["SW1A 1AA", "75001", "10115-1234"] {
            assert!(validate(&SignatureRequest { postcode: good.into(), ..filled() }).is_ok());
        }
        let bad = SignatureRequest { postcode: "<script>".into(), ..filled() };
        assert_eq!(errors_of(&bad)[0].0, Field::Postcode);
        let long = SignatureRequest { postcode: "1".repeat(17), ..filled() };
        assert_eq!(errors_of(&long)[0].1, "Postcode must be 16 characters or fewer");
    }

    #[test]
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
