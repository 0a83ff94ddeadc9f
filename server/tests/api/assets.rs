//! The loader, the widget files and the demo pages.

use crate::helpers::{repo_root, spawn_app, spawn_with};

#[tokio::test]
async fn embed_js_is_served_as_javascript_to_any_origin() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/embed.js", app.base)).header("Origin", "https://blog.example").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(response.text().await.unwrap().contains("data-petition"));
}

/// The loader makes the Trusted Types policy that every page of ours
/// allows, by the same name: were they to differ, the widget would be
/// refused on the petition's page, the embed and the preview alone.
#[tokio::test]
async fn the_loader_makes_the_policy_the_servers_pages_allow() {
    let app = spawn_app().await;
    let script = app.client.get(format!("{}/embed.js", app.base)).send().await.unwrap().text().await.unwrap();
    let name = petition_server::WIDGET_POLICY;
    assert!(
        [format!("createPolicy(\"{name}\""), format!("createPolicy('{name}'")].iter().any(|call| script.contains(call)),
        "embed.js makes no policy named {name}"
    );
}

/// The loader imports the counter view as a module from another origin: a
/// browser refuses a module without a JavaScript type or CORS.
#[tokio::test]
async fn counter_js_is_served_as_a_javascript_module_to_any_origin() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/counter.js", app.base))
        .header("Origin", "https://blog.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    // Minified by the build, so its names may change; it stays a module
    // exporting `mount`.
    let script = response.text().await.unwrap();
    assert!(script.contains("export") && script.contains("mount"), "{script:.200}");
}

#[tokio::test]
async fn demo_pages_embed_the_server_they_are_served_by() {
    let app = spawn_app().await;
    let html = app.get("/demo/medact.html").await.text().await.unwrap();
    let host = app.base.trim_start_matches("http://");
    assert!(html.contains(&format!(r#"src="http://{host}/embed.js""#)), "{html}");
    assert!(!html.contains("PETITION-SERVER"));
}

#[tokio::test]
async fn the_bench_floor_runs_one_script_inline_and_as_a_tag() {
    let app = spawn_app().await;
    let script = app.get("/demo/floor.js").await;
    assert_eq!(script.status(), 200);
    assert_eq!(script.headers()["content-type"], "text/javascript; charset=utf-8");
    let script = script.text().await.unwrap();
    assert!(script.contains("attachShadow"), "{script}");
    // floor.html holds the same script inline; floor-tag.html asks this
    // server for it.
    let inline = app.get("/demo/floor.html").await.text().await.unwrap();
    assert!(inline.contains(&format!("<script>{}</script>", script.trim_end())), "{inline}");
    let tag = app.get("/demo/floor-tag.html").await.text().await.unwrap();
    assert!(tag.contains("<div data-floor></div>"), "{tag}");
    let host = app.base.trim_start_matches("http://");
    assert!(tag.contains(&format!(r#"<script src="http://{host}/demo/floor.js" async></script>"#)), "{tag}");
}

#[tokio::test]
async fn demo_pages_cannot_be_used_to_read_other_files() {
    let app = spawn_app().await;
    for path in ["/demo/..%2F..%2FCargo.toml", "/demo/.hidden.html", "/demo/embed.js"] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn a_host_header_carrying_markup_is_refused() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/demo/medact.html", app.base))
        .header("Host", "x\"><script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn the_widget_is_served_from_its_precompressed_files() {
    let dir = tempfile::tempdir().unwrap();
    let widget = dir.path().join("pkg");
    std::fs::create_dir(&widget).unwrap();
    std::fs::write(widget.join("petition_widget.js"), "export default 1;").unwrap();
    std::fs::write(widget.join("petition_widget.js.br"), "stored brotli bytes").unwrap();
    std::fs::write(widget.join("petition_widget.js.gz"), "stored gzip bytes").unwrap();
    let database = dir.path().join("petitions.db");
    let mut config = petition_server::Config::rooted_at(repo_root(), format!("sqlite://{}", database.display()));
    config.widget_dir = widget;
    let app = spawn_with(tempfile::tempdir().unwrap(), database, config).await;
    // reqwest is built without decompression, so the bytes arrive as stored.
    for (accept, encoding, body) in [("br, gzip", "br", "stored brotli bytes"), ("gzip", "gzip", "stored gzip bytes")] {
        let response = app
            .client
            .get(format!("{}/pkg/petition_widget.js", app.base))
            .header("Accept-Encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], encoding);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        assert_eq!(response.text().await.unwrap(), body);
    }
    let plain = app.get("/pkg/petition_widget.js").await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.unwrap(), "export default 1;");
}

/// The widget's second part is named by a digest of its bytes, so it may be
/// kept for a year; the files whose names stay the same across releases,
/// for minutes.
#[tokio::test]
async fn the_second_part_named_by_its_digest_is_cached_for_a_year_and_the_rest_for_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let widget = dir.path().join("pkg");
    std::fs::create_dir(&widget).unwrap();
    std::fs::write(widget.join("petition_widget_part.0123456789ab.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(widget.join("petition_widget_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let database = dir.path().join("petitions.db");
    let mut config = petition_server::Config::rooted_at(repo_root(), format!("sqlite://{}", database.display()));
    config.widget_dir = widget;
    let app = spawn_with(tempfile::tempdir().unwrap(), database, config).await;
    for (path, cache) in [
        ("/pkg/petition_widget_part.0123456789ab.wasm", "public, max-age=31536000, immutable"),
        ("/pkg/petition_widget_bg.wasm", "public, max-age=300"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "application/wasm", "{path}");
        assert_eq!(response.headers()["cache-control"], cache, "{path}");
    }
    // A part of another release is not here, and not kept.
    let gone = app.get("/pkg/petition_widget_part.ffffffffffff.wasm").await;
    assert_eq!(gone.status(), 404);
    assert_eq!(gone.headers()["cache-control"], "public, max-age=300");
}
