//! The widget's words in the reader's language.
//!
//! English is compiled in: every [`Text`] carries its English words, so an
//! English reader costs no request and no `Intl` object (the first one a
//! page makes loads locale data: 35–60 ms, see `format.rs`). Every other
//! language is a file `xtask build` writes from `lang/{code}.json`:
//! `pkg/lang/{FILES_DIGEST}/{code}.json`, `{"code", "name", "dir", "intl"?,
//! "texts": [...]}`, the widget section as an array by [`Text::index`] (a
//! plain text a string, a counting text an object of CLDR plural forms),
//! fetched once the language is chosen and cached for ever (its address
//! changes with any language file).
//!
//! Which language: [`Wanted`] (a choice made in the widget and remembered,
//! the page's `data-lang` or `<html lang>`, the browser's languages), then
//! the petition's own default, matched by core's [`negotiate`] against
//! every language there is a file for. A text missing or malformed in a
//! file reads in English, never as its key.

use std::borrow::Cow;

use js_sys::{Array, JsString};
use petition_core::lang::{self, text, Text};
use petition_core::{concat, join, pieces, trim};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = PluralRules)]
    type PluralRules;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = PluralRules, catch)]
    fn new(locale: &str) -> Result<PluralRules, JsValue>;
    #[wasm_bindgen(method)]
    fn select(this: &PluralRules, n: f64) -> String;

    #[wasm_bindgen(js_namespace = Intl, js_name = NumberFormat)]
    type NumberFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = NumberFormat, catch)]
    fn new(locale: &str) -> Result<NumberFormat, JsValue>;

    #[wasm_bindgen(js_namespace = Intl, js_name = ListFormat)]
    type ListFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = ListFormat, catch)]
    fn new(locale: &str) -> Result<ListFormat, JsValue>;
    #[wasm_bindgen(static_method_of = ListFormat, js_namespace = Intl, js_class = ListFormat, js_name = supportedLocalesOf, catch)]
    fn list_locales(locale: &str) -> Result<Array, JsValue>;

    /// Any of `Intl`'s formatters (of numbers, lists, dates): each has a
    /// `format`, and one binding of it serves them all.
    type Formatter;
    #[wasm_bindgen(method, catch)]
    fn format(this: &Formatter, value: &JsValue) -> Result<String, JsValue>;
}

/// `value` in words by `formatter`, one of `Intl`'s; `None` if it throws (a
/// date out of range).
pub fn format(formatter: &JsValue, value: &JsValue) -> Option<String> {
    formatter.unchecked_ref::<Formatter>().format(value).ok()
}

/// One language's words, and its rules for numbers, plurals and lists.
pub struct Lang {
    /// Its code, as its file is named (`"cy"`, `"zh-Hant"`); `"en"` for English.
    pub code: String,
    /// Its name in its own script (`"Cymraeg"`).
    pub name: String,
    /// Whether it is written right to left.
    pub rtl: bool,
    /// The tag `Intl` knows it by (the file's `intl`, or its code).
    intl: String,
    /// The widget section's texts, in `lang/en.json`'s order; `None` for English.
    texts: Option<Array>,
    /// Made with the language rather than when first needed: made lazily,
    /// in a `OnceCell` each, they cost 0.3 KB of the wasm to put off making
    /// two objects. `None` for English (whose plurals and grouping are
    /// written by hand) or where `Intl` refuses the language.
    plural: Option<PluralRules>,
    number: Option<NumberFormat>,
}

impl Lang {
    /// English, compiled in.
    pub fn english() -> Lang {
        Lang::new(lang::ENGLISH.into(), "English".into(), false, lang::ENGLISH.into(), None)
    }

    fn new(code: String, name: String, rtl: bool, intl: String, texts: Option<Array>) -> Lang {
        let (plural, number) = match texts {
            Some(_) => (PluralRules::new(&intl).ok(), NumberFormat::new(&intl).ok()),
            None => (None, None),
        };
        Lang { code, name, rtl, intl, texts, plural, number }
    }

    /// Language `code` from its built file, parsed; `None` if it isn't one.
    pub fn from_file(code: &str, file: &JsValue) -> Option<Lang> {
        let get = |name: &str| Some(crate::dom::get(file, name)).filter(|v| !v.is_undefined());
        let texts = get("texts").filter(Array::is_array)?;
        let string = |name: &str| get(name).and_then(|v| v.as_string());
        Some(Lang::new(
            code.into(),
            string("name").unwrap_or_else(|| code.into()),
            string("dir").as_deref() == Some("rtl"),
            string("intl").unwrap_or_else(|| code.into()),
            Some(texts.unchecked_into()),
        ))
    }

