//! The server's words in every language: the catalogue of `lang/*.json`,
//! compiled in (see `build.rs`) and read once, and each language's way with
//! numbers, plural forms, dates and lists (ICU4X, with CLDR's data compiled
//! in).
//!
//! A text is named by core's [`Text`] constant. A language that lacks a
//! text (a file being written, a new text not yet translated) says it in
//! English: a person never reads a key's name, and never an empty line.
//!
//! Which language a page is in is decided by [`for_page`]: what its
//! address asks for (`?lang=`), then what the person's browser prefers
//! (`Accept-Language`), then the page's own default.

use std::sync::{LazyLock, OnceLock};

use fixed_decimal::Decimal;
use icu_datetime::{fieldsets::YMD, input::Date, DateTimeFormatter};
use icu_decimal::DecimalFormatter;
use icu_list::{options::ListFormatterOptions, ListFormatter};
use icu_locale_core::Locale;
use icu_plurals::{PluralCategory, PluralRules};
use petition_core::lang::{fill, negotiate, text, Section, Text, Words, ENGLISH};
use serde_json::Value;

/// One text's words in one language.
#[derive(Debug)]
enum Entry {
    Plain(String),
    /// By CLDR plural category.
    Plural(Vec<(PluralCategory, String)>),
}

/// One language: its name, direction and texts, and its formatters (made
/// the first time they are needed).
pub struct Language {
    /// Its code, as its file is named: `cy`, `zh-Hant`.
    pub code: &'static str,
    /// Its name in its own script: "Cymraeg".
    pub name: String,
    /// Its name in English: "Welsh".
    pub english_name: String,
    /// Written right to left.
    pub rtl: bool,
    /// The tag CLDR knows it by, for its formats (the file's `intl`, else its code).
    intl: String,
    widget: Vec<Option<Entry>>,
    server: Vec<Option<Entry>>,
    formats: OnceLock<Formats>,
}

/// A language's formatters; any of them may be missing from CLDR's data,
/// and then English's way is used.
struct Formats {
    plurals: Option<PluralRules>,
    numbers: Option<DecimalFormatter>,
    dates: Option<DateTimeFormatter<YMD>>,
    lists: Option<ListFormatter>,
}

/// Every language there is a file for, by code.
static LANGUAGES: LazyLock<Vec<Language>> = LazyLock::new(|| {
    let mut languages: Vec<Language> = text::FILES.iter().filter_map(|(code, text)| read(code, text)).collect();
    if !languages.iter().any(|l| l.code == ENGLISH) {
        languages.push(english_only());
    }
    languages
});

/// The codes of every language, for negotiation.
static CODES: LazyLock<Vec<&'static str>> = LazyLock::new(|| LANGUAGES.iter().map(|l| l.code).collect());

/// English as compiled into core, should its file be missing.
fn english_only() -> Language {
    Language {
        code: ENGLISH,
        name: "English".into(),
        english_name: "English".into(),
        rtl: false,
        intl: "en-GB".into(),
        widget: Vec::new(),
        server: Vec::new(),
        formats: OnceLock::new(),
    }
}

/// A language file read into a [`Language`]; `None` (logged) if it is not
/// a language file at all. Texts that are missing, or of the wrong shape,
/// are left out, to be said in English.
fn read(code: &'static str, text: &str) -> Option<Language> {
    let file: Value = match serde_json::from_str(text) {
        Ok(file) => file,
        Err(error) => {
            tracing::error!(code, %error, "a language file is not JSON: it is left out");
            return None;
        }
    };
    let about = &file["language"];
    let named = |key: &str| about[key].as_str().filter(|s| !s.trim().is_empty()).map(str::to_owned);
    let section = |name: &str, texts: &[Text]| -> Vec<Option<Entry>> {
        texts.iter().map(|t| entry(&file[name][t.key()], t.english())).collect()
    };
    Some(Language {
        code,
        name: named("name").unwrap_or_else(|| code.to_owned()),
        english_name: named("english_name").unwrap_or_else(|| code.to_owned()),
        rtl: about["dir"] == "rtl",
        // The English source is British English.
        intl: named("intl").unwrap_or_else(|| if code == ENGLISH { "en-GB".to_owned() } else { code.to_owned() }),
        widget: section("widget", &text::WIDGET),
        server: section("server", &text::SERVER),
        formats: OnceLock::new(),
    })
}

