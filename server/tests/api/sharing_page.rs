//! The petition's own page (`/p/{slug}`), its poster and the organiser's
//! pictures: what a person without JavaScript, a crawler making a link
//! preview and a printer get.

use std::io::Cursor;

use image::{GenericImageView, ImageFormat};
use petition_server::petition_file::PetitionFile;

use crate::{dashboard_editor, helpers::*};

/// The demo petition's file, as a string.
fn demo_text() -> String {
    std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml")).unwrap()
}

/// A PNG of `width` × `height` in one colour.
fn png(width: u32, height: u32, rgba: [u8; 4]) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(width, height, image::Rgba(rgba))
        .write_to(&mut bytes, ImageFormat::Png)
        .unwrap();
    bytes.into_inner()
}

/// A petitions folder holding the demo petition with `changes` made to its
/// text, and `files` beside it.
fn folder(changes: &[(&str, &str)], files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    folder_of(demo_text(), changes, files)
}

/// A petitions folder holding `text` with `changes`, and `files` beside it.
fn folder_of(mut text: String, changes: &[(&str, &str)], files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in changes {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    std::fs::write(dir.path().join("stop-sharing.toml"), text).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

/// The demo petition with a hero image and a logo, in English alone: each
/// of its translations would need the picture's words (`hero_alt`) too.
fn with_pictures() -> tempfile::TempDir {
    let text = demo_text();
    let english = text.split("\n[translations.").next().unwrap().to_owned();
    folder_of(
        english,
        &[(
            "# hero_image = \"stop-sharing-hero.jpg\"",
            "hero_image = \"hero.png\"\nhero_alt = \"Nurses outside a hospital\"\nlogo = \"logo.png\"",
        )],
        &[
            ("hero.png", png(1800, 1200, [200, 40, 40, 255])),
            ("logo.png", png(600, 600, [0, 0, 0, 0])),
        ],
    )
}

/// A server reading its petitions from `dir`.
async fn spawn_reading(dir: &tempfile::TempDir) -> TestApp {
    let petitions = dir.path().to_owned();
    spawn_configured(move |config| config.petitions_dir = petitions).await
}

/// The `content` of the `<meta>` whose `property` or `name` is `key`.
fn meta<'a>(html: &'a str, key: &str) -> Option<&'a str> {
    ["property", "name"].iter().find_map(|attribute| {
        let start = format!("<meta {attribute}=\"{key}\" content=\"");
        let at = html.find(&start)? + start.len();
        Some(&html[at..at + html[at..].find('"')?])
    })
}

/// The `<img>` tag whose class is `class`.
fn img<'a>(html: &'a str, class: &str) -> Option<&'a str> {
    let at = html.find(&format!("<img class=\"{class}\""))?;
    Some(&html[at..at + html[at..].find('>')? + 1])
}

/// The value of `attribute` in `tag`.
fn attribute<'a>(tag: &'a str, attribute: &str) -> &'a str {
    let start = format!(" {attribute}=\"");
    let at = tag
        .find(&start)
        .unwrap_or_else(|| panic!("{attribute} in {tag}"))
        + start.len();
    &tag[at..at + tag[at..].find('"').unwrap()]
}

