//! The QR code for posters and clinics: the petition's page with
//! `?source=qr`, so the count of people who came by a poster can be told
//! apart. Made by the `qrcode` crate at medium error correction (a smudged
//! or folded poster still scans), with the standard quiet zone of 4 modules.

use image::{codecs::png::PngEncoder, ImageEncoder};
use qrcode::{render::svg, Color, EcLevel, QrCode};

/// The quiet zone around the code, in modules, as the standard asks.
const QUIET: u32 = 4;
/// How many pixels wide the SVG says one module is: its natural size is
/// a few hundred pixels; it scales without loss.
const SVG_MODULE: u32 = 8;

/// The PNG's size when none is asked for, its least and its most, in
/// pixels. It is the largest whole number of pixels per module that fits,
/// so it comes out at or a little under the size asked for.
pub const DEFAULT_SIZE: u32 = 400;
pub const MIN_SIZE: u32 = 100;
pub const MAX_SIZE: u32 = 2000;

/// What the code says: the petition's page, marked as reached by QR code.
pub fn content(page_url: &str) -> String {
    format!("{page_url}?source=qr")
}

/// `text` as a QR code. Any address we make fits (a QR code holds 2,331
/// bytes at this level).
fn code(text: &str) -> QrCode {
    QrCode::with_error_correction_level(text, EcLevel::M)
        .expect("a petition's address fits in a QR code")
}

/// The QR code for `text` as SVG, black on white.
pub fn svg(text: &str) -> String {
    code(text)
        .render::<svg::Color>()
        .quiet_zone(true)
        .module_dimensions(SVG_MODULE, SVG_MODULE)
        .build()
}

/// The QR code for `text` as a grey-scale PNG at most `size` pixels square
/// (at least one pixel per module), each module a whole number of pixels
/// so that its edges are crisp.
pub fn png(text: &str, size: u32) -> Vec<u8> {
    let code = code(text);
    let modules = code.width() as u32;
    let scale = (size / (modules + 2 * QUIET)).max(1);
    let side = (modules + 2 * QUIET) * scale;
    let colors = code.to_colors();
    let dark = |x: u32, y: u32| {
        let (x, y) = (
            (x / scale).checked_sub(QUIET),
            (y / scale).checked_sub(QUIET),
        );
        match (x, y) {
            (Some(x), Some(y)) if x < modules && y < modules => {
                colors[(y * modules + x) as usize] == Color::Dark
            }
            _ => false,
        }
    };
    let pixels: Vec<u8> = (0..side)
        .flat_map(|y| (0..side).map(move |x| (x, y)))
        .map(|(x, y)| if dark(x, y) { 0 } else { 255 })
        .collect();
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(&pixels, side, side, image::ExtendedColorType::L8)
        .expect("a grey-scale image in memory encodes");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_is_crisp_and_near_the_size_asked_for() {
        let text = content("https://petition.example.org/p/stop-sharing");
        for size in [MIN_SIZE, DEFAULT_SIZE, 1000] {
            let png = png(&text, size);
            let image = image::load_from_memory(&png).unwrap().to_luma8();
            assert_eq!(image.width(), image.height());
            assert!(
                image.width() <= size && image.width() > size * 2 / 3,
                "{size}"
            );
            assert!(image.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
            // The quiet zone: the top row is white.
            assert!((0..image.width()).all(|x| image.get_pixel(x, 0).0[0] == 255));
        }
    }

    #[test]
    fn the_svg_names_its_size() {
        let svg = svg(&content("https://petition.example.org/p/stop-sharing"));
        assert!(svg.contains("<svg") && svg.contains(r#"shape-rendering="crispEdges""#));
    }
}
