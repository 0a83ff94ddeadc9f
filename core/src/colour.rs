//! A petition's accent colour: the progress bar and the buttons of its page,
//! its link preview, its badge and its poster. Text sits on it in white and it
//! sits on white, so it must be dark enough to read either way.

/// The least contrast, against white, that text in or on the accent colour
/// needs (WCAG 2 AA for normal text).
pub const MIN_CONTRAST: f64 = 4.5;

/// The accent a petition file that names none gets: the widget's own blue.
pub const DEFAULT_ACCENT: &str = "#0b57a4";

/// `#rrggbb` as its red, green and blue.
pub fn parse(hex: &str) -> Option<[u8; 3]> {
    let digits = hex.strip_prefix("#")?;
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// The contrast ratio of `rgb` against white, from 1 (white) to 21 (black),
/// as WCAG 2 defines it.
pub fn contrast_with_white(rgb: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let [r, g, b] = rgb.map(linear);
    let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    1.05 / (luminance + 0.05)
}

/// Why `hex` can't be an accent colour, in words naming the field, if it can't.
pub fn accent_problem(hex: &str) -> Option<String> {
    match parse(hex) {
        None => Some(format!("accent_colour {hex:?} must be a colour like \"#0b57a4\"")),
        Some(rgb) if contrast_with_white(rgb) < MIN_CONTRAST => Some(format!(
            "accent_colour {hex:?} is too light to read against white (contrast {:.1}:1, at least {MIN_CONTRAST}:1 needed): choose a darker shade",
            contrast_with_white(rgb)
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_follows_wcag() {
        assert!((contrast_with_white([0, 0, 0]) - 21.0).abs() < 1e-9);
        assert!((contrast_with_white([255, 255, 255]) - 1.0).abs() < 1e-9);
        // #767676 is the classic lightest grey that passes AA on white.
        assert!(contrast_with_white(parse("#767676").unwrap()) >= MIN_CONTRAST);
        assert!(contrast_with_white(parse("#777777").unwrap()) < MIN_CONTRAST);
    }

    #[test]
    fn accents_are_checked_in_words() {
        assert_eq!(accent_problem(DEFAULT_ACCENT), None);
        assert_eq!(accent_problem("#B3261E"), None);
        assert!(accent_problem("#ffdd00").unwrap().contains("too light"));
        for bad in [
            "0b57a4",
            "#0b57a",
            "#0b57a4ff",
            "red",
            "#gggggg",
            "#0b57a4;}",
        ] {
            assert!(
                accent_problem(bad).unwrap().contains("must be a colour"),
                "{bad}"
            );
        }
    }
}
