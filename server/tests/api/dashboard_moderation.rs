//! The organiser's housekeeping on the dashboard: held signatures and
//! reasons, paper signatures, signers' rights, accounts and the audit log.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{helpers::*, live::Events};

const SLUG: &str = "stop-sharing";

/// A signature the guard holds (the hidden honeypot field filled in).
fn bot(email: &str, first_name: &str) -> Value {
    let mut body = signature(email);
    body["website"] = json!("https://cheap-pills.example");
    body["first_name"] = json!(first_name);
    body
}

/// The ids of the petition's held signatures, oldest first.
async fn held_ids(app: &TestApp) -> Vec<String> {
    let db = app.db().await;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT s.id FROM signatures s JOIN petitions p ON p.id = s.petition_id
         WHERE p.slug = $1 AND s.status = 'flagged' ORDER BY s.id",
    )
    .bind(SLUG)
    .fetch_all(&db)
    .await
    .unwrap();
    db.close().await;
    ids.into_iter().map(|id| id.to_string()).collect()
}

/// Every line of the audit log, (action, petition, detail), oldest first.
/// What people did, oldest first: the lines the server wrote itself when it
/// loaded the petition files at start-up are left out.
async fn audit_lines(app: &TestApp) -> Vec<(String, Option<String>, String)> {
    let db = app.db().await;
    let lines = sqlx::query_as("SELECT action, petition, detail FROM audit_log WHERE actor <> 'petition file' ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    db.close().await;
    lines
}

/// Follows a 303 from a dashboard form to the page it names, and returns that page.
async fn followed(dashboard: &Dashboard, response: reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "{:?}", response.text().await);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    dashboard.page(&location).await
}

/// The text of the page's `role="status"` notice.
fn notice(page: &str) -> &str {
    let at = page.find("role=\"status\"").unwrap_or_else(|| panic!("no notice in {page}"));
    let start = at + page[at..].find('>').unwrap() + 1;
    &page[start..start + page[start..].find('<').unwrap()]
}

