//! Drawing: the fonts in `server/fonts/` (compiled in; no system font is
//! ever looked for, so a picture is the same on every machine), text
//! measured with them as it is shaped (joined Arabic, Tamil's clusters),
//! split into runs of one font each (see [`spans`]), and SVG rasterised to
//! PNG with resvg.
//!
//! resvg lays out every line of text left to right, reordering only what a
//! left-to-right paragraph would (its bidi base level is fixed): a line in
//! a right-to-left language is wrapped in RLE … PDF (see [`directed`]), so
//! that its numbers and words keep their right-to-left order.

use std::sync::{Arc, LazyLock};

use resvg::{tiny_skia, usvg};

/// The fonts, each a family with a regular and a bold face: Noto Sans
/// (Latin, Greek, Cyrillic), then one per other script it lacks (see
/// `server/fonts/README.md`). Text is set in the first that has its
/// characters. Only scripts resvg draws right are here: it misplaces the
/// marks and vowel signs of Thai and the Indic scripts (Devanagari,
/// Bengali, Gujarati, Gurmukhi, Tamil: tried with Noto's fonts, and looked
/// at), so those languages' pictures are drawn in the petition's own
/// language instead (see [`covers`]).
static SHIPPED: [(&str, &[u8], &[u8]); 6] = [
    ("Noto Sans", include_bytes!("../../../fonts/NotoSans-Regular.ttf"), include_bytes!("../../../fonts/NotoSans-Bold.ttf")),
    (
        "Noto Sans Arabic",
        include_bytes!("../../../fonts/NotoSansArabic-Regular.ttf"),
        include_bytes!("../../../fonts/NotoSansArabic-Bold.ttf"),
    ),
    (
        "Noto Sans Hebrew",
        include_bytes!("../../../fonts/NotoSansHebrew-Regular.ttf"),
        include_bytes!("../../../fonts/NotoSansHebrew-Bold.ttf"),
    ),
    (
        "Noto Sans Armenian",
        include_bytes!("../../../fonts/NotoSansArmenian-Regular.ttf"),
        include_bytes!("../../../fonts/NotoSansArmenian-Bold.ttf"),
    ),
    (
        "Noto Sans Georgian",
        include_bytes!("../../../fonts/NotoSansGeorgian-Regular.ttf"),
        include_bytes!("../../../fonts/NotoSansGeorgian-Bold.ttf"),
    ),
    (
        "Noto Sans Ethiopic",
        include_bytes!("../../../fonts/NotoSansEthiopic-Regular.ttf"),
        include_bytes!("../../../fonts/NotoSansEthiopic-Bold.ttf"),
    ),
];

/// The family the pictures are drawn in; the templates name it, and every
/// generic family (`sans-serif`, `serif`, …) is it too. Runs of other
/// scripts name their own family (see [`spans`]).
pub const FAMILY: &str = "Noto Sans";

/// The fonts resvg draws with: ours only, built once.
static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut fonts = usvg::fontdb::Database::new();
    for (_, regular, bold) in SHIPPED {
        for data in [regular, bold] {
            fonts.load_font_source(usvg::fontdb::Source::Binary(Arc::new(data)));
        }
    }
    fonts.set_sans_serif_family(FAMILY);
    fonts.set_serif_family(FAMILY);
    fonts.set_monospace_family(FAMILY);
    fonts.set_cursive_family(FAMILY);
    fonts.set_fantasy_family(FAMILY);
    Arc::new(fonts)
});

/// The same fonts, read for shaping and measuring: regular and bold of each.
static FACES: LazyLock<Vec<[rustybuzz::Face<'static>; 2]>> = LazyLock::new(|| {
    SHIPPED
        .iter()
        .map(|(_, regular, bold)| [*regular, *bold].map(|data| rustybuzz::Face::from_slice(data, 0).expect("the shipped fonts parse")))
        .collect()
});

/// Which of the two faces a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// A piece of a line set in one font: what a `<tspan font-family>` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The font's family.
    pub family: &'static str,
    pub text: String,
}

/// Right-to-left embedding and its end: invisible, and what makes resvg's
/// left-to-right layout order a right-to-left line as it should be.
const RLE: char = '\u{202B}';
const PDF: char = '\u{202C}';

/// `text` as a line of its own in a language written right to left (`rtl`),
/// or as it is.
pub fn directed(text: &str, rtl: bool) -> String {
    if rtl {
        format!("{RLE}{text}{PDF}")
    } else {
        text.to_owned()
    }
}

/// Characters any script's text uses (spaces, digits, punctuation,
/// controls): they stay in the run they are in, when its font has them.
fn is_common(c: char) -> bool {
    c.is_whitespace() || c.is_ascii_punctuation() || c.is_ascii_digit() || c.is_control() || matches!(c, '\u{2000}'..='\u{206f}')
}

