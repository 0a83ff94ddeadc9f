//! The oEmbed provider (`/oembed`, oEmbed 1.0) and the iframe embed it
//! answers with (`/embed/{slug}`, `/frame.js`).

use serde_json::Value;

use crate::helpers::{repo_root, spawn_app, spawn_configured, TestApp};

/// `/oembed?` + `query`, percent-encoding nothing (the caller does).
async fn oembed(app: &TestApp, query: &str) -> reqwest::Response {
    app.get(&format!("/oembed?{query}")).await
}

/// `url` percent-encoded for a query.
fn encoded(url: &str) -> String {
    form_urlencoded::byte_serialize(url.as_bytes()).collect()
}

/// The page address of the demo petition on `app`, encoded for a query.
fn page(app: &TestApp) -> String {
    encoded(&format!("{}/p/stop-sharing", app.base))
}

/// The answer for the demo petition with `extra` parameters, checked to be
/// a JSON 200.
async fn answer(app: &TestApp, extra: &str) -> Value {
    let response = oembed(app, &format!("url={}&format=json{extra}", page(app))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

/// The value of `attribute` on the first `<iframe` in `html`, as written.
fn attribute<'a>(html: &'a str, attribute: &str) -> &'a str {
    let start = html
        .find(&format!(" {attribute}=\""))
        .unwrap_or_else(|| panic!("no {attribute} in {html}"))
        + attribute.len()
        + 3;
    let end = html[start..].find('"').unwrap();
    &html[start..start + end]
}

#[tokio::test]
async fn a_petition_page_gets_every_field_oembed_1_0_asks_of_a_rich_answer() {
    let app = spawn_app().await;
    let json = answer(&app, "").await;
    assert_eq!(json["type"], "rich");
    assert_eq!(json["version"], "1.0");
    // Required for `rich`: html, width and height, in whole pixels.
    assert!(json["html"].as_str().unwrap().starts_with("<iframe "));
    assert_eq!(json["width"].as_u64(), Some(600));
    assert_eq!(json["height"].as_u64(), Some(900));
    // Optional, and given.
    assert_eq!(
        json["title"],
        "Stop using NHS patients’ personal information for immigration enforcement."
    );
    assert_eq!(json["author_name"], "Doctors of the World UK");
    assert_eq!(
        json["provider_name"].as_str(),
        app.base.strip_prefix("http://")
    );
    assert_eq!(json["provider_url"], format!("{}/", app.base));
    assert!(json["cache_age"].as_u64().unwrap() > 0);
    assert_eq!(
        json["thumbnail_url"],
        format!("{}/p/stop-sharing/preview.png", app.base)
    );
    assert_eq!(json["thumbnail_width"].as_u64(), Some(1200));
    assert_eq!(json["thumbnail_height"].as_u64(), Some(630));
    // The iframe is sized as the answer says, and points at the embed.
    let html = json["html"].as_str().unwrap();
    assert_eq!(
        attribute(html, "src"),
        format!("{}/embed/stop-sharing", app.base)
    );
    assert_eq!(attribute(html, "width"), "600");
    assert_eq!(attribute(html, "height"), "900");
    assert!(html.ends_with("></iframe>"), "{html}");
}

