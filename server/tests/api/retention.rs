//! Personal data is kept only as long as needed: closed petitions are
//! anonymised after their retention period, unconfirmed signatures and
//! source hashes go after a while. Checked in the database itself.

use std::time::Duration;

use serde_json::json;

use crate::{
    admin::admin,
    helpers::{repo_root, signature, TestApp},
};

/// The demo petition under another slug, closing at `closes_at`.
fn closing_petition(app: &TestApp, slug: &str, closes_at: &str, retention_days: u32) -> String {
    let demo = std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml")).unwrap();
    let text = demo.replace("slug = \"stop-sharing\"", &format!(
        "slug = \"{slug}\"\ncloses_at = \"{closes_at}\"\nretention_days = {retention_days}"
    ));
    let path = app.dir.path().join(format!("{slug}.toml"));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn in_days(days: i64) -> String {
    let now = std::time::SystemTime::now();
    let then = if days >= 0 { now + Duration::from_secs(days as u64 * 86400) } else { now - Duration::from_secs((-days) as u64 * 86400) };
    humantime::format_rfc3339_seconds(then).to_string()
}

#[tokio::test]
async fn a_closed_petition_takes_no_signatures_and_is_anonymised_after_its_retention_period() {
    let app = crate::helpers::spawn_app().await;
    let file = closing_petition(&app, "closing", &in_days(30), 0);
    assert!(admin(&app, &["apply", &file]).await.0);
    for n in 0..10 {
        let mut person = signature(&format!("signer{n}@example.org"));
        person["first_name"] = json!(format!("Retained{n}"));
        app.sign("closing", &person).await;
    }
    let milestones = app.petition("closing").await["milestones"].clone();
    assert!(milestones[0]["reached_at"].is_string());

    // Still open, within its time: nothing is anonymised.
    assert_eq!(
        admin(&app, &["retention"]).await.1,
        "anonymised 0 signature(s) of closed petitions, erased 0 unconfirmed, dropped 0 source hash(es)\n"
    );

    // It closes (just now; retention_days = 0): no more signatures.
    let file = closing_petition(&app, "closing", &in_days(0), 0);
    assert!(admin(&app, &["apply", &file]).await.0);
    let petition = app.petition("closing").await;
    assert_eq!(petition["closed"], true, "the widget shows it closed");
    let refused = app.sign("closing", &signature("late@example.org")).await;
    assert_eq!(refused.status(), 410);
    let refused: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(refused["error"], "This petition has closed and is no longer taking signatures");

    assert_eq!(
        admin(&app, &["retention"]).await.1,
        "anonymised 10 signature(s) of closed petitions, erased 0 unconfirmed, dropped 0 source hash(es)\n"
    );
    let db = app.db().await;
    let kept: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT first_name || last_name, email, postcode, reason, status FROM signatures
         JOIN petitions ON petitions.id = signatures.petition_id WHERE slug = 'closing'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(kept.len(), 10);
    assert!(kept.iter().all(|row| row == &(String::new(), String::new(), String::new(), String::new(), "counted".to_owned())));
    db.close().await;
    let bytes = crate::helpers::bytes_of(&app.database);
    assert!(!bytes.windows(8).any(|w| w == b"Retained"), "gone from the file itself");
    // The count and the milestones stay.
    let petition = app.petition("closing").await;
    assert_eq!(petition["signature_count"], 10);
    assert_eq!(petition["milestones"], milestones);
    // Other petitions are untouched.
    app.sign("stop-sharing", &signature("open@example.org")).await;
    assert_eq!(admin(&app, &["retention"]).await.1.split(',').next().unwrap(), "anonymised 0 signature(s) of closed petitions");
}

#[tokio::test]
async fn unconfirmed_signatures_and_old_source_hashes_go_and_the_server_sweeps_by_itself() {
    let app = crate::helpers::spawn_app().await;
    app.sign("scrap-upfront-charging", &signature("never-confirmed@example.org")).await;
    app.sign("scrap-upfront-charging", &signature("recent@example.org")).await;
    app.sign("stop-sharing", &signature("old@example.org")).await;
    app.sign("stop-sharing", &signature("new@example.org")).await;
    let db = app.db().await;
    let month_ago = in_days(-31);
    sqlx::query("UPDATE signatures SET created_at = $1 WHERE email IN ('never-confirmed@example.org', 'old@example.org')")
        .bind(&month_ago)
        .execute(&db)
        .await
        .unwrap();
    db.close().await;

    // Restarted, the server sweeps at once.
    let app = app.restart().await;
    let db = app.db().await;
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT email, status, source_hash FROM signatures ORDER BY id").fetch_all(&db).await.unwrap();
    assert_eq!((rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2.is_none()), ("", "expired", true), "{rows:?}");
    assert_eq!((rows[1].0.as_str(), rows[1].1.as_str(), rows[1].2.is_some()), ("recent@example.org", "pending", true));
    assert_eq!((rows[2].0.as_str(), rows[2].1.as_str(), rows[2].2.is_none()), ("old@example.org", "counted", true), "the hash went, the signature stays");
    assert!(rows[3].2.is_some());
    // The address can sign afresh.
    assert_eq!(app.sign("scrap-upfront-charging", &signature("never-confirmed@example.org")).await.status(), 200);
}
