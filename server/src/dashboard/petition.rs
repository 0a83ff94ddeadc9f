//! A petition's page (`/admin/petitions/{slug}`): its charts of counted
//! signatures by hour and by day, its figures by partner, share source and
//! profession, the milestone timeline, and the embed codes to copy.
//!
//! The charts are SVG drawn here, with a table of the same numbers beside
//! each for anyone who can't see them. The figures live in one fragment
//! (`/admin/petitions/{slug}/figures`) that the page's script fetches again
//! when the petition's count moves. A partner's account sees only the
//! petitions that list it, and on them only its own figures: every route
//! here reads through [`load`], which refuses anyone else.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use super::{
    forbidden,
    pages::{self, Nav},
    words::{day_words, grouped, time_words, MONTHS},
    Signed,
};
use crate::{
    http::AppState,
    sharing::snippets::Snippet,
    store::{self, Bucket, PetitionFigures, PetitionHead, StoreError},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/petitions/{slug}", get(page))
        .route("/admin/petitions/{slug}/figures", get(figures))
}

/// The whole page.
#[derive(Template)]
#[template(path = "admin/petition.html")]
struct Page {
    nav: Option<Nav>,
    view: View,
    /// Embed codes to copy: the account's own, or every one for an organiser.
    snippets: Vec<SnippetGroup>,
    /// The server, as a partner's Content-Security-Policy names it.
    server: String,
}

/// The part of the page that changes as people sign, on its own.
#[derive(Template)]
#[template(path = "admin/petition_figures.html")]
struct Figures {
    view: View,
}

/// No petition has that slug.
#[derive(Template)]
#[template(path = "admin/petition_missing.html")]
struct Missing {
    nav: Option<Nav>,
    slug: String,
}

async fn page(State(state): State<AppState>, signed: Signed, Path(slug): Path<String>) -> Response {
    match load(&state, &signed, &slug).await {
        Ok((head, view)) => {
            let snippets = snippets(&state.public_url, &head, signed.0.account.partner.as_deref());
            let server = state.public_url.trim_end_matches('/').to_owned();
            pages::render(&Page { nav: Nav::of(&signed.0), view, snippets, server })
        }
        Err(refused) => refused,
    }
}

/// The figures alone, for the page's script to put in place of its own.
async fn figures(State(state): State<AppState>, signed: Signed, Path(slug): Path<String>) -> Response {
    match load(&state, &signed, &slug).await {
        Ok((_, view)) => pages::render(&Figures { view }),
        Err(refused) => refused,
    }
}

/// The petition `slug` as `signed` may see it, or the page that says why
/// not: 404 if there is no such petition, 403 for a partner's account on a
/// petition that doesn't list that partner (checked before anything is
/// counted).
async fn load(state: &AppState, signed: &Signed, slug: &str) -> Result<(PetitionHead, View), Response> {
    let head = match store::petition_head(&state.db, slug).await {
        Ok(head) => head,
        Err(StoreError::NotFound) => {
            let missing = Missing { nav: Nav::of(&signed.0), slug: slug.to_owned() };
            return Err((StatusCode::NOT_FOUND, pages::render(&missing)).into_response());
        }
        Err(error) => return Err(crate::http::Error::from(error).into_response()),
    };
    if !signed.may_see(head.definition.partners.iter().map(|p| p.slug.as_str())) {
        return Err(forbidden("This petition does not list your organisation as a partner"));
    }
    let partner = signed.0.account.partner.as_deref();
    let figures = store::petition_figures(&state.db, &state.clock, &head, partner)
        .await
        .map_err(|error| crate::http::Error::from(error).into_response())?;
    let view = View::new(&head, figures, partner);
    Ok((head, view))
}

