//! The link preview (`og:image`): 1200×630, the size Facebook, X, LinkedIn,
//! Slack and WhatsApp all crop least. The organiser, the title, the live
//! count and the progress bar in the petition's accent colour, the
//! petition's short address and, while it is open, "Sign the petition".

use askama::Template;
use petition_core::{lang::text, milestones, Petition};

use super::draw::{self, Span, Weight};
use super::words;
use crate::lang::Language;

use layout::*;

/// Where everything goes, in pixels: read by the code that sets the text and
/// by the template that draws it.
pub mod layout {
    /// The picture's width and height.
    pub const WIDTH: u32 = 1200;
    pub const HEIGHT: u32 = 630;
    /// The space on each side.
    pub const MARGIN: u32 = 72;
    /// The width everything is set in, and its right edge.
    pub const CONTENT: u32 = WIDTH - 2 * MARGIN;
    pub const RIGHT: u32 = WIDTH - MARGIN;
    /// The band of accent colour along the top.
    pub const BAND: u32 = 16;
    /// The title's sizes, largest first, each with the lines it may take:
    /// the first that holds the whole title is used, else the last, cut
    /// with "…".
    pub const TITLE_SIZES: [(u32, usize); 4] = [(80, 2), (68, 3), (58, 4), (50, 4)];
    /// Where the title's first line starts (its capitals' top).
    pub const TITLE_TOP: u32 = 126;
    /// The organiser's line: size and baseline.
    pub const ORGANISER_SIZE: u32 = 30;
    pub const ORGANISER_Y: u32 = 94;
    /// The count (left) and the goal (right) above the bar: sizes, baseline.
    pub const COUNT_SIZE: u32 = 44;
    pub const GOAL_SIZE: u32 = 28;
    pub const COUNT_Y: u32 = 488;
    /// The progress bar: its top and height (its ends are round).
    pub const BAR_TOP: u32 = 508;
    pub const BAR_HEIGHT: u32 = 28;
    /// The address (left) and the button (right) at the bottom: text size
    /// and baseline.
    pub const FOOT_SIZE: u32 = 28;
    pub const FOOT_Y: u32 = 598;
    /// The "Sign the petition" button: top, height, padding either side.
    pub const BUTTON_TOP: u32 = 560;
    pub const BUTTON_HEIGHT: u32 = 56;
    pub const BUTTON_PADDING: u32 = 28;
    /// The least space between two pieces of text on one row.
    pub const GAP: u32 = 32;
}

/// One line of the title, with its baseline.
struct Line {
    y: u32,
    text: Vec<Span>,
}

/// The preview as SVG: every field is escaped text or a number.
#[derive(Template)]
#[template(path = "share/preview.svg")]
struct Preview {
    accent: String,
    lang: &'static str,
    /// Where a line starts (the left edge, or the right in a language
    /// written right to left) and ends, each with its `text-anchor`.
    start_x: u32,
    start_anchor: &'static str,
    end_x: u32,
    end_anchor: &'static str,
    organiser: Vec<Span>,
    title_size: u32,
    title: Vec<Line>,
    count: Vec<Span>,
    goal: Option<Vec<Span>>,
    /// The filled part of the bar: its left edge and width in pixels.
    fill_x: u32,
    fill: u32,
    address: Vec<Span>,
    /// The button's left edge and width, while the petition is open.
    button: Option<(u32, u32)>,
    sign: Vec<Span>,
}

/// The preview of `petition` (in `accent`), whose page is at `address`
/// (shown without its scheme), as SVG, in `t`'s words: laid out from the
/// right in a language written right to left. The petition's own texts are
/// in its language (`petition.language`), which sets their direction.
pub fn svg(petition: &Petition, accent: &str, address: &str, t: &Language) -> String {
    let text_rtl = petition_core::lang::is_rtl(&petition.language);
    let (title_size, title) = title(&petition.title, text_rtl);
    let count = words::count(petition, t);
    let goal = words::goal(petition, t);
    let count_width = draw::width(&count, Weight::Bold, COUNT_SIZE as f32);
    let goal_width = draw::width(&goal, Weight::Regular, GOAL_SIZE as f32);
    // The goal gives way to the count when both don't fit on one row.
    let goal = (count_width + (GAP as f32) + goal_width <= CONTENT as f32).then_some(goal);
    let count = draw::fit(&count, Weight::Bold, COUNT_SIZE as f32, CONTENT as f32);
    let sign = t.words(text::SIGN);

    let button_width = (!petition.closed).then(|| draw::width(sign, Weight::Bold, FOOT_SIZE as f32).ceil() as u32 + 2 * BUTTON_PADDING);
    let button = button_width.map(|width| if t.rtl { (MARGIN, width) } else { (WIDTH - MARGIN - width, width) });
    let address_room = button_width.map_or(CONTENT, |width| CONTENT - width - GAP);
    let address = draw::fit(
        address
            .trim_start_matches("https://")
            .trim_start_matches("http://"),
        Weight::Regular,
        FOOT_SIZE as f32,
        address_room as f32,
    );
    let fill = fill(petition);
    let (start_x, start_anchor, end_x, end_anchor) = if t.rtl { (RIGHT, "end", MARGIN, "start") } else { (MARGIN, "start", RIGHT, "end") };
    let organiser = draw::fit(&petition.organiser, Weight::Bold, ORGANISER_SIZE as f32, CONTENT as f32);
    Preview {
        accent: words::accent(accent),
        lang: t.code,
        start_x,
        start_anchor,
        end_x,
        end_anchor,
        organiser: draw::spans(&draw::directed(&organiser, t.rtl), Weight::Bold),
        title_size,
        title,
        count: draw::spans(&draw::directed(&count, t.rtl), Weight::Bold),
        goal: goal.map(|goal| draw::spans(&draw::directed(&goal, t.rtl), Weight::Regular)),
        fill_x: if t.rtl { RIGHT - fill } else { MARGIN },
        fill,
        address: draw::spans(&address, Weight::Regular),
        button,
        sign: draw::spans(&draw::directed(sign, t.rtl), Weight::Bold),
    }
    .render()
    .expect("the preview's template renders")
}

