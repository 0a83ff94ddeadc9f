//! The loader, the widget files and the demo pages.

use crate::helpers::spawn_app;

#[tokio::test]
async fn embed_js_is_served_as_javascript_to_any_origin() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/embed.js", app.base)).header("Origin", "https://blog.example").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(response.text().await.unwrap().contains("data-petition"));
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