    /// Whether this is English, compiled in.
    pub fn is_english(&self) -> bool {
        self.texts.is_none()
    }

    /// The locale dates are written in: British English for English.
    pub fn locale(&self) -> &str {
        if self.is_english() {
            "en-GB"
        } else {
            &self.intl
        }
    }

    /// `text`'s words (a counting text's for "other").
    ///
    /// (These take a text by reference, `&text::SIGN`: each of a hundred
    /// calls then passes one address of a constant in the wasm's data,
    /// where a `Text` passed by value was built on the stack field by field
    /// at every call; 268 B of the download.)
    pub fn t(&self, text: &Text) -> Cow<'static, str> {
        self.words(text, None)
    }

    /// `text`'s words for `n` (by the language's plural rules).
    pub fn t_count(&self, text: &Text, n: u64) -> Cow<'static, str> {
        self.words(text, Some(n))
    }

    fn words(&self, text: &Text, n: Option<u64>) -> Cow<'static, str> {
        if let Some(texts) = &self.texts {
            let words = texts.get_unchecked(text.index as u32);
            let words = if words.is_object() {
                let form = |name: &str| crate::dom::get(&words, name).as_string();
                let category = n.map(|n| self.category(n));
                category.and_then(|c| form(&c)).or_else(|| form("other"))
            } else {
                words.as_string()
            };
            if let Some(words) = words.filter(|w| !trim(w).is_empty()) {
                return Cow::Owned(words);
            }
        }
        Cow::Borrowed(text.english().for_count(n.unwrap_or(0)))
    }

    /// `text` for `n`, its placeholders filled: `{count}` with `n` in words
    /// of this language, the others from `values`.
    pub fn say(&self, text: &Text, n: u64, values: &[(&str, &str)]) -> String {
        // `{count}` first, then the rest (no vector of them all to build);
        // a value put in by the second is not read again, as before.
        let counted = lang::fill(&self.t_count(text, n), &[("count", &self.number(n))]);
        lang::fill(&counted, values)
    }

    /// `text` with its placeholders filled from `values`.
    pub fn fill(&self, text: &Text, values: &[(&str, &str)]) -> String {
        lang::fill(&self.t(text), values)
    }

    /// The CLDR plural category of `n`: English's by hand (no `Intl`).
    fn category(&self, n: u64) -> String {
        if self.is_english() {
            return if n == 1 { "one" } else { "other" }.into();
        }
        self.plural.as_ref().map_or_else(|| "other".into(), |rules| rules.select(n as f64))
    }

    /// `n` with the language's digits and grouping (`12,345`, `١٢٬٣٤٥`).
    pub fn number(&self, n: u64) -> String {
        if !self.is_english() {
            if let Some(words) = self.number.as_ref().and_then(|f| format(f, &JsValue::from_f64(n as f64))) {
                return words;
            }
        }
        petition_core::milestones::grouped(n)
    }

    /// `["A", "B", "C"]` joined as the language joins a list ("A, B and C"),
    /// or by commas where the browser doesn't know how (rather than by
    /// another language's "and").
    pub fn list(&self, items: &[&str]) -> String {
        if !self.is_english() {
            let array: Array = items.iter().map(|item| JsString::from(*item)).collect();
            let known = ListFormat::list_locales(&self.intl).is_ok_and(|l| l.length() > 0);
            let words = ListFormat::new(&self.intl).ok().and_then(|f| format(&f, &array));
            return match words {
                Some(words) if known => words,
                _ => join(items, ", "),
            };
        }
        match items {
            [] => String::new(),
            [one] => (*one).into(),
            [rest @ .., last] => concat(&[&join(rest, ", "), " and ", last]),
        }
    }

    /// `value` kept apart from the words around it in a right-to-left
    /// language (an address, a name in another script): between the
    /// invisible first-strong isolate and its closing mark.
    pub fn isolate(&self, value: &str) -> String {
        if self.rtl {
            concat(&["\u{2068}", value, "\u{2069}"])
        } else {
            value.into()
        }
    }
}