/// The first font that has `c`, if any does.
fn font_for(c: char, weight: Weight) -> Option<usize> {
    FACES.iter().position(|faces| faces[weight as usize].glyph_index(c).is_some())
}

/// `text` split into runs each set in one font: the first that has the
/// run's characters, common ones (spaces, digits, punctuation) staying in
/// the run they are in, and those it starts with going with the font most
/// of it is in. A character no font has goes in the first font's run (and
/// is drawn as its empty box).
///
/// resvg shapes a whole line with its first run's font and then puts each
/// other run's glyphs in, which goes wrong for clusters of several glyphs
/// (an Arabic letter with a vowel mark): so the first run is always in the
/// font most of the line is in, and a line all in one script is one run.
fn runs(text: &str, weight: Weight) -> Vec<(usize, &str)> {
    let dominant = dominant(text, weight);
    let mut runs: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        let current = runs.last().map_or(dominant, |(font, _)| *font);
        // Invisible controls are hidden by the shaper whatever the font.
        let stays = is_invisible(c) || (is_common(c) && (runs.is_empty() || FACES[current][weight as usize].glyph_index(c).is_some()));
        let font = if stays { current } else { font_for(c, weight).unwrap_or(0) };
        match runs.last_mut() {
            Some((last, range)) if *last == font => range.end = end,
            _ => runs.push((font, at..end)),
        }
    }
    runs.into_iter().map(|(font, range)| (font, &text[range])).collect()
}

/// The font most of `text`'s characters (the common ones aside) are in.
fn dominant(text: &str, weight: Weight) -> usize {
    let mut counts = vec![0usize; SHIPPED.len()];
    for c in text.chars().filter(|c| !is_common(*c)) {
        counts[font_for(c, weight).unwrap_or(0)] += 1;
    }
    (0..counts.len()).max_by_key(|&font| (counts[font], std::cmp::Reverse(font))).unwrap_or(0)
}

/// An invisible character that joins nothing: what a line starts with when
/// it begins in another font than most of it is in (see [`runs`]).
const WORD_JOINER: &str = "\u{2060}";

/// `text` as spans of one font each, for `<tspan font-family>`: resvg
/// shapes each with its own font, so joined scripts are joined.
pub fn spans(text: &str, weight: Weight) -> Vec<Span> {
    let dominant = dominant(text, weight);
    let mut spans: Vec<Span> =
        runs(text, weight).into_iter().map(|(font, text)| Span { family: SHIPPED[font].0, text: text.to_owned() }).collect();
    if spans.first().is_some_and(|first| first.family != SHIPPED[dominant].0) {
        spans.insert(0, Span { family: SHIPPED[dominant].0, text: WORD_JOINER.to_owned() });
    }
    spans
}

/// Invisible characters that only steer layout (joiners, direction marks
/// and embeddings): the shaper hides them, in any font.
fn is_invisible(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}')
}

/// Whether every character of `text` that shows has a glyph in one of the
/// fonts (spaces and invisible controls aside).
pub fn covers(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || is_invisible(c) || font_for(c, Weight::Regular).is_some())
}

/// The width in pixels of `text` set in `weight` at `size` px, as it is
/// shaped (each run by its font; Arabic joined, ligatures made), kerning
/// left out as the pictures leave it out.
pub fn width(text: &str, weight: Weight, size: f32) -> f32 {
    runs(text, weight)
        .into_iter()
        .map(|(font, run)| {
            let face = &FACES[font][weight as usize];
            let mut buffer = rustybuzz::UnicodeBuffer::new();
            buffer.push_str(run);
            buffer.guess_segment_properties();
            let kerning_off = [rustybuzz::Feature::new(rustybuzz::ttf_parser::Tag::from_bytes(b"kern"), 0, ..)];
            let shaped = rustybuzz::shape(face, &kerning_off, buffer);
            let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
            units.max(0) as f32 * size / face.units_per_em() as f32
        })
        .sum()
}

/// `text` on one line no wider than `max`: whole, or cut with an ellipsis.
pub fn fit(text: &str, weight: Weight, size: f32, max: f32) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if width(&text, weight, size) <= max {
        return text;
    }
    ellipsis(&text, weight, size, max)
}

/// As much of `text` as fits in `max` with "…" after it: whole words
/// (unless the first is too long alone), without a dangling comma or dash.
fn ellipsis(text: &str, weight: Weight, size: f32, max: f32) -> String {
    let fits = |part: &str| width(&format!("{part}…"), weight, size) <= max;
    let (head, rest) = longest_fitting_prefix(text, &fits);
    let in_a_word = rest.starts_with(|c: char| !c.is_whitespace());
    let head = match head.trim_end().rfind(char::is_whitespace) {
        Some(space) if in_a_word => &head[..space],
        _ => head,
    };
    let head = head.trim_end_matches(|c: char| c.is_whitespace() || ",;:–—-".contains(c));
    format!("{head}…")
}

