//! A signer removes their own signature: through the link in their
//! confirmation mail, or one they ask for at `/remove`.

use serde_json::Value;

use crate::helpers::{link_in, signature, spawn_app, TestApp};

async fn form_post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = app.client.post(format!("{}{path}", app.base)).form(fields).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn press(app: &TestApp, link: &str) -> String {
    let response = app.client.post(link).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_confirmation_mail_carries_a_link_that_removes_the_signature_and_its_details() {
    let app = spawn_app().await;
    let mut person = signature("Changed.Mind@example.org");
    person["first_name"] = "Aleksandra".into();
    app.sign_and_confirm("scrap-upfront-charging", &person).await;
    app.sign_and_confirm("scrap-upfront-charging", &signature("stays@example.org")).await;
    assert_eq!(app.count("scrap-upfront-charging").await, 2);

    let mail = app.mails_to("Changed.Mind@example.org").pop().unwrap();
    let link = link_in(&mail, "/remove/").expect("a removal link");
    let opened = app.client.get(&link).send().await.unwrap();
    assert_eq!(opened.headers()["cache-control"], "no-store");
    assert!(opened.text().await.unwrap().contains("<button type=\"submit\">Remove my signature</button>"));
    assert_eq!(app.count("scrap-upfront-charging").await, 2, "opening the link removes nothing");

    let done = press(&app, &link).await;
    assert!(done.contains("Your signature has been removed"), "{done}");
    assert_eq!(app.count("scrap-upfront-charging").await, 1);
    let db = app.db().await;
    let rows: Vec<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT status, first_name, email, erased_at FROM signatures ORDER BY id").fetch_all(&db).await.unwrap();
    assert_eq!((rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2.as_str()), ("removed", "", ""));
    assert!(rows[0].3.is_some());
    assert_eq!(rows[1].2, "stays@example.org");
    db.close().await;
    let bytes = crate::helpers::bytes_of(&app.database);
    assert!(!bytes.windows(10).any(|w| w == b"Aleksandra"), "erased from the file itself");

    assert!(press(&app, &link).await.contains("already been used or has expired"));
    assert_eq!(app.count("scrap-upfront-charging").await, 1);
}

#[tokio::test]
async fn anyone_can_ask_for_a_removal_link_and_only_the_address_that_signed_gets_one() {
    let app = spawn_app().await;
    app.sign("stop-sharing", &signature("amara@example.org")).await;
    app.sign("stop-sharing", &signature("other@example.org")).await;

    let page = app.get("/remove").await.text().await.unwrap();
    assert!(page.contains("<label for=\"email\">Email address</label>"));
    assert!(page.contains("autocomplete=\"email\""));

    // A mistake names the field and keeps what was typed.
    let (status, page) = form_post(&app, "/remove", &[("email", "")]).await;
    assert_eq!(status, 200);
    assert!(page.contains("<title>Error: Remove your signature</title>"));
    assert!(page.contains("Enter your email address") && page.contains("aria-invalid=\"true\""));
    let (_, page) = form_post(&app, "/remove", &[("email", "amara@example")]).await;
    assert!(page.contains("Enter an email address in the correct format, like name@example.com"));
    assert!(page.contains("value=\"amara@example\""));
    let (_, page) = form_post(&app, "/remove", &[("email", "\"><script>alert(1)</script>")]).await;
    assert!(!page.contains("<script>alert"), "what was typed is text, never markup");

    // Signed or not, the same words: the page tells nobody who signed.
    let (_, unknown) = form_post(&app, "/remove", &[("email", "never-signed@example.org")]).await;
    let (_, known) = form_post(&app, "/remove", &[("email", "AMARA@example.org")]).await;
    assert_eq!(unknown.replace("never-signed@example.org", "X"), known.replace("AMARA@example.org", "X"));
    let links = app.links_mailed_to("amara@example.org", "/remove/", 1).await;
    assert!(app.mails_to("never-signed@example.org").is_empty(), "the outbox has sent all it will");
    let mail = &app.mails_to("amara@example.org")[0];
    assert!(mail.contains("Subject: Remove your signature: Stop using NHS "), "{mail}");

    assert!(press(&app, &links[0]).await.contains("Your signature has been removed"));
    assert_eq!(app.count("stop-sharing").await, 1);
    let petition: Value = app.petition("stop-sharing").await;
    assert!(!petition.to_string().contains("amara"));

    // Asking again and again mails an address at most three times a day.
    app.sign("stop-sharing", &signature("persistent@example.org")).await;
    for _ in 0..5 {
        let (status, page) = form_post(&app, "/remove", &[("email", "persistent@example.org")]).await;
        assert_eq!(status, 200, "{page}");
    }
    app.links_mailed_to("persistent@example.org", "/remove/", 3).await;
}
