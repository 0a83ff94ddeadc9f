//! Every language file against the English source, `lang/en.json`: the
//! same texts, none empty, the same placeholders, the plural forms the
//! language's rules need (CLDR's, by ICU4X), the campaign's terms kept,
//! and nothing left in English unless the file says the words really are
//! the same. `cargo test -p petition-core --test languages` runs it alone;
//! each problem is named with its file and key.

use std::{collections::BTreeSet, path::Path};

use icu_locale_core::Locale;
use icu_plurals::{PluralCategory, PluralRules};
use petition_core::lang::{placeholders, Words};
use serde_json::{Map, Value};

/// The languages the widget offers: the UK's own, those of people who seek
/// asylum or sanctuary here, every official language of the EU, and more.
const REQUIRED: [&str; 81] = [
    "en", "cy", "gd", "ga", // the UK's
    "ar", "fa", "prs", "ps", "ckb", "kmr", "ur", "bn", "pa", "gu", "ta", "ne", "si", "so", "ti", "am", "om", "tr", "sq",
    "vi", "zh-Hans", "zh-Hant", "my", "uk", "ru", "ka", "ln", "fr", "pt", "es", // sanctuary
    "bg", "hr", "cs", "da", "nl", "et", "fi", "de", "el", "hu", "it", "lv", "lt", "mt", "pl", "ro", "sk", "sl",
    "sv", // the rest of the EU's
    "nb", "is", "he", "hi", "ja", "ko", "th", "id", "ms", "fil", "sw", "yo", "ha", "ig", "zu", "xh", "af", "sr", "bs",
    "mk", "ca", "eu", "gl", "hy", "az", "uz", "kk", "km",
];

/// Written right to left.
const RTL: [&str; 7] = ["ar", "fa", "prs", "ps", "ckb", "ur", "he"];

/// Words that stay as they are in every language.
const KEPT: [&str; 8] = ["NHS", "Home Office", "#{hashtag}", "name@example.com", "SW1A 1AA", "SVG", "<noscript>", "WordPress"];

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

fn lang_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lang")
}

/// The plural categories `locale`'s cardinal rules use, by name.
fn categories(locale: &str) -> BTreeSet<&'static str> {
    let locale: Locale = locale.parse().unwrap_or_else(|_| panic!("{locale} is a locale"));
    let rules = PluralRules::try_new_cardinal((&locale).into()).expect("compiled data has every locale's rules");
    rules
        .categories()
        .map(|c| match c {
            PluralCategory::Zero => "zero",
            PluralCategory::One => "one",
            PluralCategory::Two => "two",
            PluralCategory::Few => "few",
            PluralCategory::Many => "many",
            PluralCategory::Other => "other",
        })
        .collect()
}

fn sorted(mut names: Vec<&str>) -> Vec<&str> {
    names.sort_unstable();
    names
}

