//! The pictures a petition is shared with: its link preview, its badge and
//! its QR code, fetched over HTTP and read as the apps, mail programs and
//! phones that show them would (decoded, measured, scanned).

use petition_server::{petition_file::PetitionFile, store};

use crate::helpers::{repo_root, signature, spawn_app, spawn_configured, TestApp};

/// The accent of the petitions these tests make: a red no other part of
/// the pictures is drawn in.
const ACCENT: [u8; 3] = [0xb3, 0x26, 0x1e];

/// The demo petition's file, changed by `change` and saved under `slug`.
async fn petition(app: &TestApp, slug: &str, change: impl FnOnce(&mut PetitionFile)) {
    let text = std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml")).unwrap();
    let mut file = PetitionFile::parse(&text).unwrap();
    file.slug = slug.into();
    file.accent_colour = "#b3261e".into();
    change(&mut file);
    assert!(file.problems().is_empty(), "{:?}", file.problems());
    let db = store::Db::connect(app.database_url()).await.unwrap();
    store::upsert_petition(&db, &app.clock, &file)
        .await
        .unwrap();
    db.close().await;
}

/// A petition whose count shows from the first signature and whose bar is
/// heading for 4: each signature fills a quarter of it.
async fn small_petition(app: &TestApp, slug: &str) {
    petition(app, slug, |file| {
        file.show_count_from = 1;
        file.goal_steps = vec![4, 8];
    })
    .await;
}

/// `path`'s body, after checking it is a 200 of `content_type`.
async fn fetch(app: &TestApp, path: &str, content_type: &str) -> Vec<u8> {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], content_type, "{path}");
    response.bytes().await.unwrap().to_vec()
}

/// A PNG as an RGB picture, checking that it is one.
fn decode(png: &[u8]) -> image::RgbImage {
    assert_eq!(
        image::guess_format(png).unwrap(),
        image::ImageFormat::Png,
        "a PNG"
    );
    image::load_from_memory(png).unwrap().to_rgb8()
}

/// How long the accent-coloured bar is: the longest run of the accent
/// colour from the left margin on any row of the picture's lower half
/// (the band along the top is accent too, and spans the whole width).
fn bar_length(picture: &image::RgbImage) -> u32 {
    let accent = |x: u32, y: u32| {
        let pixel = picture.get_pixel(x, y).0;
        (0..3).all(|i| pixel[i].abs_diff(ACCENT[i]) <= 2)
    };
    (picture.height() / 2..picture.height())
        .map(|y| (72..picture.width()).take_while(|&x| accent(x, y)).count() as u32)
        .max()
        .unwrap()
}

/// The `growing` petition's link preview.
async fn preview(app: &TestApp) -> image::RgbImage {
    decode(&fetch(app, "/p/growing/preview.png", "image/png").await)
}

#[tokio::test]
async fn the_preview_is_a_1200_by_630_png_whose_bar_grows_with_the_count() {
    let app = spawn_app().await;
    small_petition(&app, "growing").await;
    let none = preview(&app).await;
    assert_eq!(none.dimensions(), (1200, 630));
    assert_eq!(bar_length(&none), 0, "no signature, no bar");

    assert_eq!(
        app.sign("growing", &signature("first@example.org"))
            .await
            .status(),
        200
    );
    let one = preview(&app).await;
    assert_ne!(one, none, "the picture changed with the count");
    // A quarter of the 1056 px bar, give or take its round end's edge.
    let quarter = bar_length(&one);
    assert!(quarter.abs_diff(1056 / 4) <= 2, "{quarter}");

    assert_eq!(
        app.sign("growing", &signature("second@example.org"))
            .await
            .status(),
        200
    );
    let half = bar_length(&preview(&app).await);
    assert!(half.abs_diff(1056 / 2) <= 2, "{half}");
}

#[tokio::test]
async fn a_title_with_markup_quotes_and_no_end_still_draws() {
    let app = spawn_app().await;
    petition(&app, "hostile", |file| {
        file.title = format!(
            r#"<script>alert("x")</script> & 'quotes' ]]> <!-- {} {}"#,
            "a very long title that goes on ".repeat(40),
            "unbreakable".repeat(60)
        );
        file.organiser = r#"<b>"Org"</b> & <i>co</i>"#.into();
    })
    .await;
    let picture = decode(&fetch(&app, "/p/hostile/preview.png", "image/png").await);
    assert_eq!(picture.dimensions(), (1200, 630));
    // Black-ish title text was drawn: the title is there, as text.
    let dark = picture
        .pixels()
        .filter(|p| p.0.iter().all(|&c| c < 60))
        .count();
    assert!(dark > 20_000, "{dark} dark pixels");

    let badge =
        String::from_utf8(fetch(&app, "/p/hostile/badge.svg", "image/svg+xml").await).unwrap();
    assert!(
        !badge.contains("<script") && !badge.contains("<b>"),
        "{badge}"
    );
}

