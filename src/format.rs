//! Numbers and dates in the reader's conventions, through the browser's own
//! `Intl` (no formatting tables in the wasm).

use js_sys::{Date, Number, Object, Reflect};
use wasm_bindgen::JsValue;

/// The widget's words are British English; numbers and dates follow suit.
const LOCALE: &str = "en-GB";

/// `12345` → `"12,345"`.
pub fn number(n: u64) -> String {
    Number::from(n as f64).to_locale_string(LOCALE).into()
}

/// `"2017-04-20T08:13:26Z"` → `"20 April 2017, 09:13"` in the reader's time
/// zone, or `None` if the text is not a date.
pub fn date_time(rfc3339: &str) -> Option<String> {
    let date = Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return None;
    }
    let options = Object::new();
    Reflect::set(&options, &"dateStyle".into(), &"long".into()).ok()?;
    Reflect::set(&options, &"timeStyle".into(), &"short".into()).ok()?;
    Some(date.to_locale_string(LOCALE, &options).into())
}

/// `"1 signature"`, `"2,500 signatures"`.
pub fn signatures(n: u64) -> String {
    format!("{} {}", number(n), if n == 1 { "signature" } else { "signatures" })
}
