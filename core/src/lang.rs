//! Languages: which of them a person gets, and the texts' English words.
//!
//! Every word the widget and the server show is a [`Text`], generated from
//! `lang/en.json` (the English source, with a note per text on where it
//! appears) by `core/build.rs`. English is compiled in; every other language
//! is a file `lang/{code}.json` with the same keys, read by the server and,
//! for the widget's section, fetched by the widget when it needs it.
//!
//! A text's words may hold placeholders, `{count}`; [`fill`] puts values in.
//! A text that counts something has plural forms, chosen by its `{count}`
//! and the language's plural rules (the browser's `Intl.PluralRules` in the
//! widget, ICU4X on the server): English has "one" and "other", Welsh six.
//!
//! Which language a person gets is [`negotiate`]d from what they prefer
//! (BCP 47 tags, most wanted first) against what there is.

/// Which part of a language file a text is in: the widget's (what the
/// widget fetches) or the server's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `"widget"`: the widget, the loader and the counter; the server's pages use them too.
    Widget,
    /// `"server"`: the server's pages, mails and pictures.
    Server,
}

/// A text's English words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    /// The same words whatever the count.
    Plain(&'static str),
    /// Words chosen by `{count}`: English's two plural forms.
    Plural {
        /// For 1.
        one: &'static str,
        /// For every other count.
        other: &'static str,
    },
}

impl Words {
    /// The English words for `count` (for a plain text, its words).
    pub fn for_count(self, count: u64) -> &'static str {
        match self {
            Words::Plain(words) => words,
            Words::Plural { one, .. } if count == 1 => one,
            Words::Plural { other, .. } => other,
        }
    }
}

/// One text: its section, its place in it (by key, alphabetically: the built
/// widget's language files are arrays in this order) and its English. Its key in the language
/// files is [`Text::key`]; not a field, so that the widget, which never
/// needs it, carries no key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// The section of `lang/*.json` it is in.
    pub section: Section,
    /// Its place in its section: the keys sorted alphabetically.
    pub index: u8,
    /// Its English words: for a plural text, the form for 1 (the first
    /// `one` bytes) and then the form for other counts; `one` is 0 for a
    /// plain text. (Not a [`Words`], which holds two addresses: the widget
    /// carries a hundred texts, and 12 bytes each rather than 28.)
    one: u8,
    words: &'static str,
}

impl Text {
    /// Its English words.
    pub fn english(&self) -> Words {
        let (words, one) = (self.words, self.one as usize);
        // (Both halves by a `Range`, the one slicing the widget has anyway.)
        if one == 0 { Words::Plain(words) } else { Words::Plural { one: &words[0..one], other: &words[one..words.len()] } }
    }

    /// Its key in the language files, e.g. `"sign"`.
    pub fn key(self) -> &'static str {
        match self.section {
            Section::Widget => text::WIDGET_KEYS[self.index as usize],
            Section::Server => text::SERVER_KEYS[self.index as usize],
        }
    }
}

/// The texts, one constant per key of `lang/en.json` (its key in capitals),
/// with [`text::WIDGET`] and [`text::SERVER`] listing each section, and
/// [`text::LANGUAGES`] every language there is a file for. The texts only
/// the widget's second part shows are `&Text`s, records in [`text::PART`]
/// (see [`Part`]).
#[allow(missing_docs)]
pub mod text {
    use super::{Part, Section, Text};
    use crate::Bytes;
    include!(concat!(env!("OUT_DIR"), "/texts.rs"));
}

/// The texts only the widget's second part shows (`text::PART`): their
/// records, then their words (and a zero, see [`crate::Bytes`]), which the
/// records point into. One static, in this order (`repr(C)`), so that the
/// build finds it in the wasm's data by its words and moves all of it to
/// the second part (xtask/src/part_data.rs). In the widget, until that
/// part has come, all of it is zeros, the records' addresses null: the
/// build checks that nothing which runs before then has an address in it.
#[repr(C)]
pub struct Part<const T: usize, const N: usize> {
    /// The texts, in the order of their keys.
    pub texts: [Text; T],
    /// Their English words, one after another, and a zero.
    pub words: crate::Bytes<N>,
}