/// One text's words from its file: a string for a plain text, an object of
/// plural forms for a counting one (as English has it).
fn entry(value: &Value, english: Words) -> Option<Entry> {
    match (value, english) {
        (Value::String(words), Words::Plain(_)) if !words.trim().is_empty() => Some(Entry::Plain(words.clone())),
        (Value::Object(forms), Words::Plural { .. }) => {
            let forms: Vec<(PluralCategory, String)> = forms
                .iter()
                .filter_map(|(category, words)| {
                    let words = words.as_str().filter(|w| !w.trim().is_empty())?;
                    Some((PluralCategory::get_for_cldr_string(category)?, words.to_owned()))
                })
                .collect();
            // "other" is the form every language has: without it, English.
            forms.iter().any(|(c, _)| *c == PluralCategory::Other).then_some(Entry::Plural(forms))
        }
        _ => None,
    }
}

/// The language called `code` (as spelt in its file, case aside), if there
/// is a file for it.
pub fn find(code: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|l| l.code.eq_ignore_ascii_case(code))
}

/// English: every text's words, always.
pub fn english() -> &'static Language {
    find(ENGLISH).expect("English is always in the catalogue")
}

/// Every language there is a file for, by code.
pub fn all() -> &'static [Language] {
    &LANGUAGES
}

/// The codes of every language there is a file for.
pub fn codes() -> &'static [&'static str] {
    &CODES
}

/// The tags of an `Accept-Language` header, most wanted first (by `q`,
/// ties in the header's order); `*` and tags refused with `q=0` left out.
pub fn preferences(header: &str) -> Vec<String> {
    let mut tags: Vec<(u16, usize, String)> = header
        .split(',')
        .enumerate()
        .filter_map(|(at, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next()
                .map_or(Some(1000), |q| q.trim().parse::<f32>().ok().map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16))?;
            let plausible = !tag.is_empty() && tag != "*" && tag.len() <= 35 && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            (plausible && weight > 0).then(|| (weight, at, tag.to_owned()))
        })
        .take(20)
        .collect();
    tags.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.into_iter().map(|(_, _, tag)| tag).collect()
}

/// The language of a server page: the first the page's address asks for
/// (`?lang=`, comma-separated tags), then `stored` (a signature's, for the
/// pages its mail's links open), then the browser's (`Accept-Language`),
/// then `default`'s if there is a file for it, else English.
pub fn for_page(asked: Option<&str>, stored: Option<&str>, accept_language: Option<&str>, default: &str) -> &'static Language {
    let asked = asked.into_iter().flat_map(|asked| asked.split(',')).map(str::trim).take(20);
    let preferred = accept_language.map(preferences).unwrap_or_default();
    let wanted = asked.chain(stored.filter(|s| !s.is_empty())).chain(preferred.iter().map(String::as_str)).chain([default]);
    negotiate(wanted, codes()).and_then(find).unwrap_or_else(english)
}

/// The `Accept-Language` of a request, if it has a readable one.
pub fn accept_language(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok())
}

