//! Types and rules shared by the petition widget (wasm32) and the petition server
//! (native): the JSON the API speaks, the rules every signature field obeys, and
//! the milestone arithmetic behind the progress bar.
//!
//! Nothing here does I/O or knows about the DOM or HTTP, so the same rule compiles
//! into both sides and says the same words on both.
#![deny(missing_docs)]

pub mod api;
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

/// A `str`'s bytes held in place, and a zero after them (`N` is the
/// `str`'s length and one). A static of it holds the bytes themselves
/// rather than the address of a string, so the build can find it in the
/// widget's data and move it to the widget's second part when only that
/// part reads it (`xtask/src/part_data.rs`): `lang::text::PART`'s words,
/// [`fields::COMMON_DOMAINS`], [`links::SHARE_TARGETS`]. The zero moves
/// too: code may hold the address just past the words (where a loop over
/// them stops), and with it no other static starts there.
///
/// Made only from a `str`, never written: its bytes are always UTF-8. (In
/// the widget, until its second part has come, the moved ones are zeros,
/// UTF-8 too; the part writes them before any of its code runs.)
#[repr(transparent)]
pub struct Bytes<const N: usize>([u8; N]);

impl<const N: usize> Bytes<N> {
    /// `text`'s bytes and a zero (`N` must be its length and one: checked
    /// while compiling, where statics are made).
    pub const fn new(text: &str) -> Self {
        assert!(text.len() + 1 == N);
        let (mut array, mut i) = ([0; N], 0);
        while i < text.len() {
            array[i] = text.as_bytes()[i];
            i += 1;
        }
        Self(array)
    }

    /// The words (the zero left out).
    pub const fn as_str(&self) -> &str {
        // SAFETY: a `str`'s bytes (`new`), never written.
        unsafe { core::str::from_utf8_unchecked(self.0.split_at(N - 1).0) }
    }

    /// `len` bytes of the words from `at`: one text of several held here,
    /// without reading the bytes (so a static's own initializer can point
    /// into them, as `text::PART`'s records do).
    ///
    /// # Safety
    /// `at..at + len` is within the words and starts and ends where a
    /// character does.
    pub const unsafe fn slice(&'static self, at: usize, len: usize) -> &'static str {
        // SAFETY: within the bytes and on character boundaries (the
        // caller's), of a `str`'s bytes (`new`), never written.
        unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.0.as_ptr().add(at), len)) }
    }
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
    fn bytes_hold_a_strs_bytes_and_a_zero() {
        static HELD: super::Bytes<13> = super::Bytes::new("ünï cødé");
        assert_eq!(HELD.0, *"ünï cødé\0".as_bytes());
        assert_eq!(HELD.as_str(), "ünï cødé");
        // SAFETY: "ï" and "cød", whole characters within the words.
        assert_eq!(unsafe { (HELD.slice(3, 2), HELD.slice(6, 4)) }, ("ï", "cød"));
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
