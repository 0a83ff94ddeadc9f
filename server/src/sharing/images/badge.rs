//! The badge for newsletters and READMEs: "Sign the petition | 12,345
//! signed", the count on the petition's accent colour. Its size stays the
//! same as the count grows (up to 9,999,999), so a mail's `<img width
//! height>` written once stays right.

use askama::Template;
use petition_core::{lang::text, Petition};

use super::draw::{self, Span, Weight};
use super::words;
use crate::lang::Language;

/// Where everything goes, in CSS pixels (the PNG is twice this).
pub mod layout {
    /// The badge's height.
    pub const HEIGHT: u32 = 28;
    /// The text's size and baseline.
    pub const SIZE: u32 = 15;
    pub const BASELINE: u32 = 19;
    /// The space either side of each part's text.
    pub const PADDING: u32 = 11;
    /// The corners' radius.
    pub const RADIUS: u32 = 5;
}

/// The widest count the badge is sized for.
const WIDEST_COUNT: u64 = 9_999_999;

/// The badge as SVG: every field is escaped text or a number.
#[derive(Template)]
#[template(path = "share/badge.svg")]
struct Badge {
    accent: String,
    /// The invitation (or that it has closed), on dark, and the count on
    /// the accent colour: each part's text, its left edge and width. In a
    /// language written right to left the invitation is on the right.
    invitation: Vec<Span>,
    count: Vec<Span>,
    invitation_x: u32,
    left_width: u32,
    right_width: u32,
    /// What a screen reader says for the whole badge.
    label: String,
    lang: &'static str,
}

/// The badge's width, in CSS pixels, for a count of up to 9,999,999 (in
/// English, as the dashboard's snippets size it).
#[allow(dead_code)] // read by the dashboard's snippets, being written
pub fn width() -> u32 {
    let t = crate::lang::english();
    let (left, right) = widths(t, &t.count(text::BADGE_SIGNED, WIDEST_COUNT, &[]));
    left + right
}

/// The widths of the badge's parts, `right` in its right part: each as wide
/// as the widest of its words, in even pixels (so halves are whole).
fn widths(t: &Language, right: &str) -> (u32, u32) {
    let part = |texts: &[&str], weight| {
        let text = texts
            .iter()
            .map(|t| draw::width(t, weight, layout::SIZE as f32))
            .fold(0.0, f32::max);
        (text.ceil() as u32 + 2 * layout::PADDING).next_multiple_of(2)
    };
    let widest = t.count(text::BADGE_SIGNED, WIDEST_COUNT, &[]);
    (
        part(&[t.words(text::SIGN), t.words(text::BADGE_CLOSED)], Weight::Regular),
        part(&[&widest, t.words(text::BADGE_FIRST), right], Weight::Bold),
    )
}

/// The badge of `petition` (in `accent`) as SVG, in `t`'s words.
pub fn svg(petition: &Petition, accent: &str, t: &Language) -> String {
    let left = t.words(if petition.closed { text::BADGE_CLOSED } else { text::SIGN });
    let right = if petition.count_shown() {
        t.count(text::BADGE_SIGNED, petition.signature_count, &[])
    } else {
        t.words(text::BADGE_FIRST).to_owned()
    };
    let (left_width, right_width) = widths(t, &right);
    let invitation_x = if t.rtl { right_width } else { 0 };
    Badge {
        accent: words::accent(accent),
        label: format!("{left}: {right}"),
        invitation: draw::spans(&draw::directed(left, t.rtl), Weight::Regular),
        count: draw::spans(&draw::directed(&right, t.rtl), Weight::Bold),
        invitation_x,
        left_width: if t.rtl { right_width } else { left_width },
        right_width: if t.rtl { left_width } else { right_width },
        lang: t.code,
    }
    .render()
    .expect("the badge's template renders")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn petition(count: u64, closed: bool) -> Petition {
        Petition {
            slug: "s".into(),
            organiser: "O".into(),
            target: "T".into(),
            title: "T".into(),
            summary: String::new(),
            body: vec![],
            supported_by: vec![],
            ask_profession: false,
            goal: 10_000,
            signature_count: count,
            milestones: vec![],
            show_count_from: 10,
            healthcare_professionals: None,
            reasons: vec![],
            partners: vec![],
            share: None,
            next_action: None,
            confirm_by_email: false,
            closed,
            language: "en".into(),
            languages: vec!["en".into()],
        }
    }

    #[test]
    fn the_badge_says_the_count_and_keeps_its_size() {
        let en = crate::lang::english();
        let few = svg(&petition(3, false), "#0b57a4", en);
        let many = svg(&petition(1_234_567, false), "#0b57a4", en);
        assert!(few.contains(">Be one of the first<"), "{few}");
        assert!(many.contains(">1,234,567 signed<"), "{many}");
        assert!(many.contains(r#"aria-label="Sign the petition: 1,234,567 signed""#));
        let size = format!(r#"width="{}" height="28""#, width());
        assert!(few.contains(&size) && many.contains(&size), "{few}\n{many}");
        let closed = svg(&petition(3, true), "#0b57a4", en);
        assert!(closed.contains(">Petition closed<") && closed.contains(">3 signed<"));
    }

    #[test]
    fn a_count_beyond_the_sizing_widens_the_badge() {
        let huge = svg(&petition(123_456_789, false), "#0b57a4", crate::lang::english());
        assert!(huge.contains(">123,456,789 signed<"));
        assert!(!huge.contains(&format!(r#"width="{}""#, width())), "{huge}");
    }
}
