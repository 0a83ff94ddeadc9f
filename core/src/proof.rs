//! Proof of work: the check that a signature came through the widget, without
//! a third-party CAPTCHA.
//!
//! The server hands out a challenge (an opaque, signed token) with the
//! petition. The widget searches for a `proof`, a number such that
//! SHA-256(token ‖ proof as 8 little-endian bytes) starts with `difficulty`
//! zero bits, while the person types. Checking takes one hash; finding takes
//! 2^difficulty on average, which costs a person a moment once and a bot the
//! same for every signature. The server decides what the token means (expiry,
//! single use, petition); this module only knows the arithmetic, the same on
//! both sides.

use sha2::{Digest, Sha256};

/// The most difficulty the arithmetic allows; far beyond anything a person
/// could be asked to wait for.
pub const MAX_DIFFICULTY: u8 = 64;

/// Whether `proof` solves `token` at `difficulty`.
pub fn is_solution(token: &str, proof: u64, difficulty: u8) -> bool {
    leading_zero_bits(&hash(&prefix(token), proof)) >= u32::from(difficulty.min(MAX_DIFFICULTY))
}

/// Tries the `tries` proofs from `from` on and returns the first solution, so
/// a caller can search in slices and let the page breathe in between.
pub fn search(token: &str, difficulty: u8, from: u64, tries: u64) -> Option<u64> {
    let prefix = prefix(token);
    let needed = u32::from(difficulty.min(MAX_DIFFICULTY));
    (from..from.saturating_add(tries)).find(|&proof| leading_zero_bits(&hash(&prefix, proof)) >= needed)
}

fn prefix(token: &str) -> Sha256 {
    Sha256::new_with_prefix(token.as_bytes())
}

fn hash(prefix: &Sha256, proof: u64) -> [u8; 32] {
    prefix.clone().chain_update(proof.to_le_bytes()).finalize().into()
}

fn leading_zero_bits(hash: &[u8; 32]) -> u32 {
    let mut bits = 0;
    for byte in hash {
        bits += byte.leading_zeros();
        if *byte != 0 {
            break;
        }
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_found_proof_is_a_solution_and_its_neighbours_mostly_are_not() {
        let token = "1.1700000000000.12.abcdef.0123";
        let proof = search(token, 12, 0, 1 << 24).expect("12 bits are found in well under 2^24 tries");
        assert!(is_solution(token, proof, 12));
        // It solves for this token only.
        assert!(!is_solution("1.1700000000000.12.abcdef.0124", proof, 12) || proof == 0);
        // Below the found proof nothing solved, by construction of the search.
        assert!((0..proof).all(|p| !is_solution(token, p, 12)));
    }

    #[test]
    fn difficulty_is_counted_in_leading_zero_bits() {
        let mut hash = [0xff; 32];
        assert_eq!(leading_zero_bits(&hash), 0);
        hash[0] = 0;
        hash[1] = 0b0001_0000;
        assert_eq!(leading_zero_bits(&hash), 11);
        assert_eq!(leading_zero_bits(&[0; 32]), 256);
    }

    #[test]
    fn zero_difficulty_accepts_anything_and_a_slice_can_come_up_empty() {
        assert!(is_solution("t", 7, 0));
        // 2^40 work is not found in ten tries (the chance is about 10 in 10^12).
        assert_eq!(search("t", 40, 0, 10), None);
    }
}