async fn page(
    app: &TestApp,
    path: &str,
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, String) {
    let response = app.get(path).await;
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn without_javascript_the_page_shows_the_petition_its_count_and_its_milestones() {
    let app = spawn_app().await;
    let (status, headers, html) = page(&app, "/p/stop-sharing").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<p class=\"count first\">Be one of the first to sign this petition.</p>"),
        "{html}"
    );
    assert!(html.contains("<li class=\"next\">No milestones yet: the first is 10 signatures.</li>"));
    assert!(
        !html.contains("Next milestone"),
        "the first milestone is named once: {html}"
    );

    for n in 0..12 {
        assert_eq!(
            app.sign("stop-sharing", &signature(&format!("p{n}@example.org")))
                .await
                .status(),
            200
        );
    }
    let (status, headers_after, html) = page(&app, "/p/stop-sharing").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    for headers in [&headers, &headers_after] {
        assert_eq!(headers["cache-control"], "public, max-age=5");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains("default-src 'none'")
                && policy.contains("script-src 'self' 'wasm-unsafe-eval'")
                && policy.contains("require-trusted-types-for 'script'; trusted-types petition-widget"),
            "{policy}"
        );
        assert!(
            !policy.contains("script-src 'self' 'unsafe-inline'"),
            "{policy}"
        );
        assert!(headers.get("set-cookie").is_none());
    }
    assert!(
        html.starts_with("<!doctype html>\n<html lang=\"en\" dir=\"ltr\">"),
        "{html}"
    );
    assert!(html.contains("<h1 id=\"title\">Stop using NHS patients’ personal information for immigration enforcement.</h1>"));
    assert!(html.contains("<p class=\"target\">To: The Government</p>"));
    assert!(
        html.contains("<p class=\"count\"><strong>12</strong> signatures</p>"),
        "{html}"
    );
    assert!(
        html.contains("aria-valuenow=\"12\"")
            && html.contains("aria-valuetext=\"12 of 10,000 signatures\"")
    );
    // 12 of 10,000 is 1.2 thousandths of the way, in the accent colour.
    assert!(
        html.contains("<rect width=\"1\" height=\"16\" fill=\"#a4122d\"/>"),
        "{html}"
    );
    assert!(html.contains("<p class=\"goal\">Help us reach 10,000 signatures</p>"));
    assert!(html.contains("<p class=\"tally\">12 doctors, nurses and midwives have signed</p>"));
    assert!(html.contains("<li class=\"next\">Next milestone: 25 signatures</li>"));
    let reached = html
        .find("<li>10 signatures reached · <time datetime=\"")
        .expect("the first milestone, dated");
    let day = &html[reached..html[reached..].find("</li>").unwrap() + reached];
    let today = app.clock.rfc3339();
    assert!(
        day.contains(&format!("datetime=\"{}", &today[..10])),
        "{day}"
    );
    assert!(
        html.contains("<p>The UK government and NHS Digital"),
        "the body's paragraphs"
    );
    assert!(html.contains(
        "This petition is supported by Doctors of the World UK, National AIDS Trust and Liberty."
    ));
    // Signing needs the widget; the page says so kindly, and loads it once.
    assert!(html.contains(
        "<noscript><p class=\"needs-script\">To sign this petition, please turn on JavaScript"
    ));
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert!(html.contains(&format!(
        "<script src=\"{}/embed.js\" async></script>",
        app.base
    )));
    let host = html
        .find("<div class=\"petition\" data-petition=\"stop-sharing\" data-lang=\"en\">")
        .expect("the widget's host");
    assert!(
        host < html.find("<h1").unwrap(),
        "the petition is inside the widget's host"
    );
    assert!(
        !html.contains(" style=\""),
        "no inline style: the policy forbids it"
    );
    // And the words are the stylesheet's, served beside it.
    let css = app.get("/p/page.css").await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(css.text().await.unwrap().contains(".bar{"));
}

#[tokio::test]
async fn a_closed_petition_says_so_and_shows_what_it_reached() {
    let dir = folder(
        &[(
            "show_count_from = 10",
            "show_count_from = 10\ncloses_at = \"2020-01-01T00:00:00Z\"",
        )],
        &[],
    );
    let app = spawn_reading(&dir).await;
    let (_, _, html) = page(&app, "/p/stop-sharing").await;
    assert!(
        html.contains("This petition has closed and is no longer taking signatures."),
        "{html}"
    );
    assert!(
        html.contains("<p class=\"count\"><strong>0</strong> signatures</p>"),
        "{html}"
    );
    assert!(html.contains("<p class=\"goal\">Its goal was 10,000 signatures</p>"));
    assert!(
        !html.contains("Next milestone") && !html.contains("needs-script"),
        "{html}"
    );
}