/// The date each milestone of the petition was reached, by count.
async fn milestone_dates(app: &TestApp) -> Vec<(u64, bool)> {
    let petition = app.petition(SLUG).await;
    petition["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["count"].as_u64().unwrap(), m["reached_at"].is_string()))
        .collect()
}

fn dated(dates: &[(u64, bool)], count: u64) -> bool {
    dates.iter().find(|(c, _)| *c == count).unwrap().1
}

#[tokio::test]
async fn held_signatures_are_approved_and_rejected_one_by_one_or_in_bulk() {
    let app = spawn_app().await;
    app.sign(SLUG, &signature("person@example.org")).await;
    for (email, name) in [
        ("held1@example.org", "<script>alert(1)</script>"),
        ("held2@example.org", "Bilal"),
        ("held3@example.org", "Chen"),
        ("held4@example.org", "Dara"),
    ] {
        assert_eq!(app.sign(SLUG, &bot(email, name)).await.status(), 200);
    }
    assert_eq!(app.count(SLUG).await, 1);
    let nadia = app.organiser("nadia").await;
    let page = nadia.page(&format!("/admin/petitions/{SLUG}/held")).await;
    assert!(page.contains("held2@example.org") && page.contains("Honeypot"), "{page}");
    assert!(!page.contains("<script>alert"), "a name is shown as text, never markup");
    assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{page}");
    assert!(page.contains("/admin/static/review.js"));
    let ids = held_ids(&app).await;
    assert_eq!(ids.len(), 4);

    // One row's own button, while the widget's stream watches.
    let mut events = Events::open(&app, SLUG).await;
    events.next(Duration::from_secs(2)).await;
    let path = format!("/admin/petitions/{SLUG}/held");
    let answer = nadia.post_form(&format!("{path}/approve"), &[("id", &ids[2]), ("only", &ids[1])]).await;
    let page = followed(&nadia, answer).await;
    assert_eq!(notice(&page), "Approved 1 signature; the count is now 2");
    assert_eq!(events.next(Duration::from_secs(2)).await["signature_count"], 2, "the widget moves at once");
    assert_eq!(app.count(SLUG).await, 2);
    assert!(!page.contains("held2@example.org"), "no longer held");

    // Ticked boxes, in bulk: two rejected, then one approved.
    let answer = nadia.post_form(&format!("{path}/reject"), &[("id", &ids[0]), ("id", &ids[2])]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), "Rejected 2 signatures: their personal data is erased and they will never count");
    assert_eq!(app.count(SLUG).await, 2);
    let answer = nadia.post_form(&format!("{path}/approve"), &[("id", &ids[3])]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), "Approved 1 signature; the count is now 3");
    let petition = app.petition(SLUG).await;
    assert_eq!(petition["signature_count"], 3);
    let db = app.db().await;
    let rejected: Vec<(String, String)> =
        sqlx::query_as("SELECT email, status FROM signatures WHERE status = 'rejected'").fetch_all(&db).await.unwrap();
    assert_eq!(rejected, [(String::new(), "rejected".into()), (String::new(), "rejected".into())], "their data is gone");
    db.close().await;

    // Nothing ticked: the page says so, and nothing changes.
    let answer = nadia.post_form(&format!("{path}/approve"), &[]).await;
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    assert!(page.contains("error-summary") && page.contains("Select the signatures to approve or reject"), "{page}");
    // Reviewing again what was reviewed changes nothing.
    let answer = nadia.post_form(&format!("{path}/approve"), &[("id", &ids[0])]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), "Nothing changed: those had been reviewed already");
    assert_eq!(app.count(SLUG).await, 3);

    let audit = audit_lines(&app).await;
    let reviews: Vec<&(String, Option<String>, String)> = audit.iter().filter(|(a, _, _)| a.contains("signatures")).collect();
    assert_eq!(reviews.iter().map(|(a, _, _)| a.as_str()).collect::<Vec<_>>(), [
        "approve-signatures",
        "reject-signatures",
        "approve-signatures",
        "approve-signatures"
    ]);
    assert!(reviews.iter().all(|(_, petition, _)| petition.as_deref() == Some(SLUG)));
    assert_eq!(reviews[1].2, "2 of 2 chosen; count 2");
    assert!(!format!("{audit:?}").contains("@example.org"), "counts only: {audit:?}");
}

#[tokio::test]
async fn a_held_reason_approved_shows_in_the_widget_and_one_rejected_is_deleted() {
    let app = spawn_app().await;
    let mut linked = signature("linked@example.org");
    linked["reason"] = json!("<b>Read</b> the report at https://www.doctorsoftheworld.org.uk/report");
    app.sign(SLUG, &linked).await;
    let mut spam = signature("spam@example.org");
    spam["reason"] = json!("Cheap pills at pills.example/buy");
    app.sign(SLUG, &spam).await;
    assert!(!app.petition(SLUG).await["reasons"].to_string().contains("report"), "held back");

    let nadia = app.organiser("nadia").await;
    let page = nadia.page(&format!("/admin/petitions/{SLUG}/held")).await;
    assert!(page.contains("&#60;b&#62;Read&#60;/b&#62; the report"), "shown as typed, escaped: {page}");
    assert!(page.contains("No signatures are held for review."));
    let db = app.db().await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM signatures WHERE reason_status = 'held' ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    let path = format!("/admin/petitions/{SLUG}/held-reasons");
    let answer = nadia.post_form(&format!("{path}/approve"), &[("only", &ids[0].to_string())]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), "Approved 1 reason: the widget can show them now");
    let answer = nadia.post_form(&format!("{path}/reject"), &[("id", &ids[1].to_string())]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), "Rejected 1 reason: the words are deleted, the signatures still count");

    let petition = app.petition(SLUG).await;
    assert_eq!(petition["reasons"], json!(["<b>Read</b> the report at https://www.doctorsoftheworld.org.uk/report"]));
    assert_eq!(petition["signature_count"], 2);
    let (reason, status): (String, String) =
        sqlx::query_as("SELECT reason, status FROM signatures WHERE id = $1").bind(ids[1]).fetch_one(&db).await.unwrap();
    assert_eq!((reason.as_str(), status.as_str()), ("", "counted"));
    db.close().await;
    let audit = audit_lines(&app).await;
    assert!(audit.contains(&("approve-reasons".into(), Some(SLUG.into()), "1 of 1 chosen".into())), "{audit:?}");
    assert!(audit.contains(&("reject-reasons".into(), Some(SLUG.into()), "1 of 1 chosen".into())), "{audit:?}");
    assert!(!format!("{audit:?}").contains("report"), "never a reason's words: {audit:?}");
}

