//! Numbers and dates in the widget's words (British English): `12,345` and
//! `20 April 2017 at 09:13`.
//!
//! Done here rather than with `Intl`: the first `Intl` formatter a page makes
//! loads locale data, which measured 50–70 ms of the widget's start-up on the
//! benchmark machine, for words that are English anyway. The date's parts come
//! from `Date`'s local-time getters, so times are in the reader's time zone.

use js_sys::Date;
use wasm_bindgen::JsValue;

const MONTHS: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
];

/// `12345` → `"12,345"`.
pub fn number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `"2017-04-20T08:13:26Z"` → `"20 April 2017 at 09:13"` in the reader's time
/// zone, or `None` if the text is not a date.
pub fn date_time(rfc3339: &str) -> Option<String> {
    let date = Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return None;
    }
    let month = MONTHS.get(date.get_month() as usize)?;
    Some(format!(
        "{} {month} {} at {:02}:{:02}",
        date.get_date(),
        date.get_full_year(),
        date.get_hours(),
        date.get_minutes()
    ))
}

/// `"2017-04-20T08:13:26Z"` → `"20 April 2017"` in the reader's time zone.
pub fn date(rfc3339: &str) -> Option<String> {
    let date = Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return None;
    }
    Some(format!("{} {} {}", date.get_date(), MONTHS.get(date.get_month() as usize)?, date.get_full_year()))
}

/// `"1 signature"`, `"2,500 signatures"`.
pub fn signatures(n: u64) -> String {
    format!("{} {}", number(n), if n == 1 { "signature" } else { "signatures" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn numbers_are_grouped_in_thousands() {
        let cases = [(0, "0"), (7, "7"), (999, "999"), (1_000, "1,000"), (70_512, "70,512"), (1_234_567, "1,234,567")];
        for (n, words) in cases {
            assert_eq!(number(n), words);
        }
        assert_eq!(signatures(1), "1 signature");
        assert_eq!(signatures(10_000), "10,000 signatures");
    }

    // `cargo xtask test` runs the browser with TZ=Europe/London, where April
    // 2017 was on British Summer Time: the reader sees their own clock.
    #[wasm_bindgen_test]
    fn dates_are_in_words_in_the_readers_time_zone() {
        assert_eq!(date_time("2017-04-20T08:13:26Z").as_deref(), Some("20 April 2017 at 09:13"));
        assert_eq!(date_time("2017-01-05T23:05:00Z").as_deref(), Some("5 January 2017 at 23:05"));
        assert_eq!(date_time("not a date"), None);
        assert_eq!(date("2017-04-20T23:30:00Z").as_deref(), Some("21 April 2017"), "after midnight in London");
    }
}