/// Everything the figures show, as the templates print it.
struct View {
    slug: String,
    title: String,
    open: bool,
    /// The partner whose account this is (its name), `None` for an organiser.
    partner: Option<String>,
    signature_count: String,
    goal: String,
    today: String,
    paper_count: Option<String>,
    healthcare: Option<String>,
    partners: Vec<PartnerRow>,
    sources: Option<SourceRows>,
    milestones: Vec<MilestoneRow>,
    hours: Chart,
    days: Chart,
    read_at: String,
}

struct PartnerRow {
    slug: String,
    name: String,
    signature_count: String,
    consented: String,
}

struct SourceRows {
    named: Vec<(String, String)>,
    other: Option<String>,
    without: String,
}

struct MilestoneRow {
    count: String,
    /// When it was reached (`datetime`, words), if it was and that is known.
    reached: Option<(String, String)>,
    /// Reached before its date was recorded.
    undated: bool,
}

impl View {
    fn new(head: &PetitionHead, figures: PetitionFigures, partner: Option<&str>) -> View {
        let definition = &head.definition;
        let partner_name = partner.map(|slug| {
            definition.partners.iter().find(|p| p.slug == slug).map_or_else(|| slug.to_owned(), |p| p.name.clone())
        });
        let whose = match &partner_name {
            Some(name) => format!("Counted signatures on {name}’s pages"),
            None => "Counted signatures".to_owned(),
        };
        let heading = |what: &str| match &partner_name {
            Some(name) => format!("On {name}’s pages: {what}"),
            None => format!("{}{}", what[..1].to_uppercase(), &what[1..]),
        };
        let hours = Chart::new(
            "hours",
            heading("the last 7 days, by hour"),
            format!("{whose} each hour, last 7 days (UTC)"),
            Span::Hours,
            &figures.hours,
            &figures.milestones,
        );
        let days = Chart::new(
            "days",
            heading("every day since it began"),
            format!("{whose} each day since the petition began (UTC)"),
            Span::Days,
            &figures.days,
            &figures.milestones,
        );
        View {
            slug: definition.slug.clone(),
            title: definition.title.clone(),
            open: figures.open,
            partner: partner_name,
            signature_count: grouped(figures.signature_count),
            goal: grouped(figures.goal),
            today: grouped(figures.today),
            paper_count: figures.paper_count.map(grouped),
            healthcare: figures.healthcare.filter(|_| definition.ask_profession).map(grouped),
            partners: figures
                .partners
                .into_iter()
                .map(|p| PartnerRow {
                    slug: p.slug,
                    name: p.name,
                    signature_count: grouped(p.signature_count),
                    consented: grouped(p.consented),
                })
                .collect(),
            sources: figures.sources.map(|s| SourceRows {
                named: s.named.into_iter().map(|(code, n)| (code, grouped(n))).collect(),
                other: (s.other > 0).then(|| grouped(s.other)),
                without: grouped(s.without),
            }),
            milestones: figures
                .milestones
                .iter()
                .map(|m| MilestoneRow {
                    count: grouped(m.count),
                    reached: m.reached_at.as_ref().map(|at| (at.clone(), time_words(at))),
                    undated: m.reached_at.is_none() && figures.signature_count >= m.count,
                })
                .collect(),
            hours,
            days,
            read_at: time_words(&figures.read_at),
        }
    }
}

impl View {
    /// The charts, in the order the page shows them.
    fn charts(&self) -> [&Chart; 2] {
        [&self.hours, &self.days]
    }
}

/// The embed codes for one set of pages: the campaign's own, or a partner's.
struct SnippetGroup {
    /// Whose pages, e.g. "Medact’s pages (signatures counted as theirs)".
    label: String,
    /// The script tag, the iframe and the link (see [`crate::sharing::snippets`]).
    snippets: Vec<Snippet>,
}

