//! Drawing: the fonts in `server/fonts/` (compiled in; no system font is
//! ever looked for, so a picture is the same on every machine), text
//! measured with them, and SVG rasterised to PNG with resvg.

use std::sync::{Arc, LazyLock};

use resvg::{tiny_skia, usvg};

/// Noto Sans Regular (see `server/fonts/README.md`).
static REGULAR: &[u8] = include_bytes!("../../../fonts/NotoSans-Regular.ttf");
/// Noto Sans Bold.
static BOLD: &[u8] = include_bytes!("../../../fonts/NotoSans-Bold.ttf");

/// The one family the pictures are drawn in; the templates name it, and
/// every generic family (`sans-serif`, `serif`, …) is it too.
pub const FAMILY: &str = "Noto Sans";

/// The fonts resvg draws with: ours only, built once.
static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut fonts = usvg::fontdb::Database::new();
    for data in [REGULAR, BOLD] {
        fonts.load_font_source(usvg::fontdb::Source::Binary(Arc::new(data)));
    }
    fonts.set_sans_serif_family(FAMILY);
    fonts.set_serif_family(FAMILY);
    fonts.set_monospace_family(FAMILY);
    fonts.set_cursive_family(FAMILY);
    fonts.set_fantasy_family(FAMILY);
    Arc::new(fonts)
});

/// The same fonts, read for their glyphs' widths.
static FACES: LazyLock<[ttf_parser::Face<'static>; 2]> = LazyLock::new(|| {
    [REGULAR, BOLD].map(|data| ttf_parser::Face::parse(data, 0).expect("the shipped fonts parse"))
});

/// Which of the two fonts a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// The width in pixels of `text` set in `weight` at `size` px: the sum of
/// its glyphs' advances (kerning, which only narrows Latin text, is left
/// out, so the measure errs on the wide side). A character the font lacks
/// counts as the font's empty box, as it is drawn.
pub fn width(text: &str, weight: Weight, size: f32) -> f32 {
    let face = &FACES[weight as usize];
    let units: u32 = text
        .chars()
        .map(|c| {
            let glyph = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
            u32::from(face.glyph_hor_advance(glyph).unwrap_or(0))
        })
        .sum();
    units as f32 * size / f32::from(face.units_per_em())
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
        assert_eq!(families, [FAMILY, FAMILY]);
        assert_eq!(FONTS.len(), 2);
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