impl Language {
    /// `ltr` or `rtl`, for `dir` attributes.
    pub fn dir(&self) -> &'static str {
        if self.rtl {
            "rtl"
        } else {
            "ltr"
        }
    }

    fn entry(&self, text: Text) -> Option<&Entry> {
        let entries = match text.section {
            Section::Widget => &self.widget,
            Section::Server => &self.server,
        };
        entries.get(text.index as usize).and_then(Option::as_ref)
    }

    /// `text`'s words (a counting text's "other" form), in English if this
    /// language lacks it.
    pub fn words(&self, text: Text) -> &str {
        match self.entry(text) {
            Some(Entry::Plain(words)) => words,
            Some(Entry::Plural(forms)) => forms.iter().find(|(c, _)| *c == PluralCategory::Other).map_or("", |(_, w)| w),
            None => text.english().for_count(u64::MAX),
        }
    }

    /// `text`'s words with its placeholders filled from `values`.
    pub fn fill(&self, text: Text, values: &[(&str, &str)]) -> String {
        fill(self.words(text), values)
    }

    /// `text`'s form for `count` by this language's plural rules, with
    /// `{count}` as this language writes `count`, and the other
    /// placeholders filled from `values`.
    pub fn count(&self, text: Text, count: u64, values: &[(&str, &str)]) -> String {
        let number = self.number(count);
        let mut all = vec![("count", number.as_str())];
        all.extend_from_slice(values);
        fill(self.form(text, count), &all)
    }

    /// The words of `text` before and after its placeholder `{name}`, for a
    /// value shown as an element of its own (a title in bold); all its
    /// words before, if it has no such placeholder.
    pub fn around(&self, text: Text, name: &str) -> (&str, &str) {
        let words = self.words(text);
        petition_core::lang::around(words, name).unwrap_or((words, ""))
    }

    /// What to do about a field's `error`, in this language.
    pub fn field_error(&self, error: &petition_core::FieldError) -> String {
        let max = self.number(error.params.max.unwrap_or(0));
        match error.text() {
            Some(text) => self.fill(*text, &error.values(&max)),
            None => error.message.clone(),
        }
    }

    /// `text`'s plural form for `count`, unfilled.
    pub fn form(&self, text: Text, count: u64) -> &str {
        match self.entry(text) {
            Some(Entry::Plural(forms)) => {
                let category = self.formats().plurals.as_ref().map_or(PluralCategory::Other, |rules| rules.category_for(count));
                let other = || forms.iter().find(|(c, _)| *c == PluralCategory::Other);
                forms.iter().find(|(c, _)| *c == category).or_else(other).map_or("", |(_, w)| w)
            }
            Some(Entry::Plain(words)) => words,
            None => text.english().for_count(count),
        }
    }

    /// `n` as this language writes a whole number: its digits and grouping
    /// ("12,345", "12.345", "١٢٬٣٤٥").
    pub fn number(&self, n: u64) -> String {
        match &self.formats().numbers {
            Some(numbers) => numbers.format(&Decimal::from(n)).to_string(),
            None => petition_core::milestones::grouped(n),
        }
    }

    /// The day of `at` (RFC 3339; the day in UTC) as this language writes a
    /// date in full ("20 April 2017", "20 Ebrill 2017"), in its usual
    /// calendar; `None` if `at` is not a time.
    pub fn date(&self, at: &str) -> Option<String> {
        let time = humantime::parse_rfc3339_weak(at).ok()?;
        let day = humantime::format_rfc3339(time).to_string();
        let (year, month, date) = (day.get(..4)?.parse().ok()?, day.get(5..7)?.parse().ok()?, day.get(8..10)?.parse().ok()?);
        let date = Date::try_new_iso(year, month, date).ok()?;
        match &self.formats().dates {
            Some(dates) => Some(dates.format(&date).to_string()),
            None => english().formats().dates.as_ref().map(|dates| dates.format(&date).to_string()),
        }
    }

    /// `items` as one phrase, "A, B and C", in this language's way.
    pub fn list<S: AsRef<str>>(&self, items: &[S]) -> String {
        let items = items.iter().map(AsRef::as_ref);
        match &self.formats().lists {
            Some(lists) => lists.format(items).to_string(),
            None => items.collect::<Vec<_>>().join(", "),
        }
    }

    fn formats(&self) -> &Formats {
        self.formats.get_or_init(|| {
            let locale: Locale = self.intl.parse().or_else(|_| self.code.parse()).unwrap_or(icu_locale_core::locale!("und"));
            Formats {
                plurals: PluralRules::try_new_cardinal((&locale).into()).ok(),
                numbers: DecimalFormatter::try_new((&locale).into(), Default::default()).ok(),
                dates: DateTimeFormatter::try_new((&locale).into(), YMD::long()).ok(),
                lists: ListFormatter::try_new_and((&locale).into(), ListFormatterOptions::default()).ok(),
            }
        })
    }
}

