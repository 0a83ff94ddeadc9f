//! Downloading a petition's signers from the dashboard: who may download
//! what, the file as a spreadsheet opens it, the audit log, and a download
//! that fails half-way looking failed.

use serde_json::json;

use crate::helpers::*;

/// A signature made on `partner`'s page, agreeing to hear from it or not.
fn on_partner_page(email: &str, partner: &str, consent: bool) -> serde_json::Value {
    let mut body = signature(email);
    body["partner"] = json!(partner);
    body["partner_consent"] = json!(consent);
    body
}

/// The rows of a CSV file, header included, as a spreadsheet reads them.
fn rows_of(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.expect("well-formed CSV").iter().map(str::to_owned).collect())
        .collect()
}

/// Signs stop-sharing as four people: one on Medact's page who agreed to
/// hear from it (with a reason a spreadsheet would run), one who did not,
/// one on Asylum Matters' page who did, and one with no partner.
async fn four_signers(app: &TestApp) {
    let mut formula = on_partner_page("formula@example.org", "medact", true);
    formula["reason"] = json!("=HYPERLINK(\"http://evil.example\",\"click\")");
    for body in [
        formula,
        on_partner_page("no-consent@example.org", "medact", false),
        on_partner_page("asylum@example.org", "asylum-matters", true),
        signature("plain@example.org"),
    ] {
        assert_eq!(app.sign("stop-sharing", &body).await.status(), 200);
    }
}

#[tokio::test]
async fn an_organiser_downloads_every_signer_or_a_partners_as_a_safe_streamed_file() {
    let app = spawn_app().await;
    four_signers(&app).await;
    let nadia = app.organiser("nadia").await;

    let all = nadia.get("/admin/petitions/stop-sharing/export.csv").await;
    assert_eq!(all.status(), 200);
    assert_eq!(all.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(all.headers()["content-disposition"], "attachment; filename=\"stop-sharing.csv\"");
    assert_eq!(all.headers()["cache-control"], "no-store");
    assert!(all.headers().get("content-length").is_none(), "streamed as it is read, its length unknown up front");
    let rows = rows_of(&all.text().await.unwrap());
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0][..4], ["signed_at", "first_name", "last_name", "email"]);
    assert_eq!(rows[1][3], "formula@example.org");
    assert_eq!(rows[1][7], "'=HYPERLINK(\"http://evil.example\",\"click\")", "shown, never run");

    let medact = nadia.get("/admin/petitions/stop-sharing/export.csv?partner=medact").await;
    assert_eq!(medact.status(), 200);
    assert_eq!(medact.headers()["content-disposition"], "attachment; filename=\"stop-sharing-medact.csv\"");
    let rows = rows_of(&medact.text().await.unwrap());
    assert_eq!(rows.len(), 2, "only the one who agreed to hear from Medact: {rows:?}");
    assert_eq!(rows[0], ["signed_at", "first_name", "last_name", "email", "postcode", "partner_consent_text", "consent_at", "language"]);
    assert_eq!(rows[1][3], "formula@example.org");

    assert_eq!(nadia.get("/admin/petitions/no-such-petition/export.csv").await.status(), 404);
    let bad = nadia.get("/admin/petitions/stop-sharing/export.csv?partner=%22%0d%0aX:%20y").await;
    assert_eq!(bad.status(), 422, "a partner's name is a slug, never a header of ours");
    assert!(bad.headers().get("content-disposition").is_none());
}