#[tokio::test]
async fn paper_signatures_count_in_the_public_total_and_date_its_milestones() {
    let app = spawn_app().await;
    app.sign(SLUG, &signature("one@example.org")).await;
    app.sign(SLUG, &signature("two@example.org")).await;
    let nadia = app.organiser("nadia").await;
    let path = format!("/admin/petitions/{SLUG}/paper");
    assert!(nadia.page(&path).await.contains("No paper signatures have been entered yet."));

    let mut events = Events::open(&app, SLUG).await;
    events.next(Duration::from_secs(2)).await;
    let note = "paper sheets from the Birmingham clinic";
    let answer = nadia.post_form(&path, &[("amount", "312"), ("note", note)]).await;
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let entry = location.rsplit('=').next().unwrap().to_owned();
    let page = followed(&nadia, answer).await;
    assert_eq!(notice(&page), format!("Added 312 signatures on paper (entry {entry}); the count is now 314"));
    assert!(page.contains(note) && page.contains("by nadia"), "{page}");
    assert_eq!(events.next(Duration::from_secs(2)).await["signature_count"], 314, "the widget moves at once");
    assert_eq!(app.count(SLUG).await, 314);
    let dates = milestone_dates(&app).await;
    for crossed in [10, 25, 50, 100] {
        assert!(dated(&dates, crossed), "{crossed} reached: {dates:?}");
    }
    assert!(!dated(&dates, 500));

    // Signing on counts from there; a correction down takes dates back.
    app.sign(SLUG, &signature("three@example.org")).await;
    assert_eq!(app.count(SLUG).await, 315);
    let answer = nadia.post_form(&format!("{path}/{entry}"), &[("amount", "20"), ("note", note)]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), format!("Corrected entry {entry} to 20 signatures; the count is now 23"));
    let dates = milestone_dates(&app).await;
    assert!(dated(&dates, 10) && !dated(&dates, 25) && !dated(&dates, 100), "{dates:?}");
    // To 0: withdrawn.
    let answer = nadia.post_form(&format!("{path}/{entry}"), &[("amount", "0"), ("note", "counted twice")]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), format!("Withdrew entry {entry}; the count is now 3"));
    assert!(!dated(&milestone_dates(&app).await, 10));
    let answer = nadia.post_form(&path, &[("amount", "1,000"), ("note", "Leeds street stall")]).await;
    assert_eq!(answer.status(), 303);
    assert_eq!(app.count(SLUG).await, 1003);

    let audit = audit_lines(&app).await;
    let paper: Vec<&str> = audit.iter().filter(|(a, _, _)| a == "paper-count").map(|(_, _, d)| d.as_str()).collect();
    assert_eq!(paper[0], format!("added 312 (entry {entry}): {note}"));
    assert_eq!(paper[1], format!("corrected entry {entry} from 312 to 20: {note}"));
    assert_eq!(paper[2], format!("corrected entry {entry} from 20 to 0: counted twice"));
    assert_eq!(paper.len(), 4);
}

