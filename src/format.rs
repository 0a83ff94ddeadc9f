//! Numbers and dates in the widget's words (British English).
//!
//! Dates go through the browser's `Intl.DateTimeFormat`, in the reader's
//! time zone. Making a page's first `Intl` formatter loads locale data, which
//! measured 35–60 ms on the benchmark machine, so dates are filled in just
//! after the widget is on screen ([`fill_dates`]), never during its first
//! render. Numbers only need a comma every three digits, done here for the
//! same reason.

use js_sys::{Array, Date, Function, Intl, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, ShadowRoot};

/// The widget's words are British English; dates follow suit.
const LOCALE: &str = "en-GB";

thread_local! {
    static DATE_TIME: Function = formatter(&[("dateStyle", "long"), ("timeStyle", "short")]);
    static DATE: Function = formatter(&[("dateStyle", "long")]);
}

fn formatter(options: &[(&str, &str)]) -> Function {
    let object = Object::new();
    for (key, value) in options {
        Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value)).ok();
    }
    Intl::DateTimeFormat::new(&Array::of1(&JsValue::from_str(LOCALE)), &object).format()
}

/// `12345` → `"12,345"` (the rule is core's, shared with the server's pages).
pub use petition_core::milestones::grouped as number;

fn with_intl(format: &'static std::thread::LocalKey<Function>, rfc3339: &str) -> Option<String> {
    let date = Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return None;
    }
    format.with(|format| format.call1(&JsValue::UNDEFINED, &date)).ok()?.as_string()
}

/// `"2017-04-20T08:13:26Z"` → `"20 April 2017 at 09:13"` in the reader's time
/// zone, or `None` if the text is not a date.
pub fn date_time(rfc3339: &str) -> Option<String> {
    with_intl(&DATE_TIME, rfc3339)
}

/// `"2017-04-20T08:13:26Z"` → `"20 April 2017"` in the reader's time zone.
pub fn date(rfc3339: &str) -> Option<String> {
    with_intl(&DATE, rfc3339)
}

/// Fills every `<time datetime=… data-format="date|date-time">` in `root`
/// with its words.
pub fn fill_dates(root: &ShadowRoot) {
    let Ok(times) = root.query_selector_all("time[data-format]") else { return };
    for n in 0..times.length() {
        let Some(time) = times.item(n).and_then(|t| t.dyn_into::<Element>().ok()) else { continue };
        let at = time.get_attribute("datetime").unwrap_or_default();
        let words = match time.get_attribute("data-format").as_deref() {
            Some("date") => date(&at),
            _ => date_time(&at),
        };
        time.set_text_content(words.as_deref());
    }
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