#[tokio::test]
async fn the_badge_holds_the_live_count_in_svg_and_in_png_at_twice_its_size() {
    let app = spawn_app().await;
    small_petition(&app, "badge").await;
    let svg = String::from_utf8(fetch(&app, "/p/badge/badge.svg", "image/svg+xml").await).unwrap();
    assert!(svg.contains(">Sign the petition<"), "{svg}");
    assert!(svg.contains(">Be one of the first<"), "{svg}");

    for n in 0..3 {
        let person = signature(&format!("badge{n}@example.org"));
        assert_eq!(app.sign("badge", &person).await.status(), 200);
    }
    let svg = String::from_utf8(fetch(&app, "/p/badge/badge.svg", "image/svg+xml").await).unwrap();
    assert!(svg.contains(">3 signed<"), "{svg}");
    assert!(
        svg.contains(r#"aria-label="Sign the petition: 3 signed""#),
        "{svg}"
    );

    // The PNG is the SVG at twice its size, for sharp text on any screen.
    let tree = resvg::usvg::Tree::from_str(&svg, &Default::default()).unwrap();
    let png = decode(&fetch(&app, "/p/badge/badge.png", "image/png").await);
    assert_eq!(
        png.dimensions(),
        (
            2 * tree.size().width() as u32,
            2 * tree.size().height() as u32
        )
    );
    assert_eq!(png.height(), 56);
    // Its right part is the petition's accent colour.
    let right = png.get_pixel(png.width() - 8, png.height() / 2).0;
    assert_eq!(right, ACCENT);
}

/// What a phone reads from a QR code in `picture`.
fn scan(picture: image::GrayImage) -> String {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        picture.width() as usize,
        picture.height() as usize,
        |x, y| picture.get_pixel(x as u32, y as u32).0[0],
    );
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn the_qr_code_reads_as_the_petitions_page_with_source_qr() {
    // A public address given with a trailing slash, as people write it.
    let app = spawn_configured(|config| {
        config.mail.public_url = Some("https://petition.example.org/".into())
    })
    .await;
    let page = "https://petition.example.org/p/stop-sharing?source=qr";

    let png = fetch(&app, "/p/stop-sharing/qr.png", "image/png").await;
    let picture = image::load_from_memory(&png).unwrap().to_luma8();
    assert!(
        (300..=400).contains(&picture.width()),
        "{}",
        picture.width()
    );
    assert_eq!(scan(picture), page);

    let large = fetch(&app, "/p/stop-sharing/qr.png?size=1200", "image/png").await;
    let picture = image::load_from_memory(&large).unwrap().to_luma8();
    assert!(
        (1000..=1200).contains(&picture.width()),
        "{}",
        picture.width()
    );
    assert_eq!(scan(picture), page);

    // The SVG, drawn as a browser or a printer would, reads the same.
    let svg =
        String::from_utf8(fetch(&app, "/p/stop-sharing/qr.svg", "image/svg+xml").await).unwrap();
    let tree = resvg::usvg::Tree::from_str(&svg, &Default::default()).unwrap();
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(&tree, Default::default(), &mut pixmap.as_mut());
    let picture = image::GrayImage::from_fn(size.width(), size.height(), |x, y| {
        image::Luma([pixmap.pixel(x, y).unwrap().demultiply().red()])
    });
    assert_eq!(scan(picture), page);

    for bad in ["abc", "50", "5000", "-1", ""] {
        let response = app.get(&format!("/p/stop-sharing/qr.png?size={bad}")).await;
        assert_eq!(response.status(), 400, "size={bad}");
        let error: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            error["error"], "size must be a whole number of pixels from 100 to 2000",
            "size={bad}"
        );
    }
}

#[tokio::test]
async fn each_picture_is_cached_as_long_as_it_stays_true_and_revalidated_by_its_etag() {
    let app = spawn_app().await;
    small_petition(&app, "cached").await;
    for (path, max_age) in [
        ("/p/cached/preview.png", 300),
        ("/p/cached/badge.svg", 60),
        ("/p/cached/badge.png", 60),
        ("/p/cached/qr.svg", 604_800),
        ("/p/cached/qr.png", 604_800),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["cache-control"],
            format!("public, max-age={max_age}"),
            "{path}"
        );
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.ends_with('"'), "{path}: {etag}");

        let again = app
            .client
            .get(format!("{}{path}", app.base))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"], etag.as_str(), "{path}");
        assert_eq!(
            again.headers()["cache-control"],
            format!("public, max-age={max_age}")
        );
        assert!(again.bytes().await.unwrap().is_empty());
    }

    // A new signature: the preview and the badge are new pictures, with new
    // tags; the QR code is the same.
    let before: Vec<String> = etags(&app).await;
    assert_eq!(
        app.sign("cached", &signature("cached@example.org"))
            .await
            .status(),
        200
    );
    let after = etags(&app).await;
    for i in 0..3 {
        assert_ne!(before[i], after[i], "{i}");
    }
    assert_eq!(before[3..], after[3..]);
}

/// The ETags of the `cached` petition's pictures, in the order above.
async fn etags(app: &TestApp) -> Vec<String> {
    let mut tags = Vec::new();
    for picture in ["preview.png", "badge.svg", "badge.png", "qr.svg", "qr.png"] {
        let response = app.get(&format!("/p/cached/{picture}")).await;
        let tag = response.headers()["etag"].to_str().unwrap();
        tags.push(tag.trim_start_matches("W/").to_owned());
    }
    tags
}

#[tokio::test]
async fn a_petition_that_is_not_there_has_no_pictures() {
    let app = spawn_app().await;
    for picture in ["preview.png", "badge.svg", "badge.png", "qr.svg", "qr.png"] {
        let response = app.get(&format!("/p/no-such-petition/{picture}")).await;
        assert_eq!(response.status(), 404, "{picture}");
    }
}
