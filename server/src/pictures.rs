//! An organiser's pictures: the hero image at the top of a petition's page
//! and the organiser's logo, named by a petition file (`hero_image`, `logo`)
//! and kept in files beside it.
//!
//! They are read when a petition file is loaded from the petitions folder (at
//! start-up, and by `admin apply` and `admin check`), decoded whatever their
//! kind, sized down to what the page shows, encoded once (the hero as JPEG,
//! the logo as PNG, keeping its transparency) and stored in the database, so
//! that every server on one database serves the same bytes and none needs the
//! petitions folder afterwards. The admin API and the dashboard take no files:
//! they keep the pictures a petition has.

use std::{io::Cursor, path::Path};

use anyhow::{bail, Context};
use image::{DynamicImage, GenericImageView, ImageFormat, ImageReader, Limits, RgbImage};

use crate::petition_file::PetitionFile;

/// Which picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The wide picture at the top of the petition's page.
    Hero,
    /// The organiser's logo.
    Logo,
}

impl Kind {
    /// Both, in the order the page shows them.
    pub const ALL: [Kind; 2] = [Kind::Hero, Kind::Logo];

    /// As stored, and as the petition file's field is named.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Hero => "hero",
            Kind::Logo => "logo",
        }
    }

    /// The petition file's field naming it.
    pub const fn field(self) -> &'static str {
        match self {
            Kind::Hero => "hero_image",
            Kind::Logo => "logo",
        }
    }

    /// The most it is shown at (width, height): larger pictures are sized
    /// down to fit, keeping their shape; smaller ones stay as they are.
    pub const fn largest(self) -> (u32, u32) {
        match self {
            Kind::Hero => (1600, 900),
            Kind::Logo => (480, 240),
        }
    }

    /// The `Content-Type` it is stored and served as.
    pub const fn content_type(self) -> &'static str {
        match self {
            Kind::Hero => "image/jpeg",
            Kind::Logo => "image/png",
        }
    }

    /// Its file name under `/p/{slug}/`.
    pub const fn served_as(self) -> &'static str {
        match self {
            Kind::Hero => "hero.jpg",
            Kind::Logo => "logo.png",
        }
    }

    /// The kind stored as `text`.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The file `petition` names for it, if any.
    pub fn named_by(self, petition: &PetitionFile) -> Option<&str> {
        match self {
            Kind::Hero => petition.hero_image.as_deref(),
            Kind::Logo => petition.logo.as_deref(),
        }
    }
}

/// A picture ready to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Hero image or logo.
    pub kind: Kind,
    /// The file it was read from (as the petition file names it): the page
    /// shows a picture only while the petition still names that file.
    pub file_name: String,
    /// In pixels, as encoded.
    pub width: u32,
    /// In pixels, as encoded.
    pub height: u32,
    /// Encoded as [`Kind::content_type`].
    pub bytes: Vec<u8>,
    /// SHA-256 of `bytes`, hex: the picture's `ETag`.
    pub digest: String,
}

/// The largest picture file read, before decoding.
const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// The largest picture decoded, each way, in pixels.
const MAX_SIDE: u32 = 12_000;

/// JPEG quality of a stored hero image: no visible loss at the page's size.
const HERO_QUALITY: u8 = 82;

/// Reads, sizes and encodes every picture `petition` names, from the folder
/// `dir` its file is in. An error names the field and the file.
pub fn read_all(dir: &Path, petition: &PetitionFile) -> anyhow::Result<Vec<Picture>> {
    Kind::ALL
        .into_iter()
        .filter_map(|kind| kind.named_by(petition).map(|name| (kind, name)))
        .map(|(kind, name)| {
            let path = dir.join(name);
            read(&path, kind).with_context(|| {
                format!(
                    "{} = {name:?}: could not use {} as the petition's {}",
                    kind.field(),
                    path.display(),
                    match kind {
                        Kind::Hero => "hero image",
                        Kind::Logo => "logo",
                    }
                )
            })
        })
        .collect()
}

/// One picture from the file at `path`.
fn read(path: &Path, kind: Kind) -> anyhow::Result<Picture> {
    let size = std::fs::metadata(path)
        .context("there is no such file beside the petition file")?
        .len();
    if size > MAX_FILE_BYTES {
        bail!(
            "the file is {} MB; use one of at most {} MB",
            size / 1_000_000,
            MAX_FILE_BYTES / 1_000_000
        );
    }
    let bytes = std::fs::read(path).context("the file could not be read")?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    prepare(&bytes, kind, file_name)
}