/// The languages a visitor wants, most wanted first, by where each wish
/// came from.
#[derive(Default)]
pub struct Wanted {
    /// Chosen in the widget's language control, and remembered.
    pub chosen: Option<String>,
    /// The page's: its `data-lang` on the host, else `<html lang>`.
    pub page: Option<String>,
    /// The browser's (`navigator.languages`).
    pub browser: Vec<String>,
}

impl Wanted {
    /// What the page, the browser and a remembered choice say, for the
    /// widget in `host` on the server at `origin`.
    pub fn of(host: &web_sys::Element, origin: &str) -> Wanted {
        let window = crate::dom::window();
        let chosen = crate::memory::chosen_language(origin);
        let page = host.get_attribute("data-lang").filter(|l| !l.is_empty()).or_else(|| {
            let html = host.owner_document()?.document_element()?;
            html.get_attribute("lang")
        });
        let mut browser = Vec::new();
        let languages = crate::dom::get(&window.navigator(), "languages");
        if Array::is_array(&languages) {
            for language in languages.unchecked_into::<Array>().iter() {
                if let Some(language) = language.as_string() {
                    browser.push(language);
                }
            }
        }
        Wanted { chosen, page, browser }
    }

    /// Every wish, most wanted first, as `?lang=` sends them: well-formed
    /// tags only, each once, at most eight. (www/embed.js makes the same
    /// list, so its early fetch of the petition is the one the widget needs.)
    pub fn list(&self) -> Vec<&str> {
        let mut list: Vec<&str> = Vec::new();
        for tag in self.chosen.iter().chain(&self.page).chain(&self.browser) {
            let well_formed =
                (1..=35).contains(&tag.len()) && petition_core::every(tag, |b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if well_formed && list.len() < 8 && !list.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                list.push(tag);
            }
        }
        list
    }

    /// The first of `tags` the widget has a language for, as core's
    /// `negotiate` finds it. (A slice, not any iterator, and a loop over
    /// core's `lookup`: each kind of iterator was a copy of this and of
    /// core's `negotiate`.)
    pub fn pick(tags: &[&str]) -> Option<&'static str> {
        let mut available = Vec::new();
        for code in pieces(CODES, b' ').filter(|c| !c.is_empty()) {
            available.push(code);
        }
        for tag in tags {
            if let Some(code) = lang::lookup(tag, &available) {
                return Some(code);
            }
        }
        None
    }

    /// The language the browser prefers, when the page's language won but
    /// the browser would rather read another the widget has: the one to
    /// offer. `None` when the reader chose one in the widget.
    pub fn offer(&self, shown: &str) -> Option<&'static str> {
        if self.chosen.is_some() || Wanted::pick(self.page.as_deref().as_slice()) != Some(shown) {
            return None;
        }
        self.browser.iter().find_map(|tag| Wanted::pick(&[tag.as_str()])).filter(|b| *b != shown)
    }
}

// `CODES` and `RTL`: the languages there are files for, from build.rs (as
// core's `text::LANGUAGES`, in a quarter of the bytes).
include!(concat!(env!("OUT_DIR"), "/languages.rs"));

/// Whether `code` is written right to left.
pub fn rtl(code: &str) -> bool {
    pieces(RTL, b' ').any(|c| !c.is_empty() && c.eq_ignore_ascii_case(code))
}