/// The embed codes `partner`'s account may copy: its own only; an
/// organiser gets the campaign's own and each partner's.
fn snippets(public_url: &str, head: &PetitionHead, partner: Option<&str>) -> Vec<SnippetGroup> {
    let definition = &head.definition;
    let codes = |of: Option<&str>| {
        crate::sharing::snippets::snippets(public_url, &definition.slug, &definition.title, of)
    };
    let own = SnippetGroup {
        label: "Your own pages (no partner)".to_owned(),
        snippets: codes(None),
    };
    let partners = definition
        .partners
        .iter()
        .filter(|p| partner.is_none_or(|mine| p.slug == mine))
        .map(|p| SnippetGroup {
            label: format!("{}’s pages (signatures counted as theirs)", p.name),
            snippets: codes(Some(&p.slug)),
        });
    partner
        .is_none()
        .then_some(own)
        .into_iter()
        .chain(partners)
        .collect()
}

/// Which chart: the hours of the last week, or every day of the petition.
#[derive(Clone, Copy, PartialEq)]
enum Span {
    Hours,
    Days,
}

/// A bar chart as the template draws it (SVG units, numbers as text) and
/// the table that says the same.
struct Chart {
    /// `hours` or `days`: the start of its elements' ids, and what its
    /// table lists.
    id: &'static str,
    /// The heading above it.
    heading: String,
    /// Its accessible name and the table's caption.
    name: String,
    /// Its description: the total, the busiest bar and the range.
    description: String,
    /// The table's first column.
    unit: &'static str,
    width: u32,
    height: u32,
    left: u32,
    right: u32,
    baseline: u32,
    bars: Vec<Bar>,
    /// Horizontal grid lines: their height and count.
    grid: Vec<Tick>,
    /// Labels along the bottom.
    axis: Vec<Tick>,
    markers: Vec<Marker>,
    rows: Vec<Row>,
}

struct Bar {
    x: String,
    y: String,
    width: String,
    height: String,
    title: String,
}

struct Tick {
    at: String,
    label: String,
    /// Where its text is anchored (`start`, `middle` or `end`).
    anchor: &'static str,
}

/// A milestone reached in a bar: a line up the bar, and its label.
struct Marker {
    x: String,
    label_x: String,
    label_y: u32,
    anchor: &'static str,
    /// The number of signatures (or numbers, if several were reached in the bar).
    label: String,
    /// What it says in full, for a pointer over it.
    title: String,
}

struct Row {
    datetime: String,
    label: String,
    count: String,
    milestones: String,
}

// The chart's frame, in SVG units: the bars fill the rest.
const WIDTH: u32 = 960;
const PLOT_HEIGHT: u32 = 204;
const LEFT: u32 = 64;
const RIGHT: u32 = 16;
/// Above the bars: room for the milestones' labels, if any.
const TOP: u32 = 64;
const TOP_WITHOUT_MILESTONES: u32 = 24;
const BOTTOM: u32 = 32;
/// The rows milestone labels take above the bars (their baselines).
const MARKER_ROWS: [u32; 3] = [18, 36, 54];
/// The width of a label along the bottom (`Wed 10 Jun`), about.
const LABEL_WIDTH: f64 = 90.0;
/// The width of one character of a milestone's (bold) label, about.
const MARKER_CHARACTER: f64 = 10.0;
/// Labels along the bottom of the daily chart, at most.
const DAY_LABELS: usize = 8;

