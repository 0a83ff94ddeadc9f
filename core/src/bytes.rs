//! [`Bytes`]: a static of a `str`'s bytes, in a module of its own so that
//! nothing else in core can reach its array (only [`Bytes::new`] makes
//! one, which is what makes [`Bytes::as_str`] safe).

/// A `str`'s bytes held in place, and a zero after them (`N` is the
/// `str`'s length and one). A static of it holds the bytes themselves
/// rather than the address of a string, so the build can find it in the
/// widget's data and move it to the widget's second part when only that
/// part reads it (`xtask/src/part_data.rs`): `lang::text::PART`'s words,
/// [`crate::fields::COMMON_DOMAINS`], [`crate::links::SHARE_TARGETS`].
/// The zero moves too: code may hold the address just past the words
/// (where a loop over them stops), and with it no other static starts
/// there.
///
/// Made only from a `str`, never written: its bytes are always UTF-8. (In
/// the widget, until its second part has come, the moved ones are zeros,
/// UTF-8 too; the part writes them before any of its code runs.)
#[repr(transparent)]
pub struct Bytes<const N: usize>([u8; N]);

impl<const N: usize> Bytes<N> {
    /// `text`'s bytes and a zero. `N` must be its length and one: a panic
    /// otherwise (while compiling, for a static).
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
    /// `at..at + len` starts and ends where a character does (within the
    /// words: a panic otherwise, while compiling where statics are made).
    pub const unsafe fn slice(&'static self, at: usize, len: usize) -> &'static str {
        assert!(at + len < N, "within the words");
        // SAFETY: within the bytes and on character boundaries (the
        // caller's), of a `str`'s bytes (`new`), never written.
        unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.0.as_ptr().add(at), len)) }
    }
}

#[cfg(test)]
mod tests {
    use super::Bytes;

    #[test]
    fn bytes_hold_a_strs_bytes_and_a_zero() {
        static HELD: Bytes<13> = Bytes::new("ünï cødé");
        assert_eq!(HELD.0, *"ünï cødé\0".as_bytes());
        assert_eq!(HELD.as_str(), "ünï cødé");
        // SAFETY: "ï" and "cød", whole characters within the words.
        assert_eq!(unsafe { (HELD.slice(3, 2), HELD.slice(6, 4)) }, ("ï", "cød"));
    }
}