#[tokio::test]
async fn a_bad_paper_entry_is_refused_field_by_field_keeping_what_was_typed() {
    let app = spawn_app().await;
    let nadia = app.organiser("nadia").await;
    let path = format!("/admin/petitions/{SLUG}/paper");
    let answer = nadia.post_form(&path, &[("amount", "3.5\"><script>x()</script>"), ("note", "  ")]).await;
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    assert!(page.contains("error-summary"), "{page}");
    assert!(page.contains("<a href=\"#amount\">Enter the number of signatures as a whole number, like 312</a>"), "{page}");
    assert!(page.contains("<a href=\"#note\">Enter a note saying where these signatures came from</a>"), "{page}");
    assert!(page.contains("value=\"3.5&#34;&#62;&#60;script&#62;x()&#60;/script&#62;\""), "kept, as text: {page}");
    assert!(!page.contains("<script>x()"));

    let long = "n".repeat(501);
    let answer = nadia.post_form(&path, &[("amount", "1000001"), ("note", &long)]).await;
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    assert!(page.contains("Enter a number from 1 to 1,000,000") && page.contains("Enter a note of 500 characters or fewer"));
    assert!(page.contains("value=\"1000001\"") && page.contains(&long));
    let answer = nadia.post_form(&path, &[("amount", "0"), ("note", "nothing")]).await;
    assert_eq!(answer.status(), 422, "a new entry adds at least 1");
    assert_eq!(app.count(SLUG).await, 0, "nothing was added");

    // A correction's errors are its own, under its own fields.
    let answer = nadia.post_form(&path, &[("amount", "40"), ("note", "Clinic")]).await;
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let entry = location.rsplit('=').next().unwrap();
    let answer = nadia.post_form(&format!("{path}/{entry}"), &[("amount", "-3"), ("note", "Clinic, recounted")]).await;
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    assert!(page.contains(&format!("<a href=\"#amount-{entry}\">Enter the number of signatures as a whole number")), "{page}");
    assert!(page.contains("value=\"-3\"") && page.contains("value=\"Clinic, recounted\""), "{page}");
    assert!(page.contains("<details open>"), "the failed correction stays open: {page}");
    assert_eq!(app.count(SLUG).await, 40);
    // An entry of another petition, or none, is not there to correct.
    let answer = nadia.post_form(&format!("/admin/petitions/scrap-upfront-charging/paper/{entry}"), &[("amount", "1"), ("note", "x")]).await;
    assert_eq!(answer.status(), 404);
    assert_eq!(nadia.get("/admin/petitions/no-such-petition/paper").await.status(), 404);
    assert_eq!(app.count(SLUG).await, 40);
}

/// A copy of the demo petition that stops counting erased signatures.
async fn strict_petition(app: &TestApp) {
    let demo = std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml")).unwrap();
    let text = demo.replace("slug = \"stop-sharing\"", "slug = \"strict\"\nerasure_keeps_count = false");
    let file = petition_server::petition_file::PetitionFile::parse(&text).unwrap();
    let db = petition_server::store::Db::connect(&app.config.database_url).await.unwrap();
    petition_server::store::upsert_petition(&db, &app.clock, &file).await.unwrap();
    db.close().await;
}

#[tokio::test]
async fn a_recount_after_an_erasure_keeps_the_paper_signatures() {
    let app = spawn_app().await;
    strict_petition(&app).await;
    for n in 0..3 {
        app.sign("strict", &signature(&format!("strict{n}@example.org"))).await;
    }
    let nadia = app.organiser("nadia").await;
    let answer = nadia.post_form("/admin/petitions/strict/paper", &[("amount", "20"), ("note", "Stall")]).await;
    assert_eq!(answer.status(), 303);
    assert_eq!(app.count("strict").await, 23);

    let mut events = Events::open(&app, "strict").await;
    events.next(Duration::from_secs(2)).await;
    let answer = nadia.post_form("/admin/rights/erase", &[("email", "Strict1@example.org"), ("confirm", "yes")]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), "Erased the personal data of 1 signature; 1 no longer counts");
    assert_eq!(events.next(Duration::from_secs(2)).await["signature_count"], 22, "recounted: 2 rows and 20 on paper");
    assert_eq!(app.count("strict").await, 22);
    let dates = milestone_dates_of(&app, "strict").await;
    assert!(dated(&dates, 10) && !dated(&dates, 25), "{dates:?}");
}

