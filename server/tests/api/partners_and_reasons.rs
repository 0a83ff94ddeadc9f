//! Partners, per-organisation consent, public reasons, the profession tally
//! and share sources.

use serde_json::{json, Value};

use crate::helpers::{signature, spawn_app, yes_no};

#[tokio::test]
async fn a_signature_on_a_partners_page_is_attributed_and_counted_for_that_partner() {
    let app = spawn_app().await;
    for (n, partner) in ["medact", "medact", "asylum-matters", "", "no-such-partner"].iter().enumerate() {
        let mut body = signature(&format!("partner{n}@example.org"));
        body["partner"] = json!(partner);
        assert_eq!(app.sign("stop-sharing", &body).await.status(), 200);
    }
    let petition = app.petition("stop-sharing").await;
    let counts: Vec<(String, u64)> = petition["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_owned(), p["signature_count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        counts,
        [("Medact".into(), 2), ("Asylum Matters".into(), 1), ("Migrants' Rights Network".into(), 0)]
    );
    assert_eq!(petition["signature_count"], 5, "an unknown partner still signs, unattributed");
    let stored: Vec<Option<String>> =
        sqlx::query_scalar("SELECT partner FROM signatures ORDER BY id").fetch_all(&app.db().await).await.unwrap();
    assert_eq!(stored, [Some("medact".into()), Some("medact".into()), Some("asylum-matters".into()), None, None]);
}

#[tokio::test]
async fn consent_is_per_organisation_and_stored_with_its_words_and_time() {
    let app = spawn_app().await;
    let mut both = signature("both@example.org");
    both["partner"] = json!("medact");
    both["consent"] = json!(true);
    both["partner_consent"] = json!(true);
    let mut partner_only = signature("partner-only@example.org");
    partner_only["partner"] = json!("medact");
    partner_only["partner_consent"] = json!(true);
    let mut unknown_partner = signature("unknown@example.org");
    unknown_partner["partner"] = json!("not-listed");
    unknown_partner["partner_consent"] = json!(true);
    for body in [&both, &partner_only, &unknown_partner, &signature("none@example.org")] {
        assert_eq!(app.sign("stop-sharing", body).await.status(), 200);
    }
    type Row = (String, bool, Option<String>, bool, Option<String>, Option<String>);
    type Stored = (String, String, Option<String>, String, Option<String>, Option<String>);
    let rows: Vec<Stored> = sqlx::query_as(&format!(
        "SELECT email, {}, consent_text, {}, partner_consent_text, consent_at FROM signatures ORDER BY id",
        yes_no("consent"),
        yes_no("partner_consent"),
    ))
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    let rows: Vec<Row> = rows.into_iter().map(|(e, c, ct, p, pt, at)| (e, c == "yes", ct, p == "yes", pt, at)).collect();
    let organiser = "Keep me updated about this campaign by email from Doctors of the World UK";
    let medact = "Keep me updated about this campaign by email from Medact";
    assert_eq!((rows[0].1, rows[0].2.as_deref(), rows[0].3, rows[0].4.as_deref()), (true, Some(organiser), true, Some(medact)));
    assert!(rows[0].5.as_deref().is_some_and(|at| humantime::parse_rfc3339(at).is_ok()));
    assert_eq!((rows[1].1, rows[1].2.as_deref(), rows[1].3, rows[1].4.as_deref()), (false, None, true, Some(medact)));
    assert_eq!((rows[2].3, rows[2].4.as_deref(), rows[2].5.as_deref()), (false, None, None), "no consent to an unlisted organisation");
    assert_eq!((rows[3].1, rows[3].3, rows[3].5.as_deref()), (false, false, None), "unticked means no consent");
}

#[tokio::test]
async fn plain_reasons_are_shown_newest_first_and_links_or_long_ones_are_held() {
    let app = spawn_app().await;
    let reasons = [
        "Wrong in principle and a threat to public health.",
        "Spam! Visit https://pills.example now",
        &"Too long to show at once. ".repeat(12),
        "<script>alert('x')</script> Stop sharing patient information",
        "",
    ];
    for (n, reason) in reasons.iter().enumerate() {
        let mut body = signature(&format!("reason{n}@example.org"));
        body["reason"] = json!(reason);
        assert_eq!(app.sign("stop-sharing", &body).await.status(), 200);
    }
    let petition = app.petition("stop-sharing").await;
    assert_eq!(
        petition["reasons"],
        json!([
            "<script>alert('x')</script> Stop sharing patient information",
            "Wrong in principle and a threat to public health."
        ]),
        "markup is kept as text, for the widget to show as text"
    );
    let statuses: Vec<Option<String>> =
        sqlx::query_scalar("SELECT reason_status FROM signatures ORDER BY id").fetch_all(&app.db().await).await.unwrap();
    assert_eq!(statuses, [Some("public".into()), Some("held".into()), Some("held".into()), Some("public".into()), None]);
    let public = petition.to_string();
    assert!(!public.contains("reason0@example.org") && !public.contains("Okafor"), "no personal data in the public view");
}

#[tokio::test]
async fn the_profession_tally_counts_doctors_nurses_and_midwives() {
    let app = spawn_app().await;
    for (n, profession) in ["doctor", "nurse", "midwife", "other-healthcare", "not-healthcare", ""].iter().enumerate() {
        let mut body = signature(&format!("profession{n}@example.org"));
        body["profession"] = json!(profession);
        assert_eq!(app.sign("stop-sharing", &body).await.status(), 200);
    }
    assert_eq!(app.petition("stop-sharing").await["healthcare_professionals"], 3);
    assert!(app.petition("scrap-upfront-charging").await["healthcare_professionals"].is_null(), "not asked for");
}

#[tokio::test]
async fn the_share_link_that_brought_someone_is_stored_when_it_has_the_plain_shape() {
    let app = spawn_app().await;
    for (n, source) in ["share-whatsapp", "<b>x</b>", ""].iter().enumerate() {
        let mut body = signature(&format!("source{n}@example.org"));
        body["source"] = json!(source);
        app.sign("stop-sharing", &body).await;
    }
    let sources: Vec<Option<String>> =
        sqlx::query_scalar("SELECT source FROM signatures ORDER BY id").fetch_all(&app.db().await).await.unwrap();
    assert_eq!(sources, [Some("share-whatsapp".into()), None, None]);
}

#[tokio::test]
async fn someone_outside_the_uk_signs_with_any_postcode_or_none() {
    let app = spawn_app().await;
    let mut body = signature("paris@example.org");
    body["postcode"] = json!("75001");
    assert_eq!(app.sign("stop-sharing", &body).await.status(), 422, "not a UK postcode");
    body["outside_uk"] = json!(true);
    assert_eq!(app.sign("stop-sharing", &body).await.status(), 200);
    body["email"] = json!("nowhere@example.org");
    body["postcode"] = json!("");
    assert_eq!(app.sign("stop-sharing", &body).await.status(), 200);
}

#[tokio::test]
async fn the_petition_view_carries_the_share_text_next_action_and_count_threshold() {
    let app = spawn_app().await;
    let petition: Value = app.petition("stop-sharing").await;
    assert_eq!(petition["show_count_from"], 10);
    assert_eq!(petition["share"]["hashtag"], "StopSharing");
    assert!(petition["share"]["url"].as_str().unwrap().starts_with("https://"));
    assert_eq!(petition["next_action"]["title"], "Download the Safe Surgeries toolkit");
}