/// The title in the largest size that holds it, as lines with baselines
/// (each a line of its own direction: `rtl` for a language written right
/// to left).
fn title(text: &str, rtl: bool) -> (u32, Vec<Line>) {
    let mut chosen = (0, Vec::new());
    for (size, max_lines) in TITLE_SIZES {
        let (lines, cut) = draw::wrap(text, Weight::Bold, size as f32, CONTENT as f32, max_lines);
        chosen = (size, lines);
        if !cut {
            break;
        }
    }
    let (size, lines) = chosen;
    // Arabic script reaches further below the line (the dots under ي):
    // its lines are set further apart, so they never touch.
    let line_height = if rtl { size * 3 / 2 } else { size * 6 / 5 };
    let lines = lines
        .into_iter()
        .enumerate()
        .map(|(i, text)| Line {
            // Noto Sans's capitals are about 0.71 of its size tall: the
            // first line's capitals start at TITLE_TOP.
            y: TITLE_TOP + size * 3 / 4 + i as u32 * line_height,
            text: draw::spans(&draw::directed(&text, rtl), Weight::Bold),
        })
        .collect();
    (size, lines)
}

/// How much of the bar is filled, in pixels: none while the count is
/// hidden, else at least a round end's worth once anyone has signed.
fn fill(petition: &Petition) -> u32 {
    if !petition.count_shown() {
        return 0;
    }
    let permille = milestones::progress_permille(petition.signature_count, petition.goal);
    let fill = CONTENT * permille / 1000;
    if petition.signature_count > 0 {
        fill.max(BAR_HEIGHT)
    } else {
        fill
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The demo petition's view with `count` signatures.
    pub(super) fn petition(count: u64) -> Petition {
        Petition {
            slug: "stop-sharing".into(),
            organiser: "Doctors of the World UK".into(),
            target: "The Government".into(),
            title: "Stop using NHS patients’ personal information for immigration enforcement."
                .into(),
            summary: String::new(),
            body: vec![],
            supported_by: vec![],
            ask_profession: false,
            goal: milestones::goal_for(count, &[10_000, 25_000]),
            signature_count: count,
            milestones: vec![],
            show_count_from: 10,
            healthcare_professionals: None,
            reasons: vec![],
            partners: vec![],
            share: None,
            next_action: None,
            confirm_by_email: false,
            closed: false,
            language: "en".into(),
            languages: vec!["en".into()],
        }
    }

    #[test]
    fn the_count_and_the_bar_follow_the_signatures() {
        let svg = svg(
            &petition(12_345),
            "#b3261e",
            "https://example.org/p/stop-sharing",
            crate::lang::english(),
        );
        assert!(svg.contains(">12,345 signatures<"), "{svg}");
        assert!(svg.contains(">Help us reach 25,000 signatures<"), "{svg}");
        assert!(svg.contains(">example.org/p/stop-sharing<"), "{svg}");
        assert!(svg.contains(">Sign the petition<"), "{svg}");
        // 12,345 of 25,000 is 493‰ of the 1056 px bar.
        assert!(
            svg.contains(r##"width="520" height="28" rx="14" fill="#b3261e""##),
            "{svg}"
        );
        assert_eq!(fill(&petition(10)), BAR_HEIGHT, "the first signatures show");
    }

    #[test]
    fn below_its_threshold_the_count_is_an_invitation() {
        let svg = svg(&petition(3), "#0b57a4", "https://example.org/p/x", crate::lang::english());
        assert!(svg.contains(">Be one of the first to sign<"), "{svg}");
        assert!(!svg.contains(">3 "), "{svg}");
        assert_eq!(fill(&petition(3)), 0);
    }

    #[test]
    fn a_closed_petition_says_what_it_reached_and_asks_no_one() {
        let mut closed = petition(3);
        closed.closed = true;
        let svg = svg(&closed, "#0b57a4", "https://example.org/p/x", crate::lang::english());
        assert!(svg.contains(">Closed with 3 signatures<"), "{svg}");
        assert!(svg.contains(">Its goal was 10,000 signatures<"), "{svg}");
        assert!(!svg.contains("Sign the petition"), "{svg}");
    }

    #[test]
    fn a_title_with_markup_is_text() {
        let mut hostile = petition(50);
        hostile.title = r#"<script>alert('x')</script> "quoted" & 'single' ]]> <!--"#.into();
        hostile.organiser = "<b>Org</b> & co".into();
        let svg = svg(&hostile, "#0b57a4\"/><script>", "https://example.org/p/x", crate::lang::english());
        assert!(!svg.contains("<script") && !svg.contains("<b>") && !svg.contains("<!--"));
        assert!(
            svg.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"),
            "{svg}"
        );
        assert!(
            svg.contains(r##"fill="#0b57a4""##),
            "an unusable colour falls back"
        );
    }
}

