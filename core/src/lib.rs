//! Types and rules shared by the petition widget (wasm32) and the petition server
//! (native): the JSON the API speaks, the rules every signature field obeys, and
//! the milestone arithmetic behind the progress bar.
//!
//! Nothing here does I/O or knows about the DOM or HTTP, so the same rule compiles
//! into both sides and says the same words on both.
#![deny(missing_docs)]

pub mod api;
mod bytes;
pub mod colour;
pub mod fields;
pub mod lang;
pub mod links;
pub mod milestones;
pub mod proof;

pub use api::{
    ApiError, Challenge, CountUpdate, FieldError, Params, LinksTo, Milestone, NextAction, Partner, Petition, Share, SignatureReceipt, SignatureRequest,
};
pub use fields::{
    canonical_email, consent_text, email_suggestion, reason_is_public, share_source, uk_postcode, validate, Field, Problem, Profession,
    ValidSignature,
};
pub use bytes::Bytes;
pub use links::is_web_address;

/// `text` split around its last `at`, an ASCII byte: `str::rsplit_once` by a
/// plain backward scan. std's reverse char search is 0.7 KB of the widget
/// that nothing else there needs.
pub(crate) fn split_last(text: &str, at: u8) -> Option<(&str, &str)> {
    let i = rfind(text, at)?;
    Some((&text[..i], &text[i + 1..]))
}

/// Where the last `at`, an ASCII byte, is in `text`: `str::rfind` of a
/// `char` by a plain backward scan (see [`split_last`]).
pub(crate) fn rfind(text: &str, at: u8) -> Option<usize> {
    debug_assert!(at.is_ascii());
    text.bytes().rposition(|b| b == at)
}

/// Where the first `at`, an ASCII byte, is in `text`: `str::find` of a
/// `char` by a plain scan. std's char searcher (with its `memchr`) is 0.9 KB
/// of the widget, in two copies, for searches in short strings.
pub fn find(text: &str, at: u8) -> Option<usize> {
    debug_assert!(at.is_ascii());
    text.bytes().position(|b| b == at)
}

/// Where the first byte of `text` that `test` picks is: `bytes().position`
/// with a function rather than a closure, so that the widget's searches by
/// a byte's kind are this one loop rather than a copy of std's each
/// (about 0.1 KB a closure).
pub fn position(text: &str, test: fn(u8) -> bool) -> Option<usize> {
    for (i, b) in text.bytes().enumerate() {
        if test(b) {
            return Some(i);
        }
    }
    None
}

/// Whether every byte of `text` passes `test`: `bytes().all` (see
/// [`position`]).
pub fn every(text: &str, test: fn(u8) -> bool) -> bool {
    for b in text.bytes() {
        if !test(b) {
            return false;
        }
    }
    true
}

/// `text` split around its first `at`, an ASCII byte: `str::split_once`
/// (see [`find`]).
pub fn split_first(text: &str, at: u8) -> Option<(&str, &str)> {
    let i = find(text, at)?;
    Some((&text[..i], &text[i + 1..]))
}

/// The pieces of `text` between each `at`, an ASCII byte: `str::split`
/// (see [`find`]).
pub fn pieces(text: &str, at: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let here = rest?;
        let (piece, after) = split_first(here, at).map_or((here, None), |(piece, after)| (piece, Some(after)));
        rest = after;
        Some(piece)
    })
}

/// `parts` one after another: `[&str]::concat`, without std's generic
/// joining (see [`join`]).
pub fn concat(parts: &[&str]) -> String {
    join(parts, "")
}

/// `parts` with `between` between each two: `[&str]::join` as a loop.
/// std's `concat` and `join` share a generic function with a copy of its
/// loop for separators of each length up to four, 0.9 KB of the widget.
pub fn join(parts: &[&str], between: &str) -> String {
    let mut joined = String::with_capacity(parts.iter().map(|part| part.len() + between.len()).sum());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            joined.push_str(between);
        }
        joined.push_str(part);
    }
    joined
}

/// `text` without the whitespace (`char::is_whitespace`) around it:
/// `str::trim` as one forward pass, where std's walks from both ends with
/// code of its own for each (0.3 KB of the widget, to trim fields a few
/// characters long).
pub fn trim(text: &str) -> &str {
    let (mut start, mut end) = (text.len(), 0);
    for (i, c) in text.char_indices() {
        if !c.is_whitespace() {
            start = start.min(i);
            end = i + c.len_utf8();
        }
    }
    &text[start.min(end)..end]
}

#[cfg(test)]
mod tests {
    #[test]
    fn join_and_concat_are_std_s() {
        for parts in [&[][..], &[""], &["a"], &["a", ""], &["", "b"], &["ab", "ç", "🙂d"]] {
            for between in ["", ",", ", ", " and ", "🙂"] {
                assert_eq!(super::join(parts, between), parts.join(between), "{parts:?} {between:?}");
            }
            assert_eq!(super::concat(parts), parts.concat(), "{parts:?}");
        }
    }

    #[test]
    fn find_split_first_and_pieces_are_std_s() {
        for text in ["", "?", "a?b", "a?b?c", "ünï?cødé", "no mark", "trailing?", "?leading", "🙂?🙂?x", "??"] {
            assert_eq!(super::find(text, b'?'), text.find('?'), "{text:?}");
            assert_eq!(super::split_first(text, b'?'), text.split_once('?'), "{text:?}");
            assert_eq!(super::pieces(text, b'?').collect::<Vec<_>>(), text.split('?').collect::<Vec<_>>(), "{text:?}");
        }
    }

    #[test]
    fn position_and_every_are_std_s() {
        let tests: [fn(u8) -> bool; 3] = [|b| b.is_ascii_digit(), |b| b == b'/' || b == b'#', |b| !b.is_ascii()];
        for text in ["", "1", "12a", "a/b#c", "ünï/cødé", "#", "no mark", "🙂9"] {
            for test in tests {
                assert_eq!(super::position(text, test), text.bytes().position(test), "{text:?}");
                assert_eq!(super::every(text, test), text.bytes().all(test), "{text:?}");
            }
        }
    }

    #[test]
    fn split_last_is_rsplit_once() {
        for text in ["", "@", "a@b", "a@b@c", "ünï@cødé", "no at", "trailing@", "@leading", "🙂@🙂@x"] {
            assert_eq!(super::split_last(text, b'@'), text.rsplit_once('@'), "{text:?}");
            assert_eq!(super::rfind(text, b'@'), text.rfind('@'), "{text:?}");
        }
    }

    #[test]
    fn trim_is_std_s_for_every_char() {
        let mut text = String::new();
        for c in (0..=char::MAX as u32).filter_map(char::from_u32) {
            for around in ["", "x", "é", "\u{2000}", " ", "\u{FEFF}"] {
                for (before, after) in [(around, ""), ("", around), (around, around)] {
                    for middle in ["", "a", "\u{3000}"] {
                        text.clear();
                        text.extend([before, c.encode_utf8(&mut [0; 4]), middle, c.encode_utf8(&mut [0; 4]), after]);
                        assert_eq!(super::trim(&text), text.trim(), "{text:?}");
                    }
                }
            }
        }
        for text in ["", " ", "\u{3000}\u{A0} \t", "\u{2029}x\u{85}", "\u{FEFF}\u{200B}x", " a b "] {
            assert_eq!(super::trim(text), text.trim(), "{text:?}");
        }
    }
}