impl Chart {
    fn new(
        id: &'static str,
        heading: String,
        name: String,
        span: Span,
        buckets: &[Bucket],
        milestones: &[petition_core::Milestone],
    ) -> Chart {
        let plot_height = f64::from(PLOT_HEIGHT);
        let plot_width = f64::from(WIDTH - LEFT - RIGHT);
        let slot = plot_width / buckets.len().max(1) as f64;
        let bar_width = (slot * 0.8).min(48.0);
        let (step, top) = scale(buckets.iter().map(|b| b.count).max().unwrap_or(0));
        let centre = |i: usize| f64::from(LEFT) + slot * (i as f64 + 0.5);
        let key = if span == Span::Hours { 13 } else { 10 };
        // Each bar's milestones, in order.
        let reached: Vec<Vec<u64>> = buckets
            .iter()
            .map(|b| {
                milestones
                    .iter()
                    .filter(|m| m.reached_at.as_deref().and_then(|at| at.get(..key)) == Some(b.start.as_str()))
                    .map(|m| m.count)
                    .collect()
            })
            .collect();
        let any_reached = reached.iter().any(|counts| !counts.is_empty());
        let baseline = PLOT_HEIGHT + if any_reached { TOP } else { TOP_WITHOUT_MILESTONES };
        let bars = buckets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let height = b.count as f64 / top as f64 * plot_height;
                Bar {
                    x: svg(centre(i) - bar_width / 2.0),
                    y: svg(f64::from(baseline) - height),
                    width: svg(bar_width),
                    height: svg(height),
                    title: format!("{}: {}", bucket_words(span, &b.start), signatures(b.count)),
                }
            })
            .collect();
        let grid = (0..=top / step)
            .map(|n| Tick {
                at: svg(f64::from(baseline) - (n * step) as f64 / top as f64 * plot_height),
                label: grouped(n * step),
                anchor: "end",
            })
            .collect();
        let axis = match span {
            // Each midnight, from it onwards.
            Span::Hours => buckets
                .iter()
                .enumerate()
                .filter(|(i, b)| {
                    b.start.ends_with("T00") && f64::from(LEFT) + slot * *i as f64 + LABEL_WIDTH < f64::from(WIDTH)
                })
                .map(|(i, b)| Tick {
                    at: svg(f64::from(LEFT) + slot * i as f64 + 3.0),
                    label: day_words(&b.start[..10], false),
                    anchor: "start",
                })
                .collect(),
            // A few days evenly spread, under their bars.
            Span::Days => {
                let every = buckets.len().div_ceil(DAY_LABELS).max(1);
                buckets
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % every == 0)
                    .map(|(i, b)| Tick {
                        at: svg(centre(i).clamp(f64::from(LEFT) + 40.0, f64::from(WIDTH - RIGHT) - 40.0)),
                        label: short_day(&b.start),
                        anchor: "middle",
                    })
                    .collect()
            }
        };
        let markers = place_markers(
            reached
                .iter()
                .enumerate()
                .filter(|(_, counts)| !counts.is_empty())
                .map(|(i, counts)| (centre(i), list(counts), bucket_words(span, &buckets[i].start))),
        );
        let rows = buckets
            .iter()
            .zip(&reached)
            .map(|(b, counts)| Row {
                datetime: if span == Span::Hours { format!("{}:00Z", b.start) } else { b.start.clone() },
                label: bucket_words(span, &b.start),
                count: grouped(b.count),
                milestones: list(counts),
            })
            .collect();
        Chart {
            id,
            heading,
            description: describe(span, buckets),
            name,
            unit: if span == Span::Hours { "Hour (UTC)" } else { "Day (UTC)" },
            width: WIDTH,
            height: baseline + BOTTOM,
            left: LEFT,
            right: WIDTH - RIGHT,
            baseline,
            bars,
            grid,
            axis,
            markers,
            rows,
        }
    }
}

/// Milestone markers at `(x, label, when)`, in order along the chart, each label
/// in the first row where it clears the one before it (or, if none does,
/// the row that ends soonest); near the right edge labels read leftwards.
fn place_markers(at: impl Iterator<Item = (f64, String, String)>) -> Vec<Marker> {
    let mut ends = [f64::MIN; MARKER_ROWS.len()];
    at.map(|(x, label, when)| {
        let width = label.chars().count() as f64 * MARKER_CHARACTER;
        let leftwards = x + 4.0 + width > f64::from(WIDTH);
        let (start, end) = if leftwards { (x - 4.0 - width, x - 4.0) } else { (x + 4.0, x + 4.0 + width) };
        let row = ends.iter().position(|&taken| taken + 8.0 <= start).unwrap_or_else(|| {
            (0..ends.len()).min_by(|&a, &b| ends[a].total_cmp(&ends[b])).unwrap_or(0)
        });
        ends[row] = end;
        Marker {
            x: svg(x),
            label_x: svg(if leftwards { x - 4.0 } else { x + 4.0 }),
            label_y: MARKER_ROWS[row],
            anchor: if leftwards { "end" } else { "start" },
            title: format!("{label} signatures reached: {when}"),
            label,
        }
    })
    .collect()
}