async fn milestone_dates_of(app: &TestApp, slug: &str) -> Vec<(u64, bool)> {
    app.petition(slug).await["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["count"].as_u64().unwrap(), m["reached_at"].is_string()))
        .collect()
}

#[tokio::test]
async fn an_erasure_by_email_leaves_no_trace_of_the_address_even_in_the_audit_log() {
    let app = spawn_app().await;
    let mut person = signature("Erase.Me+petition@gmail.com");
    person["first_name"] = json!("Zainab");
    app.sign(SLUG, &person).await;
    app.sign(SLUG, &signature("someone-else@example.org")).await;
    let nadia = app.organiser("nadia").await;
    let page = nadia.page("/admin/rights").await;
    assert!(page.contains("This cannot be undone."), "a clear warning: {page}");

    // Without the confirmation, or without an address: nothing happens.
    let answer = nadia.post_form("/admin/rights/erase", &[("email", "eraseme@gmail.com")]).await;
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    assert!(page.contains("<a href=\"#confirm\">Confirm that this signer"), "{page}");
    assert!(page.contains("value=\"eraseme@gmail.com\""), "what was typed is kept");
    let answer = nadia.post_form("/admin/rights/erase", &[("email", "not an address"), ("confirm", "yes")]).await;
    assert_eq!(answer.status(), 422);
    assert!(answer.text().await.unwrap().contains("Enter an email address like name@example.org"));
    let db = app.db().await;
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE first_name = 'Zainab'").fetch_one(&db).await.unwrap();
    assert_eq!(kept, 1);

    let answer = nadia.post_form("/admin/rights/erase", &[("email", "eraseme@gmail.com"), ("confirm", "yes")]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), "Erased the personal data of 1 signature; they still count");
    assert_eq!(app.count(SLUG).await, 2, "the petition's rule keeps the count");
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT action, detail FROM audit_log WHERE action = 'erase'").fetch_all(&db).await.unwrap();
    assert_eq!(audit, [("erase".to_owned(), "1 erased, 0 no longer counted".to_owned())]);
    db.close().await;
    if on_postgres() {
        let db = petition_server::store::Db::connect(&app.config.database_url).await.unwrap();
        petition_server::store::compact(&db).await.unwrap();
        db.close().await;
    }
    let bytes = app.stored_bytes().await;
    assert!(bytes.len() > 10_000, "the database's files were read");
    for needle in ["Zainab", "Erase.Me", "eraseme@gmail.com"] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} is in the database's files");
    }
    // Nobody with that address: said so.
    let answer = nadia.post_form("/admin/rights/erase", &[("email", "nobody@example.org"), ("confirm", "yes")]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), "No signature was made with that address: nothing was erased");
}

#[tokio::test]
async fn retention_runs_on_demand_and_says_what_it_did() {
    let app = spawn_app().await;
    app.sign(SLUG, &signature("old@example.org")).await;
    // Made a month ago, before the source hashes' 30 days.
    let db = app.db().await;
    let month_ago = humantime::format_rfc3339_seconds(std::time::SystemTime::now() - Duration::from_secs(31 * 86400));
    sqlx::query("UPDATE signatures SET created_at = $1").bind(month_ago.to_string()).execute(&db).await.unwrap();
    db.close().await;
    let nadia = app.organiser("nadia").await;
    let answer = nadia.post_form("/admin/rights/retention", &[]).await;
    assert_eq!(
        notice(&followed(&nadia, answer).await),
        "Retention rules applied: 0 signatures of closed petitions anonymised, 0 unconfirmed signatures erased, 1 source hash dropped"
    );
    let db = app.db().await;
    let hashes: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE source_hash IS NOT NULL").fetch_one(&db).await.unwrap();
    assert_eq!(hashes, 0);
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT action, detail FROM audit_log WHERE action = 'retention'").fetch_all(&db).await.unwrap();
    assert_eq!(audit, [("retention".to_owned(), "0 anonymised, 0 unconfirmed erased, 1 source hashes dropped".to_owned())]);
    db.close().await;
}