/// `text` wrapped at spaces into lines no wider than `max`, at most
/// `max_lines` of them. A word too long for a line is broken where it
/// must. Returns the lines and whether text was left out (the last line
/// then ends with "…").
pub fn wrap(
    text: &str,
    weight: Weight,
    size: f32,
    max: f32,
    max_lines: usize,
) -> (Vec<String>, bool) {
    let fits = |line: &str| width(line, weight, size) <= max;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        // One line more than allowed is enough to know the text is cut.
        if lines.len() > max_lines {
            break;
        }
        let joined = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if fits(&joined) {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word;
        while !fits(rest) && lines.len() <= max_lines {
            let (head, tail) = longest_fitting_prefix(rest, &fits);
            lines.push(head.to_owned());
            rest = tail;
        }
        line = rest.to_owned();
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() <= max_lines {
        return (lines, false);
    }
    lines.truncate(max_lines);
    let last = lines.pop().unwrap_or_default();
    lines.push(ellipsis(&last, weight, size, max));
    (lines, true)
}

/// `word` split after the most characters that fit (at least one, so that
/// wrapping always moves on).
fn longest_fitting_prefix<'a>(word: &'a str, fits: &impl Fn(&str) -> bool) -> (&'a str, &'a str) {
    let mut end = word.chars().next().map_or(0, char::len_utf8);
    for (i, c) in word.char_indices().skip(1) {
        if !fits(&word[..i + c.len_utf8()]) {
            break;
        }
        end = i + c.len_utf8();
    }
    word.split_at(end)
}

/// Why a picture could not be drawn: a fault in our own templates, never
/// in anyone's input (which is escaped text in them).
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    #[error("the SVG does not parse: {0}")]
    Svg(#[from] usvg::Error),
    #[error("the picture has no size")]
    Size,
    #[error("the PNG could not be written: {0}")]
    Png(String),
}

