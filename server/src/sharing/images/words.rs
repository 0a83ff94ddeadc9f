//! What the pictures say about a petition's count, in the widget's words in
//! the picture's language.

use petition_core::{colour, lang::text, Petition};

use crate::lang::Language;

/// The count in words: "12,345 signatures", "Closed with 12,345
/// signatures", or below the threshold "Be one of the first to sign".
pub fn count(petition: &Petition, t: &Language) -> String {
    let n = petition.signature_count;
    if petition.closed {
        t.count(text::CLOSED_WITH, n, &[])
    } else if petition.count_shown() {
        t.count(text::SIGNATURES, n, &[])
    } else {
        t.words(text::FIRST_SHORT).to_owned()
    }
}

/// Where the bar is heading: "Help us reach 25,000 signatures", or once
/// closed "Its goal was 25,000 signatures".
pub fn goal(petition: &Petition, t: &Language) -> String {
    t.count(if petition.closed { text::GOAL_CLOSED } else { text::GOAL }, petition.goal, &[])
}

/// The petition's accent colour as `#rrggbb`, rewritten from its parts (the
/// petition file's check already holds it to that), or the default.
pub fn accent(hex: &str) -> String {
    let [r, g, b] = colour::parse(hex)
        .or_else(|| colour::parse(colour::DEFAULT_ACCENT))
        .unwrap_or([0, 0, 0]);
    format!("#{r:02x}{g:02x}{b:02x}")
}