impl std::fmt::Debug for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Language").field("code", &self.code).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petition_core::lang::placeholders;

    #[test]
    fn english_is_always_there_with_every_text() {
        let en = english();
        assert_eq!(en.words(text::CONFIRM_BUTTON), "Confirm my signature");
        assert_eq!(en.count(text::SIGNATURES, 1, &[]), "1 signature");
        assert_eq!(en.count(text::SIGNATURES, 12_345, &[]), "12,345 signatures");
        assert_eq!(en.date("2017-04-20T08:13:26Z").as_deref(), Some("20 April 2017"));
        assert_eq!(en.date("yesterday"), None);
        assert_eq!(en.list(&["A", "B", "C"]), "A, B and C");
        assert!(!en.rtl);
    }

    #[test]
    fn accept_language_is_read_by_its_weights() {
        assert_eq!(preferences("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5"), ["fr-CH", "fr", "en", "de"]);
        assert_eq!(preferences("en;q=0.1, cy"), ["cy", "en"]);
        assert_eq!(preferences("ar;q=0, pl"), ["pl"]);
        assert_eq!(preferences("<script>, pl;q=abc, ro"), ["ro"]);
        assert!(preferences("").is_empty());
    }

    #[test]
    fn a_page_language_is_asked_then_stored_then_preferred_then_the_default() {
        let page = |asked, stored, accept, default| for_page(asked, stored, accept, default).code;
        assert_eq!(page(Some("cy"), None, Some("pt"), "en"), "cy");
        assert_eq!(page(Some("xx"), None, Some("pt-BR, en;q=0.5"), "en"), "pt");
        assert_eq!(page(None, None, Some("zh-TW"), "en"), "zh-Hant");
        assert_eq!(page(None, Some("ar"), Some("zh-TW"), "en"), "ar");
        assert_eq!(page(None, None, Some("x-klingon"), "cy"), "cy");
        assert_eq!(page(Some("de-CH,pt"), None, None, "en"), "de");
        assert_eq!(page(None, None, None, "x-klingon"), "en", "English when nothing else serves");
    }

    /// A value for each placeholder a text may have.
    fn sample(name: &str) -> &'static str {
        match name {
            "title" => "Stop sharing",
            "target" => "The Government",
            "organiser" => "Doctors of the World UK",
            "email" => "amara@example.org",
            "page" | "url" => "https://example.org/remove",
            "button" => "Press",
            "names" | "who" => "A and B",
            "date" => "3 March 2026",
            "done" => "5",
            "max" => "100",
            "hashtag" => "StopSharing",
            "name" => "Amara",
            _ => "x",
        }
    }

    #[test]
    fn every_text_renders_in_every_language_with_nothing_left_to_fill() {
        let languages = all();
        assert!(languages.len() > 40, "every language file is compiled in");
        for language in languages {
            for text in text::SERVER.iter().chain(text::WIDGET.iter()).copied() {
                let english_names = placeholders(text.english().for_count(2)).into_iter().chain(placeholders(text.english().for_count(1)));
                let plural = matches!(text.english(), Words::Plural { .. });
                let mut names: Vec<&str> = english_names.filter(|n| !plural || *n != "count").collect();
                names.sort_unstable();
                names.dedup();
                let values: Vec<(&str, &str)> = names.iter().map(|n| (*n, sample(n))).collect();
                let rendered: Vec<String> = match text.english() {
                    Words::Plain(_) => vec![language.fill(text, &values)],
                    Words::Plural { .. } => {
                        [0, 1, 2, 3, 11, 100, 1_000_000].iter().map(|&n| language.count(text, n, &values)).collect()
                    }
                };
                for words in rendered {
                    assert!(!words.trim().is_empty(), "{}: {} is empty", language.code, text.key());
                    for name in names.iter().copied().chain(["count"]) {
                        assert!(!words.contains(&format!("{{{name}}}")), "{}: {} leaves {{{name}}}: {words}", language.code, text.key());
                    }
                }
            }
            assert!(language.date("2026-03-03T10:00:00Z").is_some_and(|d| !d.is_empty()), "{}", language.code);
            assert!(!language.number(1_000_000).is_empty());
            assert!(language.list(&["A", "B", "C"]).contains('C'));
        }
    }
}
