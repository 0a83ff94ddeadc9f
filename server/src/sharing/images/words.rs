//! What the pictures say about a petition's count, in the widget's words.

use petition_core::{colour, milestones::grouped, Petition};

/// The invitation on the preview and the badge.
pub const SIGN: &str = "Sign the petition";

/// Whether the count is shown: from the petition's `show_count_from` on,
/// and always once it has closed (what it reached, however few), as the
/// widget does.
pub fn counted(petition: &Petition) -> bool {
    petition.signature_count >= petition.show_count_from || petition.closed
}

/// "12,345 signatures" or "1 signature".
pub fn signatures(n: u64) -> String {
    match n {
        1 => "1 signature".to_owned(),
        n => format!("{} signatures", grouped(n)),
    }
}

/// The count in words: "12,345 signatures", "Closed with 12,345
/// signatures", or below the threshold "Be one of the first to sign".
pub fn count(petition: &Petition) -> String {
    let n = petition.signature_count;
    if petition.closed {
        format!("Closed with {}", signatures(n))
    } else if counted(petition) {
        signatures(n)
    } else {
        "Be one of the first to sign".to_owned()
    }
}

/// Where the bar is heading: "Help us reach 25,000 signatures", or once
/// closed "Its goal was 25,000 signatures".
pub fn goal(petition: &Petition) -> String {
    let lead = if petition.closed {
        "Its goal was"
    } else {
        "Help us reach"
    };
    format!("{lead} {}", signatures(petition.goal))
}

/// The petition's accent colour as `#rrggbb`, rewritten from its parts (the
/// petition file's check already holds it to that), or the default.
pub fn accent(hex: &str) -> String {
    let [r, g, b] = colour::parse(hex)
        .or_else(|| colour::parse(colour::DEFAULT_ACCENT))
        .unwrap_or([0, 0, 0]);
    format!("#{r:02x}{g:02x}{b:02x}")
}