/// The language everything falls back to, and the one compiled in.
pub const ENGLISH: &str = "en";

/// `template` with each `{name}` replaced by its value in `values`; a
/// placeholder without a value is left as it is.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = crate::find(rest, b'{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let value = crate::find(after, b'}')
            .and_then(|close| values.iter().find(|(name, _)| *name == &after[1..close]).map(|(_, v)| (close, v)));
        match value {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The words before and after `{name}` in `template`, for a value shown as
/// an element of its own (the count in bold, a date, a button); `None` if
/// the template has no such placeholder.
pub fn around<'t>(template: &'t str, name: &str) -> Option<(&'t str, &'t str)> {
    let mut from = 0;
    while let Some(open) = crate::find(&template[from..], b'{').map(|at| from + at) {
        if let Some(after) = template[open + 1..].strip_prefix(name).and_then(|rest| rest.strip_prefix("}")) {
            return Some((&template[..open], after));
        }
        from = open + 1;
    }
    None
}

/// The names of the placeholders in `template`, in order (`{count}` → `count`).
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = crate::find(rest, b'{') {
        let after = &rest[open + 1..];
        match crate::find(after, b'}') {
            Some(close) if crate::every(&after[..close], |b| b.is_ascii_lowercase() || b == b'_') && close > 0 => {
                names.push(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    names
}

/// Tags that name a language by another code than its file's, or a script
/// its file is for: checked, lower-cased, before the fallbacks. Each is
/// `from=to`, between spaces: one string rather than a table of pairs, which
/// would put 40 addresses in the widget.
const ALIASES: &str = "zh-tw=zh-hant zh-hk=zh-hant zh-mo=zh-hant zh-cn=zh-hans zh-sg=zh-hans zh-my=zh-hans zh=zh-hans no=nb nn=nb tl=fil iw=he in=id fa-af=prs ku=kmr ku-latn=kmr ku-arab=ckb ku-iq=ckb ku-ir=ckb sh=sr mo=ro";

/// The first of `wanted` (BCP 47 tags, most wanted first: `data-lang`, the
/// page's `lang`, `navigator.languages`, `Accept-Language`'s tags) that one
/// of `available` serves, as spelt in `available`.
///
/// A tag matches itself, then each shorter tag made by dropping its last
/// subtag (RFC 4647 lookup: `pt-BR` → `pt`, `sr-Latn-RS` → `sr-Latn` →
/// `sr`), case aside, with the aliases on the way (`zh-TW` → `zh-Hant`,
/// `zh-Hant-HK` → `zh-Hant`, `no` → `nb`, `fa-AF` → `prs`).
pub fn negotiate<'a, 'w>(wanted: impl IntoIterator<Item = &'w str>, available: &[&'a str]) -> Option<&'a str> {
    wanted.into_iter().find_map(|tag| lookup(tag, available))
}

/// The one of `available` that serves `tag`, as [`negotiate`] finds it for
/// each tag. (The widget loops over its slice of tags itself: a `negotiate`
/// for its iterator was a copy of this loop and of std's `find_map`.)
pub fn lookup<'a>(tag: &str, available: &[&'a str]) -> Option<&'a str> {
    let mut tag: String = crate::trim(tag).chars().map(|c| if c == '_' { '-' } else { c.to_ascii_lowercase() }).collect();
    while !tag.is_empty() {
        let alias = crate::pieces(ALIASES, b' ').find_map(|pair| crate::split_first(pair, b'=').filter(|(from, _)| *from == tag).map(|(_, to)| to));
        for candidate in [Some(tag.as_str()), alias].into_iter().flatten() {
            if let Some(found) = available.iter().find(|a| a.eq_ignore_ascii_case(candidate)) {
                return Some(found);
            }
        }
        // `-x-` private use and a lone subtag at the end are dropped together.
        match crate::rfind(&tag, b'-') {
            Some(at) => {
                tag.truncate(at);
                if tag.len() > 1 && tag.as_bytes()[tag.len() - 2] == b'-' {
                    tag.truncate(tag.len() - 2);
                }
            }
            None => break,
        }
    }
    None
}