#[tokio::test]
async fn accounts_are_added_and_removed_but_never_your_own() {
    let app = spawn_app().await;
    let nadia = app.organiser("nadia").await;
    let page = nadia.page("/admin/accounts").await;
    assert!(page.contains("nadia") && page.contains("Organiser: everything") && page.contains(">You<"), "{page}");

    // Each mistake named, with what was typed kept (but never a password).
    let answer = nadia
        .post_form("/admin/accounts", &[
            ("name", "mo mo"),
            ("partner", "Medact!"),
            ("password", "short"),
            ("password_again", "short"),
        ])
        .await;
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    assert!(page.contains("<a href=\"#name\">Enter a name of 1 to 64 characters, without spaces</a>"), "{page}");
    assert!(page.contains("value=\"mo mo\"") && page.contains("value=\"Medact!\""), "{page}");
    assert!(!page.contains("value=\"short\""));
    let answer = nadia
        .post_form("/admin/accounts", &[
            ("name", "mo"),
            ("partner", "medact"),
            ("password", "correct horse battery staple"),
            ("password_again", "correct horse battery stable"),
        ])
        .await;
    assert_eq!(answer.status(), 422);
    assert!(answer.text().await.unwrap().contains("<a href=\"#password_again\">Enter the same password twice</a>"));

    let answer = nadia
        .post_form("/admin/accounts", &[
            ("name", "mo"),
            ("partner", "medact"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ])
        .await;
    let page = followed(&nadia, answer).await;
    assert_eq!(notice(&page), "Account added: it can sign in now");
    assert!(page.contains("Partner medact"), "{page}");
    let mo = app.browser().sign_in("mo", PASSWORD).await;
    assert_eq!(mo.get("/admin/accounts").await.status(), 403, "a partner's account");
    // The name is taken now.
    let answer = nadia
        .post_form("/admin/accounts", &[("name", "mo"), ("password", PASSWORD), ("password_again", PASSWORD)])
        .await;
    assert_eq!(answer.status(), 422);
    assert!(answer.text().await.unwrap().contains("There is already an account called mo"));

    // Not yourself.
    let answer = nadia.post_form("/admin/accounts/remove", &[("name", "nadia")]).await;
    assert_eq!(answer.status(), 409);
    assert!(answer.text().await.unwrap().contains("You can&#39;t remove the account you are signed in with"));
    assert_eq!(nadia.get("/admin/accounts").await.status(), 200, "still signed in");

    let answer = nadia.post_form("/admin/accounts/remove", &[("name", "mo")]).await;
    assert_eq!(notice(&followed(&nadia, answer).await), "Account removed: it is signed out and can no longer sign in");
    assert_eq!(mo.get("/admin/").await.status(), 303, "signed out at once");
    assert_eq!(app.browser().try_sign_in("mo", PASSWORD).await.status(), 401);

    let audit = audit_lines(&app).await;
    assert!(audit.contains(&("account-added".into(), None, "mo (partner medact)".into())), "{audit:?}");
    assert!(audit.contains(&("account-removed".into(), None, "mo".into())), "{audit:?}");
    assert!(!format!("{audit:?}").contains("horse"), "never a password");
}

#[tokio::test]
async fn the_audit_log_lists_the_actions_newest_first_and_by_petition() {
    let app = spawn_app().await;
    let nadia = app.organiser("nadia").await;
    let answer = nadia.post_form(&format!("/admin/petitions/{SLUG}/paper"), &[("amount", "5"), ("note", "<i>Stall</i>")]).await;
    assert_eq!(answer.status(), 303);
    let answer = nadia.post_form("/admin/rights/retention", &[]).await;
    assert_eq!(answer.status(), 303);

    let page = nadia.page("/admin/audit").await;
    let retention = page.find("<code>retention</code>").expect("listed");
    let paper = page.find("<code>paper-count</code>").expect("listed");
    let sign_in = page.find("<code>sign-in</code>").expect("listed");
    assert!(retention < paper && paper < sign_in, "newest first: {page}");
    assert!(page.contains("added 5 (entry ") && page.contains("&#60;i&#62;Stall&#60;/i&#62;"), "escaped: {page}");

    let page = nadia.page(&format!("/admin/audit?petition={SLUG}")).await;
    assert!(page.contains("<code>paper-count</code>"));
    assert!(!page.contains("<code>retention</code>") && !page.contains("<code>sign-in</code>"), "{page}");
    assert!(page.contains(&format!("<option value=\"{SLUG}\" selected>")), "{page}");
}

#[tokio::test]
async fn a_partner_gets_403_from_every_route_here_and_a_forged_post_changes_nothing() {
    let app = spawn_app().await;
    app.sign(SLUG, &bot("held@example.org", "Held")).await;
    let id = held_ids(&app).await.remove(0);
    let mo = app.partner("mo", "medact").await;
    let pages = [
        format!("/admin/petitions/{SLUG}/held"),
        format!("/admin/petitions/{SLUG}/paper"),
        "/admin/rights".to_owned(),
        "/admin/accounts".to_owned(),
        "/admin/audit".to_owned(),
    ];
    for page in &pages {
        assert_eq!(mo.get(page).await.status(), 403, "GET {page}");
    }
    let writes: [(String, Vec<(&str, &str)>); 10] = [
        (format!("/admin/petitions/{SLUG}/held/approve"), vec![("id", id.as_str())]),
        (format!("/admin/petitions/{SLUG}/held/reject"), vec![("id", id.as_str())]),
        (format!("/admin/petitions/{SLUG}/held-reasons/approve"), vec![("id", id.as_str())]),
        (format!("/admin/petitions/{SLUG}/held-reasons/reject"), vec![("id", id.as_str())]),
        (format!("/admin/petitions/{SLUG}/paper"), vec![("amount", "5"), ("note", "x")]),
        (format!("/admin/petitions/{SLUG}/paper/1"), vec![("amount", "5"), ("note", "x")]),
        ("/admin/rights/erase".to_owned(), vec![("email", "held@example.org"), ("confirm", "yes")]),
        ("/admin/rights/retention".to_owned(), vec![]),
        ("/admin/accounts".to_owned(), vec![("name", "eve"), ("password", PASSWORD), ("password_again", PASSWORD)]),
        ("/admin/accounts/remove".to_owned(), vec![("name", "mo")]),
    ];
    for (path, fields) in &writes {
        assert_eq!(mo.post_form(path, fields).await.status(), 403, "POST {path}");
    }

    // An organiser's session, but a form posted from elsewhere: no token,
    // or another site's Origin.
    let nadia = app.organiser("nadia").await;
    let path = format!("/admin/petitions/{SLUG}/held/approve");
    let without_token = nadia
        .client
        .post(format!("{}{path}", nadia.base))
        .header("origin", &nadia.base)
        .form(&[("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(without_token.status(), 403);
    let from_elsewhere = nadia
        .client
        .post(format!("{}/admin/petitions/{SLUG}/paper", nadia.base))
        .header("origin", "https://evil.example")
        .form(&[("amount", "5000"), ("note", "forged"), ("csrf", nadia.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(from_elsewhere.status(), 403);

    assert_eq!(app.count(SLUG).await, 0, "nothing approved, nothing added");
    assert_eq!(held_ids(&app).await, [id], "still held");
    let db = app.db().await;
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts").fetch_one(&db).await.unwrap();
    assert_eq!(accounts, 2, "none added, none removed");
    let paper: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM paper_counts").fetch_one(&db).await.unwrap();
    assert_eq!(paper, 0);
    db.close().await;
    let actions: Vec<String> = audit_lines(&app).await.into_iter().map(|(a, _, _)| a).collect();
    assert_eq!(actions, ["sign-in", "sign-in"], "nothing done, nothing audited");
}