/// The built language file of `code`, on the server at `pkg`.
pub fn file_url(pkg: &str, code: &str) -> String {
    concat(&[pkg, "/pkg/lang/", text::FILES_DIGEST, "/", code, ".json"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// A language as its built file would give it, with `texts` in core's order.
    fn language(code: &str, dir: &str, texts: &[(Text, &str)]) -> Lang {
        let array = Array::new_with_length(text::WIDGET.len() as u32);
        for (text, words) in texts {
            let value = if words.starts_with("{") { js_sys::JSON::parse(words).unwrap() } else { JsValue::from_str(words) };
            array.set(text.index as u32, value);
        }
        let file = js_sys::Object::new();
        js_sys::Reflect::set(&file, &"texts".into(), &array).unwrap();
        js_sys::Reflect::set(&file, &"dir".into(), &dir.into()).unwrap();
        js_sys::Reflect::set(&file, &"name".into(), &"Cymraeg".into()).unwrap();
        Lang::from_file(code, &file).unwrap()
    }

    #[wasm_bindgen_test]
    fn english_is_compiled_in_and_counts_by_hand() {
        let en = Lang::english();
        assert_eq!(en.t(&text::SIGN), "Sign the petition");
        assert_eq!(en.say(&text::SIGNATURES, 1, &[]), "1 signature");
        assert_eq!(en.say(&text::SIGNATURES, 12_345, &[]), "12,345 signatures");
        // What a person typed goes in as it is, even where it looks like a placeholder.
        assert_eq!(
            en.say(text::THANKS_COUNTED_NAMED, 2, &[("name", "{count}")]),
            "{count}, your signature is on the petition, with 2 signatures in all."
        );
        assert_eq!(en.list(&["A", "B", "C"]), "A, B and C");
        assert_eq!(en.locale(), "en-GB");
        assert_eq!(en.isolate("x"), "x");
    }

    #[wasm_bindgen_test]
    fn a_language_counts_by_its_own_plural_rules_and_writes_its_own_numbers() {
        let plural = r#"{"zero": "{count} llofnod (0)", "one": "{count} llofnod (1)", "two": "{count} lofnod (2)", "few": "{count} llofnod (3)", "many": "{count} llofnod (6)", "other": "{count} llofnod"}"#;
        let cy = language("cy", "ltr", &[(text::SIGN, "Llofnodwch y ddeiseb"), (text::SIGNATURES, plural)]);
        assert_eq!(cy.t(&text::SIGN), "Llofnodwch y ddeiseb");
        let forms: Vec<String> = [0, 1, 2, 3, 6, 7, 1000].iter().map(|n| cy.say(&text::SIGNATURES, *n, &[])).collect();
        assert_eq!(forms, ["0 llofnod (0)", "1 llofnod (1)", "2 lofnod (2)", "3 llofnod (3)", "6 llofnod (6)", "7 llofnod", "1,000 llofnod"]);
        let fa = language("fa", "rtl", &[]);
        assert!(fa.rtl);
        assert_eq!(fa.number(12_345), "۱۲٬۳۴۵");
        assert_eq!(fa.isolate("Amara"), "\u{2068}Amara\u{2069}");
        assert_eq!(language("de", "ltr", &[]).list(&["A", "B", "C"]), "A, B und C");
    }

    #[wasm_bindgen_test]
    fn a_text_missing_or_malformed_reads_in_english_never_as_its_key() {
        let broken = language("cy", "ltr", &[(text::SIGN, "   "), (text::RETRY, r#"{"few": "x"}"#), (text::SIGNATURES, r#"{"one": "{count} llofnod"}"#)]);
        assert_eq!(broken.t(&text::SIGN), "Sign the petition", "empty");
        assert_eq!(broken.t(&text::LOADING), "Loading the petition…", "missing");
        assert_eq!(broken.t(&text::RETRY), "Try again", "an object without the form needed");
        assert_eq!(broken.say(&text::SIGNATURES, 1, &[]), "1 llofnod");
        assert_eq!(broken.say(&text::SIGNATURES, 5, &[]), "5 signatures", "no \"other\": English");
        let not_a_file = js_sys::JSON::parse(r#"{"texts": "nope"}"#).unwrap();
        assert!(Lang::from_file("cy", &not_a_file).is_none());
    }

    #[wasm_bindgen_test]
    fn wishes_are_listed_once_each_well_formed_and_matched_with_aliases() {
        let wanted = Wanted {
            chosen: Some("cy".into()),
            page: Some("en-GB".into()),
            browser: vec!["CY".into(), "fa-AF".into(), "<script>".into(), "pt-BR".into()],
        };
        assert_eq!(wanted.list(), ["cy", "en-GB", "fa-AF", "pt-BR"]);
        assert_eq!(wanted.offer("cy"), None, "chosen in the widget: nothing to offer");
        let page = Wanted { chosen: None, page: Some("en".into()), browser: vec!["cy-GB".into()] };
        assert_eq!(Wanted::pick(&page.list()), Some("en"));
        if CODES.split(' ').any(|c| c == "cy") {
            assert_eq!(page.offer("en"), Some("cy"), "the browser's language offered");
        }
        let same = Wanted { chosen: None, page: Some("en".into()), browser: vec!["en-US".into()] };
        assert_eq!(same.offer("en"), None);
    }

    #[wasm_bindgen_test]
    fn the_languages_are_cores() {
        let ours: Vec<&str> = CODES.split_terminator(' ').collect();
        let cores: Vec<&str> = petition_core::lang::codes().collect();
        assert_eq!(ours, cores);
        for code in ours {
            assert_eq!(rtl(code), petition_core::lang::is_rtl(code), "{code}");
        }
    }
}