/// `svg` drawn `scale` times its own size, as a PNG. Slow (milliseconds):
/// call it on a blocking thread.
pub fn png(svg: &str, scale: f32) -> Result<Vec<u8>, DrawError> {
    let options = usvg::Options {
        fontdb: FONTS.clone(),
        font_family: FAMILY.to_owned(),
        // Our templates draw no images; should one ever name a file or a
        // data URL, nothing is read.
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or(DrawError::Size)?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or(DrawError::Size)?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    encode(&pixmap)
}

/// `pixmap` as a PNG compressed hard, RGB when it is opaque (a preview: a
/// quarter less to compress than tiny-skia's own RGBA), RGBA otherwise (a
/// badge's round corners). A preview is fetched far more often than drawn.
fn encode(pixmap: &tiny_skia::Pixmap) -> Result<Vec<u8>, DrawError> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::{ExtendedColorType, ImageEncoder};
    let opaque = pixmap.pixels().iter().all(|pixel| pixel.alpha() == u8::MAX);
    let (channels, kind) = if opaque {
        (3, ExtendedColorType::Rgb8)
    } else {
        (4, ExtendedColorType::Rgba8)
    };
    let bytes: Vec<u8> = pixmap
        .pixels()
        .iter()
        .flat_map(|pixel| {
            let pixel = pixel.demultiply();
            [pixel.red(), pixel.green(), pixel.blue(), pixel.alpha()]
                .into_iter()
                .take(channels)
        })
        .collect();
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive)
        .write_image(&bytes, pixmap.width(), pixmap.height(), kind)
        .map_err(|error| DrawError::Png(error.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_shipped_fonts_are_known() {
        let families: Vec<String> = FONTS
            .faces()
            .flat_map(|face| face.families.iter().map(|(name, _)| name.clone()))
            .collect();
        let shipped: Vec<&str> = SHIPPED.iter().flat_map(|(family, ..)| [*family, *family]).collect();
        assert_eq!(families, shipped);
        assert_eq!(FONTS.len(), 2 * SHIPPED.len());
    }

    #[test]
    fn a_line_is_split_into_runs_of_one_font_each() {
        let spans = spans("NHS: لا تشاركوا 12 بيانات", Weight::Bold);
        let families: Vec<&str> = spans.iter().map(|s| s.family).collect();
        assert_eq!(families, ["Noto Sans Arabic", "Noto Sans", "Noto Sans Arabic"], "{spans:?}");
        assert_eq!(spans.iter().map(|s| s.text.as_str()).collect::<String>(), "\u{2060}NHS: لا تشاركوا 12 بيانات");
        // A line mostly Arabic starts in the Arabic font, invisible
        // controls and all: resvg shapes the line with its first run's font.
        let button = super::spans(&directed("وقّعوا على العريضة", true), Weight::Bold);
        assert_eq!(button.len(), 1, "{button:?}");
        assert_eq!(button[0].family, "Noto Sans Arabic");
        assert!(!covers("שלום עולם, مرحبا, Привет, Γειά, ສ"), "Lao is not shipped");
        assert!(covers("שלום עולם, مرحبا بكم، Привет, Γειά, ትግርኛ, ქართული, Հայերեն"));
        for not_drawn_right in ["日本語", "हिन्दी", "ไทย", "தமிழ்", "ਪੰਜਾਬੀ", "বাংলা", "ગુજરાતી"] {
            assert!(!covers(not_drawn_right), "{not_drawn_right}");
        }
    }

    #[test]
    fn every_letter_of_every_right_to_left_language_has_a_glyph() {
        use petition_core::lang::text;
        let rtl: Vec<_> = crate::lang::all().iter().filter(|l| l.rtl).collect();
        assert!(rtl.iter().any(|l| l.code == "ar"), "Arabic is among them");
        for language in rtl {
            for t in text::SERVER.iter().chain(text::WIDGET.iter()).copied() {
                for count in [1, 2, 11] {
                    let words = language.count(t, count, &[]);
                    let missing: String = words.chars().filter(|c| !covers(&c.to_string())).collect();
                    assert!(missing.is_empty(), "{} {}: no glyph for {missing:?}", language.code, t.key());
                }
            }
            assert!(covers(&language.name), "{}", language.name);
        }
    }

    #[test]
    fn joined_arabic_is_measured_as_it_is_drawn() {
        let joined = width("بيانات", Weight::Regular, 20.0);
        let apart: f32 = "بيانات".chars().map(|c| width(&c.to_string(), Weight::Regular, 20.0)).sum();
        assert!(joined > 20.0 && joined < apart, "{joined} {apart}");
    }

    #[test]
    fn bold_and_larger_text_is_wider() {
        let regular = width("Sign the petition", Weight::Regular, 20.0);
        assert!(regular > 100.0 && regular < 200.0, "{regular}");
        assert!(width("Sign the petition", Weight::Bold, 20.0) > regular);
        assert!((width("Sign the petition", Weight::Regular, 40.0) - 2.0 * regular).abs() < 0.01);
        assert!(width("WWW", Weight::Regular, 20.0) > width("iii", Weight::Regular, 20.0));
    }

    #[test]
    fn text_wraps_at_spaces_within_the_width() {
        let text = "Stop using NHS patients’ personal information for immigration enforcement.";
        let (lines, cut) = wrap(text, Weight::Bold, 60.0, 1000.0, 4);
        assert!(!cut);
        assert!(lines.len() >= 2, "{lines:?}");
        assert_eq!(lines.join(" "), text);
        for line in &lines {
            assert!(width(line, Weight::Bold, 60.0) <= 1000.0, "{line}");
        }
    }

    #[test]
    fn too_much_text_ends_in_an_ellipsis_on_the_last_line() {
        let text = "word ".repeat(500);
        let (lines, cut) = wrap(&text, Weight::Bold, 60.0, 1000.0, 4);
        assert!(cut);
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[3].chars().filter(|&c| c == '…').count(), 1);
        assert!(lines[3].ends_with(" word…"), "whole words: {lines:?}");
        assert!(width(&lines[3], Weight::Bold, 60.0) <= 1000.0);
    }

    #[test]
    fn an_ellipsis_leaves_no_comma_or_half_word() {
        let text = "could ever hold, with Supercalifragilisticexpialidocious words";
        for max in [300.0, 380.0, 420.0, 520.0] {
            let line = fit(text, Weight::Bold, 40.0, max);
            assert!(width(&line, Weight::Bold, 40.0) <= max, "{line}");
            assert!(!line.contains(",…") && !line.contains(" …"), "{line}");
            let kept = line.trim_end_matches('…');
            assert!(text.starts_with(kept), "{line}");
            assert!(
                text[kept.len()..].starts_with([' ', ',']),
                "a whole word: {line}"
            );
        }
    }

    #[test]
    fn a_word_longer_than_a_line_is_broken() {
        let text = "x".repeat(300);
        let (lines, cut) = wrap(&text, Weight::Regular, 40.0, 500.0, 3);
        assert!(cut);
        assert_eq!(lines.len(), 3);
        for line in &lines {
            assert!(width(line, Weight::Regular, 40.0) <= 500.0, "{line}");
        }
        assert_eq!(
            fit(&text, Weight::Regular, 40.0, 500.0).chars().last(),
            Some('…')
        );
        assert_eq!(fit("short", Weight::Regular, 40.0, 500.0), "short");
    }
}



