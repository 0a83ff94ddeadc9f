//! Numbers and times as the dashboard's pages write them: `12,345`,
//! `Fri 12 Jun 2026, 14:03 UTC`. Times are stored as RFC 3339 UTC text and
//! shown in UTC, saying so.

/// A number with commas between thousands: `12,345`, as the widget writes it.
pub(super) use petition_core::milestones::grouped;

pub(super) const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/// From 1 January 1970, a Thursday.
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// `2026-06-12` as `Fri 12 Jun` (`Fri 12 Jun 2026` with `year`); anything
/// else as it is.
pub(super) fn day_words(day: &str, year: bool) -> String {
    let parsed = (|| {
        let (y, m, d) = (day.get(..4)?, day.get(5..7)?.parse::<usize>().ok()?, day.get(8..10)?.parse::<u32>().ok()?);
        let midnight = humantime::parse_rfc3339(&format!("{}T00:00:00Z", day.get(..10)?)).ok()?;
        let weekday = WEEKDAYS[(crate::clock::unix_seconds(midnight).div_euclid(86_400).rem_euclid(7)) as usize];
        let month = MONTHS.get(m.checked_sub(1)?)?;
        Some(if year { format!("{weekday} {d} {month} {y}") } else { format!("{weekday} {d} {month}") })
    })();
    parsed.unwrap_or_else(|| day.to_owned())
}

/// An RFC 3339 time in words: `Fri 12 Jun 2026, 14:03 UTC`.
pub(super) fn time_words(at: &str) -> String {
    match at.get(11..16) {
        Some(time) => format!("{}, {time} UTC", day_words(at, true)),
        None => at.to_owned(),
    }
}


/// The templates' filters: `{{ n|grouped }}`, `{{ at|when }}`.
pub(super) mod filters {
    use std::borrow::Borrow;

    /// `1204` as `1,204`.
    #[askama::filter_fn]
    pub fn grouped(n: impl Borrow<u64>, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::grouped(*n.borrow()))
    }

    /// `2026-06-12T14:03:59Z` as `Fri 12 Jun 2026, 14:03 UTC`.
    #[askama::filter_fn]
    pub fn when(at: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::time_words(&at.to_string()))
    }
}