/// Every problem with one translation file.
fn problems(code: &str, file: &Value, english: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let meta = &file["language"];
    if meta["code"] != code {
        out.push(format!("language.code must be {code:?}"));
    }
    for field in ["name", "english_name", "produced"] {
        if meta[field].as_str().is_none_or(|s| s.trim().is_empty()) {
            out.push(format!("language.{field} is missing"));
        }
    }
    if !meta["native_review"].is_boolean() {
        out.push("language.native_review must be true or false".into());
    }
    let dir = if RTL.contains(&code) { "rtl" } else { "ltr" };
    if meta["dir"] != dir {
        out.push(format!("language.dir must be {dir:?}"));
    }
    let intl = meta["intl"].as_str().unwrap_or(code);
    let needed = categories(intl);
    let same: BTreeSet<&str> = file["same_as_english"]
        .as_array()
        .map(|keys| keys.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut used_same = BTreeSet::new();
    for section in ["widget", "server"] {
        let source = english[section].as_object().expect("English has every section");
        let Some(texts) = file[section].as_object() else {
            out.push(format!("the {section:?} section is missing"));
            continue;
        };
        for key in source.keys().filter(|k| !texts.contains_key(*k)) {
            out.push(format!("{section}.{key} is missing"));
        }
        for key in texts.keys().filter(|k| !source.contains_key(*k)) {
            out.push(format!("{section}.{key} is not in lang/en.json"));
        }
        for (key, source) in source {
            let Some(value) = texts.get(key) else { continue };
            let at = format!("{section}.{key}");
            let plural = source.get("other").is_some();
            let forms: Vec<(&str, &str)> = match (plural, value) {
                (false, Value::String(words)) => vec![("text", words.as_str())],
                (true, Value::Object(forms)) => {
                    let have: BTreeSet<&str> = forms.keys().map(String::as_str).collect();
                    if have != needed {
                        out.push(format!("{at}: plural forms must be exactly {needed:?} for {intl}, not {have:?}"));
                    }
                    forms.iter().filter_map(|(form, words)| Some((form.as_str(), words.as_str()?))).collect()
                }
                (false, _) => {
                    out.push(format!("{at} must be a string"));
                    continue;
                }
                (true, _) => {
                    out.push(format!("{at} must be an object of plural forms ({needed:?})"));
                    continue;
                }
            };
            let english_words = |form: &str| -> &str {
                let f = if !plural {
                    "text"
                } else if form == "one" {
                    "one"
                } else {
                    "other"
                };
                source[f].as_str().unwrap_or_default()
            };
            for (form, words) in forms {
                let at = if plural { format!("{at}.{form}") } else { at.clone() };
                if words.trim().is_empty() {
                    out.push(format!("{at} is empty"));
                    continue;
                }
                let want = sorted(placeholders(english_words("other")));
                let have = sorted(placeholders(words));
                // The forms for exactly 0, 1 or 2 may say the number in words.
                let may_drop_count = plural && matches!(form, "zero" | "one" | "two");
                let want_here: Vec<&str> =
                    want.iter().copied().filter(|p| !(may_drop_count && *p == "count" && !have.contains(p))).collect();
                if have != want_here {
                    out.push(format!("{at}: placeholders {have:?} differ from English {want:?}"));
                }
                for kept in KEPT {
                    if english_words(form).contains(kept) && !words.contains(kept) {
                        out.push(format!("{at}: keep {kept:?} as it is"));
                    }
                }
                if words.contains('<') && !english_words(form).contains('<') {
                    out.push(format!("{at}: no markup in a translation"));
                }
                if words == english_words(form) {
                    if same.contains(key.as_str()) {
                        used_same.insert(key.as_str());
                    } else {
                        out.push(format!(
                            "{at} is the English {words:?}: translate it, or list {key:?} in \"same_as_english\" if your language says it so"
                        ));
                    }
                }
            }
        }
    }
    for key in same.difference(&used_same) {
        out.push(format!("same_as_english lists {key:?}, which differs from English"));
    }
    out
}

#[test]
fn every_language_file_has_every_text_of_the_english_source() {
    let dir = lang_dir();
    let english = read(&dir.join("en.json"));
    let mut report = Vec::new();
    let mut found = BTreeSet::new();
    let only = std::env::var("LANG_FILES").ok();
    for entry in std::fs::read_dir(&dir).expect("lang/ is readable") {
        let path = entry.expect("lang/ lists").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let code = path.file_stem().unwrap().to_string_lossy().into_owned();
        found.insert(code.clone());
        if code == "en" || only.as_deref().is_some_and(|only| !only.split(',').any(|c| c == code)) {
            continue;
        }
        for problem in problems(&code, &read(&path), &english) {
            report.push(format!("lang/{code}.json: {problem}"));
        }
    }
    if only.is_none() {
        for code in REQUIRED.iter().filter(|c| !found.contains(**c)) {
            report.push(format!("lang/{code}.json is missing"));
        }
    }
    assert!(report.is_empty(), "{} problems:\n{}", report.len(), report.join("\n"));
}

#[test]
fn the_english_source_is_consistent() {
    let english = read(&lang_dir().join("en.json"));
    assert_eq!(english["language"]["code"], "en");
    let mut keys = BTreeSet::new();
    for section in ["widget", "server"] {
        let texts: &Map<String, Value> = english[section].as_object().expect("a section");
        for (key, value) in texts {
            assert!(keys.insert(key.clone()), "{key} is in both sections");
            assert!(key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{key}: lower_snake_case");
            assert!(value["note"].as_str().is_some_and(|n| n.len() > 5), "{key} has a note for translators");
            if let Some(one) = value.get("one") {
                assert!(placeholders(value["other"].as_str().unwrap()).contains(&"count"), "{key}: a plural text counts {{count}}");
                assert!(one.is_string());
            }
        }
    }
}

#[test]
fn the_test_knows_each_languages_plural_rules() {
    assert_eq!(categories("en"), BTreeSet::from(["one", "other"]));
    assert_eq!(categories("cy"), BTreeSet::from(["zero", "one", "two", "few", "many", "other"]));
    assert_eq!(categories("ar"), BTreeSet::from(["zero", "one", "two", "few", "many", "other"]));
    assert_eq!(categories("ja"), BTreeSet::from(["other"]));
    assert_eq!(categories("pl"), BTreeSet::from(["one", "few", "many", "other"]));
}

#[test]
fn every_widget_text_holds_its_english_words() {
    // The second part's texts point into `text::PART`'s words by offsets
    // core/build.rs counts: each must hold its own words, whole.
    let english = read(&lang_dir().join("en.json"));
    let part = &petition_core::lang::text::PART;
    assert!(!part.texts.is_empty());
    for text in petition_core::lang::text::WIDGET.iter().chain(&part.texts) {
        let value = &english["widget"][text.key()];
        let (one, other) = match text.english() {
            Words::Plain(words) => (None, words),
            Words::Plural { one, other } => (Some(one), other),
        };
        assert_eq!(one, value["one"].as_str(), "{}", text.key());
        assert_eq!(other, value.get("text").unwrap_or(&value["other"]).as_str().unwrap(), "{}", text.key());
    }
}