/// Whether `code`'s script runs right to left (Arabic, Persian, Dari,
/// Pashto, Sorani, Urdu, Hebrew): by its file's `"dir"`.
pub fn is_rtl(code: &str) -> bool {
    text::LANGUAGES.iter().any(|(c, rtl)| *rtl && c.eq_ignore_ascii_case(code))
}

/// The code of every language there is a file for.
pub fn codes() -> impl Iterator<Item = &'static str> {
    text::LANGUAGES.iter().map(|(code, _)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_found() {
        assert_eq!(fill("{count} of {goal}", &[("count", "3"), ("goal", "10")]), "3 of 10");
        assert_eq!(fill("Hi {name}, {missing} {", &[("name", "Amara")]), "Hi Amara, {missing} {");
        assert_eq!(placeholders("{name}, one more step: {count} and {", ), ["name", "count"]);
        assert_eq!(around("{count} signatures", "count"), Some(("", " signatures")));
        assert_eq!(around("Did you mean {email}?", "email"), Some(("Did you mean ", "?")));
        assert_eq!(around("no placeholder", "count"), None);
        assert_eq!(around("{counter} {count}", "count"), Some(("{counter} ", "")));
        assert_eq!(around("{ {count}}", "count"), Some(("{ ", "}")));
    }

    #[test]
    fn languages_are_matched_by_bcp47_lookup_with_aliases() {
        let have = ["en", "cy", "pt", "zh-Hans", "zh-Hant", "nb", "sr", "prs", "fa", "ckb", "kmr", "he", "ro"];
        let pick = |wanted: &[&str]| negotiate(wanted.iter().copied(), &have);
        assert_eq!(pick(&["pt-BR"]), Some("pt"));
        assert_eq!(pick(&["zh-TW"]), Some("zh-Hant"));
        assert_eq!(pick(&["zh-Hant-HK"]), Some("zh-Hant"));
        assert_eq!(pick(&["zh-CN"]), Some("zh-Hans"));
        assert_eq!(pick(&["zh"]), Some("zh-Hans"));
        assert_eq!(pick(&["no"]), Some("nb"));
        assert_eq!(pick(&["nn-NO"]), Some("nb"));
        assert_eq!(pick(&["fa-AF"]), Some("prs"), "Dari before Persian");
        assert_eq!(pick(&["fa-IR"]), Some("fa"));
        assert_eq!(pick(&["ku-IQ"]), Some("ckb"));
        assert_eq!(pick(&["ku"]), Some("kmr"));
        assert_eq!(pick(&["iw"]), Some("he"));
        assert_eq!(pick(&["mo"]), Some("ro"), "the last alias is read too");
        assert_eq!(pick(&["zh-t"]), Some("zh-Hans"), "an alias matches whole, not as a prefix of another");
        assert_eq!(pick(&["sr-Latn-RS"]), Some("sr"));
        assert_eq!(pick(&["CY_gb"]), Some("cy"), "case and underscores aside");
        assert_eq!(pick(&[" ZH_hant_hk "]), Some("zh-Hant"), "spaces, case and every underscore aside");
        assert_eq!(pick(&["de-DE", "fr", "cy"]), Some("cy"), "the first the list serves");
        assert_eq!(pick(&["de-DE", "x-klingon"]), None);
        assert_eq!(pick(&["en-x-private"]), Some("en"));
    }

    #[test]
    fn english_words_are_compiled_in_from_the_source_file() {
        assert_eq!(text::SIGN.english(), Words::Plain("Sign the petition"));
        assert_eq!(text::SIGNATURES.english().for_count(1), "{count} signature");
        assert_eq!(text::SIGNATURES.english().for_count(2), "{count} signatures");
        assert_eq!(text::WIDGET[text::SIGN.index as usize], text::SIGN);
        assert_eq!(text::SIGN.key(), "sign");
        assert_eq!(text::MAIL_REMOVE_IGNORE.key(), "mail_remove_ignore");
        assert!(text::SERVER.iter().all(|t| t.section == Section::Server));
        assert!(codes().any(|c| c == ENGLISH));
    }
}