#[tokio::test]
async fn link_previews_have_every_tag_with_absolute_addresses_and_the_oembed_link() {
    let app = spawn_app().await;
    let (_, _, html) = page(&app, "/p/stop-sharing").await;
    let url = format!("{}/p/stop-sharing", app.base);
    let title = "Stop using NHS patients’ personal information for immigration enforcement.";
    let summary =
        "Stop using NHS patients’ personal information to carry out immigration enforcement.";
    assert!(html.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")));
    assert!(html.contains(&format!(
        "<meta name=\"description\" content=\"{summary}\">"
    )));
    let expected = [
        ("og:type", "website".to_owned()),
        ("og:title", title.to_owned()),
        ("og:description", summary.to_owned()),
        ("og:url", url.clone()),
        ("og:image", format!("{url}/preview.png")),
        ("og:image:width", "1200".to_owned()),
        ("og:image:height", "630".to_owned()),
        (
            "og:image:alt",
            format!("{title}: Be one of the first to sign"),
        ),
        ("twitter:card", "summary_large_image".to_owned()),
        ("twitter:title", title.to_owned()),
        ("twitter:description", summary.to_owned()),
        ("twitter:image", format!("{url}/preview.png")),
    ];
    for (key, value) in expected {
        assert_eq!(meta(&html, key), Some(value.as_str()), "{key}");
    }
    let discovery = format!(
        "<link rel=\"alternate\" type=\"application/json+oembed\" href=\"{}/oembed?url={}&#38;format=json\" title=\"{title}\">",
        app.base,
        url.replace(':', "%3A").replace('/', "%2F")
    );
    assert!(html.contains(&discovery), "{html}");
    assert!(html.contains(&format!(
        "<title>{title} – Doctors of the World UK</title>"
    )));

    for n in 0..10 {
        app.sign("stop-sharing", &signature(&format!("q{n}@example.org")))
            .await;
    }
    let (_, _, html) = page(&app, "/p/stop-sharing").await;
    assert_eq!(
        meta(&html, "og:image:alt"),
        Some(format!("{title}: 10 signatures").as_str())
    );
}

#[tokio::test]
async fn an_unknown_petition_is_a_plain_404_page() {
    let app = spawn_app().await;
    for path in [
        "/p/no-such-petition",
        "/p/no-such-petition/poster",
        "/p/%3Cscript%3E",
    ] {
        let (status, headers, html) = page(&app, path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert!(
            html.contains("<h1>There is no petition at this address</h1>"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
    }
    assert_eq!(app.get("/p/no-such-petition/hero.jpg").await.status(), 404);
    assert_eq!(
        app.get("/p/stop-sharing/logo.png").await.status(),
        404,
        "the demo has no logo"
    );
}

#[tokio::test]
async fn a_hostile_title_and_partner_stay_text() {
    let hostile = r#"<script>alert("x")</script> & 'quotes'"#;
    let dir = folder(
        &[
            (
                "title = \"Stop using NHS patients’ personal information for immigration enforcement.\"",
                &format!("title = {hostile:?}"),
            ),
        ],
        &[],
    );
    let app = spawn_reading(&dir).await;
    for path in [
        "/p/stop-sharing?partner=%22%3E%3Cscript%3E",
        "/p/stop-sharing/poster",
    ] {
        let (status, _, html) = page(&app, path).await;
        assert_eq!(status, 200);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            !html.contains("\"x\"") && !html.contains("'quotes'"),
            "{html}"
        );
        assert!(
            html.contains(
                "&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quotes&#39;"
            ),
            "{html}"
        );
        assert!(
            !html.contains("data-partner"),
            "not a partner of the petition's"
        );
    }
    let (_, _, html) = page(&app, "/p/stop-sharing?partner=medact&source=qr").await;
    assert!(
        html.contains("data-petition=\"stop-sharing\" data-partner=\"medact\" data-lang=\"en\">"),
        "{html}"
    );
}

#[tokio::test]
async fn the_organisers_pictures_are_sized_stored_and_served_with_their_size() {
    let dir = with_pictures();
    let app = spawn_reading(&dir).await;
    let (_, _, html) = page(&app, "/p/stop-sharing").await;

    // 1800 × 1200 fits 1600 × 900 as 1350 × 900; 600 × 600 fits 480 × 240 as 240 × 240.
    let hero = img(&html, "hero").expect("the hero image");
    assert_eq!(
        (attribute(hero, "width"), attribute(hero, "height")),
        ("1350", "900"),
        "{hero}"
    );
    assert_eq!(attribute(hero, "alt"), "Nurses outside a hospital");
    let logo = img(&html, "logo").expect("the logo");
    assert_eq!(
        (attribute(logo, "width"), attribute(logo, "height")),
        ("240", "240"),
        "{logo}"
    );
    assert_eq!(attribute(logo, "alt"), "Doctors of the World UK");

    for (tag, format, size) in [
        (hero, ImageFormat::Jpeg, (1350, 900)),
        (logo, ImageFormat::Png, (240, 240)),
    ] {
        let src = attribute(tag, "src");
        let response = app.get(src).await;
        assert_eq!(response.status(), 200, "{src}");
        let mime = if format == ImageFormat::Jpeg {
            "image/jpeg"
        } else {
            "image/png"
        };
        assert_eq!(response.headers()["content-type"], mime);
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let bytes = response.bytes().await.unwrap();
        assert_eq!(image::guess_format(&bytes).unwrap(), format);
        assert_eq!(image::load_from_memory(&bytes).unwrap().dimensions(), size);
        // Asked for again, the browser's copy is still good.
        let again = app
            .client
            .get(format!("{}{src}", app.base))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        // Without its version in the address, it is cached for an hour only.
        let plain = app.get(src.split('?').next().unwrap()).await;
        assert_eq!(plain.headers()["cache-control"], "public, max-age=3600");
    }
    let logo = image::load_from_memory(
        &app.get("/p/stop-sharing/logo.png")
            .await
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        logo.to_rgba8().get_pixel(5, 5).0[3],
        0,
        "the logo keeps its transparency"
    );

    // Stored in the database, for every server on it.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM petition_images")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(stored, 2);
}

#[tokio::test]
async fn a_decorative_hero_has_empty_alt_text() {
    let dir = folder(
        &[(
            "# hero_image = \"stop-sharing-hero.jpg\"",
            "hero_image = \"wide.webp\"",
        )],
        &[("wide.webp", {
            let mut bytes = Cursor::new(Vec::new());
            image::RgbImage::from_pixel(800, 300, image::Rgb([20, 90, 60]))
                .write_to(&mut bytes, ImageFormat::WebP)
                .unwrap();
            bytes.into_inner()
        })],
    );
    let app = spawn_reading(&dir).await;
    let (_, _, html) = page(&app, "/p/stop-sharing").await;
    let hero = img(&html, "hero").expect("the hero image");
    assert_eq!(attribute(hero, "alt"), "", "{hero}");
    assert_eq!(
        (attribute(hero, "width"), attribute(hero, "height")),
        ("800", "300")
    );
    assert!(img(&html, "logo").is_none());
    assert!(
        html.contains("<p class=\"organiser\">Doctors of the World UK</p>"),
        "the name instead of a logo"
    );
}

#[tokio::test]
async fn a_missing_or_broken_picture_stops_the_start_naming_the_field() {
    for (file, bytes, field, words) in [
        ("logo.png", None, "logo", "no such file"),
        (
            "logo.png",
            Some(b"not a picture".to_vec()),
            "logo",
            "not a PNG, JPEG or WebP",
        ),
        (
            "hero.jpg",
            Some(png(10, 10, [0; 4])[..30].to_vec()),
            "hero_image",
            "could not be decoded",
        ),
    ] {
        let files: Vec<(&str, Vec<u8>)> = bytes.map(|b| (file, b)).into_iter().collect();
        let dir = folder(
            &[(
                "# hero_image = \"stop-sharing-hero.jpg\"",
                &format!("{field} = {file:?}"),
            )],
            &files,
        );
        let database = dir.path().join("petitions.db");
        let config = petition_server::Config {
            petitions_dir: dir.path().to_owned(),
            ..petition_server::Config::rooted_at(
                repo_root(),
                format!("sqlite://{}", database.display()),
            )
        };
        let error = match petition_server::Server::start(config).await {
            Ok(_) => panic!("{field} = {file}: started"),
            Err(error) => format!("{error:#}"),
        };
        assert!(
            error.contains(&format!("{field} = {file:?}")) && error.contains(words),
            "{error}"
        );
    }
}

#[tokio::test]
async fn the_poster_has_the_title_the_qr_code_and_the_short_address_for_a4() {
    let dir = with_pictures();
    let app = spawn_reading(&dir).await;
    let (status, headers, html) = page(&app, "/p/stop-sharing/poster").await;
    assert_eq!(status, 200);
    assert!(!headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src"));
    assert!(html.contains(
        "<h1>Stop using NHS patients’ personal information for immigration enforcement.</h1>"
    ));
    assert!(html.contains("<p class=\"summary\">Stop using NHS patients’ personal information to carry out immigration enforcement.</p>"));
    assert!(
        html.contains("<img class=\"qr\" src=\"/p/stop-sharing/qr.svg\""),
        "{html}"
    );
    let short = format!("{}/p/stop-sharing", app.base.trim_start_matches("http://"));
    assert!(
        html.contains(&format!("<p class=\"short\"><span dir=\"ltr\">{short}</span></p>")),
        "{html}"
    );
    let logo = img(&html, "logo").expect("the organiser's logo");
    assert_eq!(attribute(logo, "alt"), "Doctors of the World UK");
    assert!(!html.contains("<script"));
    let css = app.get("/p/poster.css").await.text().await.unwrap();
    assert!(css.contains("@page{size:A4"), "{css}");
    // The petition's page links to it, to the badge and to the embed codes.
    let (_, _, page_html) = page(&app, "/p/stop-sharing").await;
    assert!(page_html.contains("<a href=\"/p/stop-sharing/poster\">Print this poster</a>"));
    assert!(page_html.contains("href=\"/p/stop-sharing/badge.png\""));
    assert!(
        page_html.contains("&#60;noscript&#62;&#60;a href=&#34;"),
        "the script tag's code, as text"
    );
    assert!(page_html.contains(&format!(
        "&#60;iframe src=&#34;{}/embed/stop-sharing&#34;",
        app.base
    )));
}

#[tokio::test]
async fn the_editor_shows_the_pictures_and_keeps_them_on_save() {
    let dir = with_pictures();
    let app = spawn_reading(&dir).await;
    let nadia = app.organiser("nadia").await;
    let form = nadia.page("/admin/petitions/stop-sharing/edit").await;
    assert!(
        form.contains("<strong>hero.png</strong>. Set in the petition file"),
        "{form}"
    );
    assert!(form.contains("<strong>logo.png</strong>. Set in the petition file"));
    assert!(form.contains("value=\"#a4122d\""), "the accent: {form}");
    assert!(form.contains("id=\"share_links_to-petition-page\" name=\"share_links_to\" value=\"petition-page\" checked"), "{form}");

    let mut petition = dashboard_editor::stored(&app, "stop-sharing").await;
    petition.title = "A new title".into();
    petition.accent_colour = "#0b6e6e".into();
    let mut fields = dashboard_editor::form_of(&PetitionFile {
        hero_image: None,
        logo: None,
        ..petition.clone()
    });
    dashboard_editor::set(
        &mut fields,
        "revision",
        &dashboard_editor::revision_in(&form),
    );
    // A form can't change the pictures, whatever it sends.
    dashboard_editor::set(&mut fields, "hero_image", "../../etc/passwd");
    let saved = nadia
        .post_form(
            "/admin/petitions/stop-sharing/edit",
            &dashboard_editor::pairs(&fields),
        )
        .await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    assert_eq!(
        dashboard_editor::stored(&app, "stop-sharing").await,
        petition
    );

    let (_, _, html) = page(&app, "/p/stop-sharing").await;
    assert!(html.contains("<h1 id=\"title\">A new title</h1>"));
    assert!(
        img(&html, "hero").is_some() && img(&html, "logo").is_some(),
        "{html}"
    );
    assert!(html.contains("fill=\"#0b6e6e\""));

    // A colour too light to read is refused beside its field.
    dashboard_editor::set(&mut fields, "accent_colour", "#ffdd00");
    dashboard_editor::set(
        &mut fields,
        "revision",
        &dashboard_editor::revision_in(&nadia.page("/admin/petitions/stop-sharing/edit").await),
    );
    let refused = nadia
        .post_form(
            "/admin/petitions/stop-sharing/edit",
            &dashboard_editor::pairs(&fields),
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page_text = refused.text().await.unwrap();
    assert!(
        page_text.contains("id=\"accent_colour-error\""),
        "{page_text}"
    );
    assert!(page_text.contains("too light to read against white"));
}