#[tokio::test]
async fn a_partner_downloads_only_its_own_consenting_signers_of_a_petition_that_lists_it() {
    let app = spawn_app().await;
    four_signers(&app).await;
    let mo = app.partner("mo", "medact").await;

    let own = mo.get("/admin/petitions/stop-sharing/export.csv?partner=medact").await;
    assert_eq!(own.status(), 200);
    let rows = rows_of(&own.text().await.unwrap());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][3], "formula@example.org");

    for path in [
        "/admin/petitions/stop-sharing/export.csv",
        "/admin/petitions/stop-sharing/export.csv?partner=asylum-matters",
        "/admin/petitions/scrap-upfront-charging/export.csv?partner=medact",
        "/admin/petitions/no-such-petition/export.csv?partner=medact",
        "/admin/petitions/scrap-upfront-charging/export.csv",
    ] {
        let refused = mo.get(path).await;
        assert_eq!(refused.status(), 403, "{path}");
        assert!(refused.headers().get("content-disposition").is_none(), "{path}");
        let page = refused.text().await.unwrap();
        assert!(!page.contains("@example.org"), "{path}: {page}");
    }
    // Not signed in: sent to sign in, nothing else.
    let stranger = app.browser().get("/admin/petitions/stop-sharing/export.csv?partner=medact").await;
    assert_eq!(stranger.status(), 303);
    assert_eq!(stranger.headers()["location"], "/admin/sign-in");
}

#[tokio::test]
async fn every_download_is_in_the_audit_log_with_whom_it_was_for_and_no_personal_data() {
    let app = spawn_app().await;
    four_signers(&app).await;
    let nadia = app.organiser("nadia").await;
    let mo = app.partner("mo", "medact").await;
    nadia.get("/admin/petitions/stop-sharing/export.csv").await.text().await.unwrap();
    mo.get("/admin/petitions/stop-sharing/export.csv?partner=medact").await.text().await.unwrap();
    mo.get("/admin/petitions/stop-sharing/export.csv").await; // refused: not an export
    // The command line's exports take the same way out, and are logged alike.
    assert!(crate::admin::admin(&app, &["export", "stop-sharing", "--partner", "asylum-matters"]).await.0);

    let db = petition_server::store::Db::connect(app.database_url()).await.unwrap();
    let log = petition_server::store::audit_log(&db, Some("stop-sharing"), 10).await.unwrap();
    db.close().await;
    let exports: Vec<(&str, &str)> =
        log.iter().filter(|e| e.action == "export").map(|e| (e.actor.as_str(), e.detail.as_str())).collect();
    assert_eq!(
        exports,
        [
            ("command line", "started: the signers who agreed to hear from partner asylum-matters, 1 row(s)"),
            ("mo", "started: the signers who agreed to hear from partner medact, 1 row(s)"),
            ("nadia", "started: every counted signer, 4 row(s)"),
        ]
    );
}

#[tokio::test]
async fn a_download_that_fails_half_way_is_cut_off_rather_than_looking_complete() {
    let app = spawn_app().await;
    let db = app.db().await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM petitions WHERE slug = 'stop-sharing'").fetch_one(&db).await.unwrap();
    // 50,000 rows of about 600 bytes: some 30 MB, far more than the
    // connection's buffers hold, so most of the file is still to be read
    // from the database when the test breaks it.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
         INSERT INTO signatures (petition_id, first_name, last_name, email, canonical_email, postcode, reason,
                                 consent, created_at, status)
         SELECT $1, 'Seed', '', 'seed' || i || '@example.org', 'seed' || i || '@example.org', 'E1 6AN', $2, FALSE,
                '2026-11-22T10:00:00Z', 'counted'
         FROM n",
    )
    .bind(id)
    .bind("A reason to sign, long enough to make the file large. ".repeat(10))
    .execute(&db)
    .await
    .unwrap();
    let nadia = app.organiser("nadia").await;
    let mut download = nadia.get("/admin/petitions/stop-sharing/export.csv").await;
    assert_eq!(download.status(), 200);
    let mut received = download.chunk().await.unwrap().expect("the first chunk").len();

    // The database fails mid-way: the table the export reads is gone.
    sqlx::query("ALTER TABLE signatures RENAME TO signatures_elsewhere").execute(&db).await.unwrap();
    let ended = loop {
        match download.chunk().await {
            Ok(Some(chunk)) => received += chunk.len(),
            Ok(None) => break Ok(()),
            Err(error) => break Err(error),
        }
    };
    assert!(ended.is_err(), "the download ends in an error, not as a complete file ({received} bytes came)");
    assert!(received < 25_000_000, "{received} bytes came");
}