/// `bytes` (a PNG, JPEG or WebP file) decoded, sized to fit
/// [`Kind::largest`] and encoded as [`Kind::content_type`].
pub fn prepare(bytes: &[u8], kind: Kind, file_name: String) -> anyhow::Result<Picture> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .context("the file could not be read")?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)
    ) {
        bail!("it is not a PNG, JPEG or WebP picture");
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|error| anyhow::anyhow!("the picture could not be decoded ({error})"))?;
    let (most_wide, most_high) = kind.largest();
    let image = if image.width() > most_wide || image.height() > most_high {
        image.resize(most_wide, most_high, image::imageops::FilterType::Lanczos3)
    } else {
        image
    };
    let (width, height) = image.dimensions();
    let mut encoded = Cursor::new(Vec::new());
    match kind {
        Kind::Hero => {
            let encoder =
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut encoded, HERO_QUALITY);
            DynamicImage::ImageRgb8(on_white(&image)).write_with_encoder(encoder)?;
        }
        Kind::Logo => image.to_rgba8().write_to(&mut encoded, ImageFormat::Png)?,
    }
    let bytes = encoded.into_inner();
    Ok(Picture {
        kind,
        file_name,
        width,
        height,
        digest: {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&bytes))
        },
        bytes,
    })
}

/// `image` without transparency, as it looks on the page's white (a JPEG
/// has no transparency; dropping it would turn clear pixels black).
fn on_white(image: &DynamicImage) -> RgbImage {
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([over(r), over(g), over(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, rgba: [u8; 4]) -> Vec<u8> {
        let image = image::RgbaImage::from_pixel(width, height, image::Rgba(rgba));
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, ImageFormat::Png).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn a_large_hero_is_sized_to_fit_and_becomes_a_jpeg() {
        let picture = prepare(
            &png(3200, 1200, [11, 87, 164, 255]),
            Kind::Hero,
            "h.png".into(),
        )
        .unwrap();
        assert_eq!((picture.width, picture.height), (1600, 600));
        let decoded = image::load_from_memory(&picture.bytes).unwrap();
        assert_eq!(
            image::guess_format(&picture.bytes).unwrap(),
            ImageFormat::Jpeg
        );
        assert_eq!(decoded.dimensions(), (1600, 600));
    }

    #[test]
    fn a_tall_logo_fits_its_box_and_keeps_its_transparency() {
        let picture = prepare(&png(300, 600, [0, 0, 0, 0]), Kind::Logo, "l.png".into()).unwrap();
        assert_eq!((picture.width, picture.height), (120, 240));
        let decoded = image::load_from_memory(&picture.bytes).unwrap().to_rgba8();
        assert_eq!(decoded.get_pixel(10, 10).0[3], 0, "still clear");
    }

    #[test]
    fn a_small_picture_is_left_its_size() {
        let picture =
            prepare(&png(200, 100, [255, 0, 0, 255]), Kind::Logo, "l.png".into()).unwrap();
        assert_eq!((picture.width, picture.height), (200, 100));
    }

    #[test]
    fn a_clear_hero_is_white_not_black() {
        let picture = prepare(&png(40, 20, [0, 0, 0, 0]), Kind::Hero, "h.png".into()).unwrap();
        let pixel = image::load_from_memory(&picture.bytes)
            .unwrap()
            .to_rgb8()
            .get_pixel(5, 5)
            .0;
        assert!(pixel.iter().all(|&c| c > 245), "{pixel:?}");
    }

    #[test]
    fn what_is_not_a_picture_is_refused_in_words() {
        for bytes in [
            b"GIF89a....".to_vec(),
            b"not a picture at all".to_vec(),
            png(4, 4, [0; 4])[..40].to_vec(),
        ] {
            let error = prepare(&bytes, Kind::Hero, "h.png".into()).unwrap_err();
            let words = format!("{error:#}");
            assert!(
                words.contains("not a PNG, JPEG or WebP") || words.contains("could not be decoded"),
                "{words}"
            );
        }
    }
}
