//! Proof of work: the check that a signature came through the widget, without
//! a third-party CAPTCHA.
//!
//! The server hands out a challenge (an opaque, signed token) from a route of
//! its own, beside the petition. The widget searches for a `proof`, a number
//! such that SHA-256(token ‖ proof as 8 little-endian bytes) starts with
//! `difficulty` zero bits, while the person types. Checking takes one hash; finding takes
//! 2^difficulty on average, which costs a person a moment once and a bot the
//! same for every signature. The server decides what the token means (expiry,
//! single use, petition); this module only knows the arithmetic, the same on
//! both sides.


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

fn prefix(token: &str) -> Vec<u8> {
    token.as_bytes().to_vec()
}

fn hash(prefix: &[u8], proof: u64) -> [u8; 32] {
    let mut message = Vec::with_capacity(prefix.len() + 8);
    message.extend_from_slice(prefix);
    message.extend_from_slice(&proof.to_le_bytes());
    sha256(&message)
}

/// SHA-256 (FIPS 180-4), written out rather than taken from the `sha2` crate:
/// this loop is a fraction of the crate's unrolled code in the wasm every
/// visitor downloads, and speed here matters less than bytes. Checked against
/// `sha2` in the tests.
pub fn sha256(message: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut state: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    // The message, a 1 bit, zeros to 56 mod 64 bytes, and its length in bits.
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&((message.len() as u64) * 8).to_be_bytes());
    for block in padded.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let mut v = state;
        for i in 0..64 {
            let [a, b, c, d, e, f, g, h] = v;
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let choose = (e & f) ^ (!e & g);
            let t1 = h.wrapping_add(s1).wrapping_add(choose).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let majority = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(majority);
            v = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
        }
        // (By index: an array's by-value iterator was 82 B of the widget.)
        for i in 0..8 {
            state[i] = state[i].wrapping_add(v[i]);
        }
    }
    let mut digest = [0u8; 32];
    for (i, word) in state.iter().enumerate() {
        digest[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    digest
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
    fn sha256_agrees_with_the_sha2_crate_and_the_standard_vectors() {
        use sha2::Digest;
        assert_eq!(
            sha256(b"abc"),
            [
                0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0,
                0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad
            ]
        );
        // Every length around the padding's block boundaries, and longer.
        for len in 0..300 {
            let message: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            assert_eq!(sha256(&message), <[u8; 32]>::from(sha2::Sha256::digest(&message)), "length {len}");
        }
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