/// The grid's step and the chart's top for a highest bar of `max`: a round
/// step (1, 2 or 5 times a power of ten) giving at most 5 lines.
fn scale(max: u64) -> (u64, u64) {
    let mut power = 1;
    loop {
        for step in [power, 2 * power, 5 * power] {
            if max <= 4 * step {
                return (step, step * max.div_ceil(step).max(1));
            }
        }
        power *= 10;
    }
}

/// What a chart shows, in words: its total, its busiest bar and its range.
fn describe(span: Span, buckets: &[Bucket]) -> String {
    let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else { return "No signatures yet.".to_owned() };
    let total: u64 = buckets.iter().map(|b| b.count).sum();
    let range = format!("From {} to {}", bucket_words(span, &first.start), bucket_words(span, &last.start));
    match buckets.iter().rev().max_by_key(|b| b.count).filter(|b| b.count > 0) {
        Some(busiest) => {
            let which = if span == Span::Hours { "hour" } else { "day" };
            format!(
                "{range}: {} in all. The busiest {which}, {}, had {}.",
                signatures(total),
                bucket_words(span, &busiest.start),
                grouped(busiest.count)
            )
        }
        None => format!("{range}: no signatures."),
    }
}

/// `1 signature`, `12,345 signatures`.
fn signatures(n: u64) -> String {
    if n == 1 { "1 signature".to_owned() } else { format!("{} signatures", grouped(n)) }
}

/// `10`, `10 and 25`, `10, 25 and 50`.
fn list(counts: &[u64]) -> String {
    let words: Vec<String> = counts.iter().map(|&n| grouped(n)).collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// An SVG length, to a tenth.
fn svg(value: f64) -> String {
    format!("{value:.1}")
}

/// `2026-06-12` as `12 Jun`, for the daily chart's axis.
fn short_day(day: &str) -> String {
    let parsed = (|| {
        let (m, d) = (day.get(5..7)?.parse::<usize>().ok()?, day.get(8..10)?.parse::<u32>().ok()?);
        Some(format!("{d} {}", MONTHS.get(m.checked_sub(1)?)?))
    })();
    parsed.unwrap_or_else(|| day.to_owned())
}

/// A bucket's start in words: `Fri 12 Jun, 14:00` for an hour, `Fri 12 Jun 2026` for a day.
fn bucket_words(span: Span, start: &str) -> String {
    match (span, start.get(11..13)) {
        (Span::Hours, Some(hour)) => format!("{}, {hour}:00", day_words(start, false)),
        _ => day_words(start, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times_read_as_people_write_them() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(time_words("2026-06-12T14:03:59Z"), "Fri 12 Jun 2026, 14:03 UTC");
        assert_eq!(bucket_words(Span::Hours, "2026-06-12T09"), "Fri 12 Jun, 09:00");
        assert_eq!(bucket_words(Span::Days, "1970-01-01"), "Thu 1 Jan 1970");
        assert_eq!(short_day("2026-06-02"), "2 Jun");
        assert_eq!(day_words("not a day", true), "not a day");
        assert_eq!(list(&[10, 25, 50]), "10, 25 and 50");
    }

    #[test]
    fn the_scale_is_round_and_holds_the_highest_bar() {
        assert_eq!(scale(0), (1, 1));
        assert_eq!(scale(3), (1, 3));
        assert_eq!(scale(7), (2, 8));
        assert_eq!(scale(17), (5, 20));
        assert_eq!(scale(1234), (500, 1500));
    }
}