#[tokio::test]
async fn the_format_may_be_left_out_and_the_answer_is_public_and_briefly_cached() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/oembed?url={}", app.base, page(&app)))
        .header("Origin", "https://blog.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let cache = response.headers()["cache-control"].to_str().unwrap();
    assert!(cache.starts_with("public, max-age="), "{cache}");
    assert!(response.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn maxwidth_and_maxheight_are_honoured_and_a_thumbnail_too_big_is_left_out() {
    let app = spawn_app().await;
    // What WordPress asks with a 500 px wide theme: 500 × 750.
    let json = answer(&app, "&maxwidth=500&maxheight=750").await;
    assert_eq!(json["width"].as_u64(), Some(500));
    assert_eq!(json["height"].as_u64(), Some(750));
    let html = json["html"].as_str().unwrap();
    assert_eq!(attribute(html, "width"), "500");
    assert_eq!(attribute(html, "height"), "750");
    for field in ["thumbnail_url", "thumbnail_width", "thumbnail_height"] {
        assert!(json.get(field).is_none(), "{field} in {json}");
    }

    // Larger than the defaults: the defaults, thumbnail and all.
    let json = answer(&app, "&maxwidth=1920&maxheight=1080").await;
    assert_eq!(json["width"].as_u64(), Some(600));
    assert_eq!(json["height"].as_u64(), Some(900));
    assert_eq!(json["thumbnail_width"].as_u64(), Some(1200));

    // Only the height limited, below the thumbnail's.
    let json = answer(&app, "&maxheight=400").await;
    assert_eq!(json["width"].as_u64(), Some(600));
    assert_eq!(json["height"].as_u64(), Some(400));
    assert!(json.get("thumbnail_url").is_none(), "{json}");
}

#[tokio::test]
async fn a_maximum_that_is_not_a_whole_number_of_pixels_is_refused_by_name() {
    let app = spawn_app().await;
    for (query, name) in [
        ("&maxwidth=wide", "maxwidth"),
        ("&maxwidth=-5", "maxwidth"),
        ("&maxwidth=0", "maxwidth"),
        ("&maxwidth=600.5", "maxwidth"),
        ("&maxheight=tall", "maxheight"),
        ("&maxwidth=600&maxheight=99999999999", "maxheight"),
    ] {
        let response = oembed(&app, &format!("url={}&format=json{query}", page(&app))).await;
        assert_eq!(response.status(), 400, "{query}");
        let json: Value = response.json().await.unwrap();
        let error = json["error"].as_str().unwrap();
        assert!(error.contains(&format!("The {name} parameter")), "{error}");
    }
}

#[tokio::test]
async fn an_address_that_is_not_one_of_our_petitions_is_not_found() {
    let app = spawn_app().await;
    let host = app.base.strip_prefix("http://").unwrap();
    for url in [
        format!("{}/p/no-such-petition", app.base),
        format!("{}/p/Stop-Sharing", app.base),
        format!("{}/p/stop-sharing/poster", app.base),
        format!("{}/embed/stop-sharing", app.base),
        "https://elsewhere.example/p/stop-sharing".to_owned(),
        format!("https://{host}.elsewhere.example/p/stop-sharing"),
        "not an address at all".to_owned(),
    ] {
        let response = oembed(&app, &format!("url={}&format=json", encoded(&url))).await;
        assert_eq!(response.status(), 404, "{url}");
        let json: Value = response.json().await.unwrap();
        assert!(json["error"].is_string(), "{json}");
    }
}

#[tokio::test]
async fn a_page_address_is_known_however_it_was_copied() {
    let app = spawn_app().await;
    let host = app.base.strip_prefix("http://").unwrap();
    for url in [
        format!("{}/p/stop-sharing/", app.base),
        format!("{}/p/stop-sharing#sign", app.base),
        format!("https://{host}/p/stop-sharing"),
    ] {
        let response = oembed(&app, &format!("url={}", encoded(&url))).await;
        assert_eq!(response.status(), 200, "{url}");
    }
    // A share source in the page's address is carried to the embed, so the
    // signatures made in it keep it.
    let url = format!("{}/p/stop-sharing?source=newsletter", app.base);
    let json: Value = oembed(&app, &format!("url={}", encoded(&url)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        attribute(json["html"].as_str().unwrap(), "src"),
        format!("{}/embed/stop-sharing?source=newsletter", app.base)
    );
}

#[tokio::test]
async fn xml_is_not_implemented_and_a_missing_url_is_a_bad_request() {
    let app = spawn_app().await;
    let response = oembed(&app, &format!("url={}&format=xml", page(&app))).await;
    assert_eq!(response.status(), 501);
    let json: Value = response.json().await.unwrap();
    assert!(json["error"].as_str().unwrap().contains("json"), "{json}");

    for query in ["format=json", "url=&format=json"] {
        let response = oembed(&app, query).await;
        assert_eq!(response.status(), 400, "{query}");
        let json: Value = response.json().await.unwrap();
        assert!(
            json["error"].as_str().unwrap().contains("url parameter"),
            "{json}"
        );
    }
}

/// A copy of the demo petition whose title is `title`, served by a new app.
async fn app_with_title(title: &str) -> TestApp {
    let petitions = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml")).unwrap();
    let line = text
        .lines()
        .find(|line| line.starts_with("title = "))
        .unwrap();
    let text = text.replace(line, &format!("title = '{title}'"));
    std::fs::write(petitions.path().join("stop-sharing.toml"), text).unwrap();
    let dir = petitions.path().to_owned();
    let app = spawn_configured(move |config| config.petitions_dir = dir).await;
    // The folder is read at start-up only.
    drop(petitions);
    app
}

const HOSTILE_TITLE: &str = r#"Say "no" <script>alert(1)</script> & mean it"#;

#[tokio::test]
async fn the_iframe_src_is_absolute_and_a_hostile_title_stays_inside_its_attribute() {
    let app = app_with_title(HOSTILE_TITLE).await;
    let json = answer(&app, "").await;
    assert_eq!(json["title"], HOSTILE_TITLE);
    let html = json["html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains(r#""no""#), "{html}");
    assert_eq!(
        attribute(html, "title"),
        "Petition: Say &#34;no&#34; &#60;script&#62;alert(1)&#60;/script&#62; &#38; mean it"
    );
    assert_eq!(
        attribute(html, "src"),
        format!("{}/embed/stop-sharing", app.base)
    );
    assert_eq!(html.matches('<').count(), 2, "one element: {html}");
}

#[tokio::test]
async fn the_embed_page_holds_the_widget_may_be_framed_anywhere_and_links_its_oembed() {
    let app = spawn_app().await;
    let response = app
        .get("/embed/stop-sharing?partner=medact&source=newsletter")
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert!(response.headers().get("x-frame-options").is_none());
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("frame-ancestors *"), "{policy}");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("require-trusted-types-for 'script'; trusted-types petition-widget;"), "{policy}");
    assert!(
        policy.contains(&format!("script-src {} 'wasm-unsafe-eval'", app.base)),
        "{policy}"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en" dir="ltr">"#), "{html}");
    assert!(html.contains(
        "<title>Petition: Stop using NHS patients’ personal information for immigration enforcement.</title>"
    ));
    assert!(
        html.contains(r#"<div data-petition="stop-sharing" data-partner="medact"></div>"#),
        "{html}"
    );
    assert!(html.contains(&format!(
        r#"<script src="{}/embed.js" async></script>"#,
        app.base
    )));
    assert!(html.contains(&format!(
        r#"<script src="{}/frame.js" async></script>"#,
        app.base
    )));
    // The discovery link, as on the petition's own page.
    let discovery = format!(
        r#"<link rel="alternate" type="application/json+oembed" href="{}/oembed?url={}&#38;format=json""#,
        app.base,
        page(&app)
    );
    assert!(html.contains(&discovery), "{discovery} in {html}");
}

#[tokio::test]
async fn the_discovery_link_on_the_embed_page_leads_to_a_working_answer() {
    let app = spawn_app().await;
    let html = app.get("/embed/stop-sharing").await.text().await.unwrap();
    let link = html
        .lines()
        .find(|line| line.contains("application/json+oembed"))
        .unwrap();
    let href = attribute(link, "href").replace("&#38;", "&");
    let json: Value = app
        .client
        .get(href)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["type"], "rich");
}

#[tokio::test]
async fn a_partner_the_petition_does_not_have_is_not_written_into_the_embed() {
    let app = spawn_app().await;
    for partner in ["not-a-partner", r#"medact" onload="alert(1)"#] {
        let html = app
            .get(&format!("/embed/stop-sharing?partner={}", encoded(partner)))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(r#"<div data-petition="stop-sharing"></div>"#),
            "{html}"
        );
        assert!(!html.contains("onload"), "{html}");
    }
}

#[tokio::test]
async fn an_embed_of_a_petition_that_is_not_here_is_a_small_page_saying_so() {
    let app = spawn_app().await;
    for path in [
        "/embed/no-such-petition",
        "/embed/..%2Fadmin",
        "/embed/UPPER",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors *"));
        let html = response.text().await.unwrap();
        assert!(
            html.contains("There is no petition at this address"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
    }
}

#[tokio::test]
async fn a_hostile_title_in_the_embed_page_is_text() {
    let app = app_with_title(HOSTILE_TITLE).await;
    let html = app.get("/embed/stop-sharing").await.text().await.unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains(
        "<title>Petition: Say &#34;no&#34; &#60;script&#62;alert(1)&#60;/script&#62; &#38; mean it</title>"
    ));
}

#[tokio::test]
async fn frame_js_is_served_as_javascript_and_cached_briefly() {
    let app = spawn_app().await;
    let response = app.get("/frame.js").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let script = response.text().await.unwrap();
    assert!(script.contains("petition-widget:height"));
}
