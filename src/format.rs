//! Dates in the widget's language (British English for English).
//!
//! Dates go through the browser's `Intl.DateTimeFormat`, in the reader's
//! time zone. Making a page's first `Intl` formatter loads locale data, which
//! measured 35–60 ms on the benchmark machine, so dates are filled in just
//! after the widget is on screen ([`fill_dates`]), never during its first
//! render. English numbers only need a comma every three digits, done by
//! core's `grouped` for the same reason (`i18n::Lang::number`); other
//! languages' numbers, plurals and lists go through `Intl` in `i18n.rs`.

use js_sys::{Array, Date, Intl, Object};
use wasm_bindgen::{prelude::wasm_bindgen, JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["Intl", "DateTimeFormat"], js_name = supportedLocalesOf)]
    fn date_locales(locale: &str) -> Array;
}
use web_sys::{Element, ShadowRoot};

/// A formatter of dates in `locale`, by `options`. Where the browser has no
/// words for that language's dates (Chromium has none for Welsh, Somali,
/// Pashto and a dozen more), digits instead, day first ("20/04/2017,
/// 09:13"), rather than another language's month names.
fn formatter(locale: &str, options: &[(&str, &str)]) -> Intl::DateTimeFormat {
    let object = Object::new();
    let known = date_locales(locale).length() > 0;
    for (key, value) in options {
        let value = if known { value } else { "short" };
        crate::dom::put(&object, key, &JsValue::from_str(value));
    }
    Intl::DateTimeFormat::new(&Array::of1(&JsValue::from_str(if known { locale } else { "en-GB" })), &object)
}

/// `rfc3339` in words of `locale` in the reader's time zone, by `format`,
/// or `None` if the text is not a date.
fn with_intl(format: &Intl::DateTimeFormat, rfc3339: &str) -> Option<String> {
    // Not a date: formatting it throws (a RangeError), and that is `None`.
    crate::i18n::format(format, &Date::new(&JsValue::from_str(rfc3339)))
}

/// Fills every `<time datetime=… data-format="date|date-time">` in `root`
/// with its words in `locale` (`"en-GB"`: "20 April 2017 at 09:13").
pub fn fill_dates(root: &ShadowRoot, locale: &str) {
    let times = crate::dom::all(root, "time[data-format]");
    if times.length() == 0 {
        return;
    }
    let date_time = formatter(locale, &[("dateStyle", "long"), ("timeStyle", "short")]);
    let date = formatter(locale, &[("dateStyle", "long")]);
    for n in 0..times.length() {
        let time = times.get_unchecked(n).unchecked_into::<Element>();
        let at = time.get_attribute("datetime").unwrap_or_default();
        let format = if time.get_attribute("data-format").as_deref() == Some("date") { &date } else { &date_time };
        time.set_text_content(with_intl(format, &at).as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    // `cargo xtask test` runs the browser with TZ=Europe/London, where April
    // 2017 was on British Summer Time: the reader sees their own clock.
    #[wasm_bindgen_test]
    fn dates_are_in_words_in_the_readers_time_zone() {
        let date_time = |at: &str| with_intl(&formatter("en-GB", &[("dateStyle", "long"), ("timeStyle", "short")]), at);
        let date = |at: &str| with_intl(&formatter("en-GB", &[("dateStyle", "long")]), at);
        assert_eq!(date_time("2017-04-20T08:13:26Z").as_deref(), Some("20 April 2017 at 09:13"));
        assert_eq!(date_time("2017-01-05T23:05:00Z").as_deref(), Some("5 January 2017 at 23:05"));
        assert_eq!(date_time("not a date"), None);
        assert_eq!(date("2017-04-20T23:30:00Z").as_deref(), Some("21 April 2017"), "after midnight in London");
        // In Welsh words where the browser has them, else in digits: never in English.
        let welsh = with_intl(&formatter("cy", &[("dateStyle", "long")]), "2017-04-20T08:13:26Z").unwrap();
        assert!(["20 Ebrill 2017", "20/04/2017"].contains(&welsh.as_str()), "{welsh}");
        let arabic = with_intl(&formatter("ar", &[("dateStyle", "long")]), "2017-04-20T08:13:26Z").unwrap();
        assert!(arabic.contains("أبريل"), "{arabic}");
    }
}
