//! The organiser's command line, `petition-server admin …`, run as the real
//! binary against the database of a running test server whose signatures
//! came in over HTTP.

use serde_json::{json, Value};

use crate::helpers::{manual_clock, repo_root, signature, spawn_app, spawn_configured, TestApp};

/// Runs `petition-server admin ARGS` on the app's database: (succeeded, stdout, stderr).
pub async fn admin(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_petition-server"));
    command.arg("admin").args(args).arg("--database-url").arg(app.database_url());
    command.env_remove("RUST_BACKTRACE").env_remove("DATABASE_URL");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.success(), text(output.stdout), text(output.stderr))
}

/// Reads CSV back with the `csv` crate (RFC 4180: quoted cells, doubled
/// quotes, CRLF rows), as a spreadsheet would: header row included.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.expect("well-formed CSV").iter().map(str::to_owned).collect())
        .collect()
}

fn on_partner_page(email: &str, partner: &str, consent: bool) -> Value {
    let mut body = signature(email);
    body["partner"] = json!(partner);
    body["partner_consent"] = json!(consent);
    body
}

#[tokio::test]
async fn a_petition_file_is_checked_with_its_line_then_created_updated_and_listed() {
    let app = spawn_app().await;
    let demo = std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml")).unwrap();
    let file = app.dir.path().join("nhs-data.toml");
    let broken = demo.replace("slug = \"stop-sharing\"", "slug = \"nhs-data\"").replace("milestones = [10, 25", "milestones = [25, 10");
    std::fs::write(&file, &broken).unwrap();
    let path = file.to_str().unwrap();
    let line = broken.lines().position(|l| l.starts_with("milestones =")).unwrap() + 1;

    let (ok, _, error) = admin(&app, &["check", path]).await;
    assert!(!ok);
    assert_eq!(
        error.trim(),
        format!("error: {path} is not a valid petition file: line {line}: milestones must be positive and in ascending order, like [10000, 25000, 50000]")
    );
    let (ok, _, _) = admin(&app, &["apply", path]).await;
    assert!(!ok, "an invalid file is not applied");
    assert_eq!(app.get("/api/petitions/nhs-data").await.status(), 404);

    std::fs::write(&file, demo.replace("slug = \"stop-sharing\"", "slug = \"nhs-data\"")).unwrap();
    assert_eq!(admin(&app, &["check", path]).await, (true, format!("{path}: a valid petition file\n"), String::new()));
    assert_eq!(admin(&app, &["apply", path]).await.1, "created petition \"nhs-data\"\n");
    // The running server serves it at once, and takes signatures.
    assert_eq!(app.petition("nhs-data").await["title"], "Stop using NHS patients’ personal information for immigration enforcement.");
    app.sign("nhs-data", &on_partner_page("a@example.org", "medact", true)).await;
    app.sign("nhs-data", &on_partner_page("b@example.org", "medact", false)).await;

    std::fs::write(&file, demo.replace("slug = \"stop-sharing\"", "slug = \"nhs-data\"").replace("Stop using", "End")).unwrap();
    assert_eq!(admin(&app, &["apply", path]).await.1, "updated petition \"nhs-data\"\n");
    assert!(app.petition("nhs-data").await["title"].as_str().unwrap().starts_with("End NHS"));
    assert_eq!(app.count("nhs-data").await, 2, "an update leaves the signatures alone");

    let (ok, listed, _) = admin(&app, &["list"]).await;
    assert!(ok);
    let block: Vec<&str> = listed.lines().skip_while(|l| !l.starts_with("nhs-data  ")).take(4).collect();
    assert_eq!(block[1], "  2 signatures counted, 0 waiting for confirmation, 0 held for review");
    assert_eq!(block[2], "  partner medact: 2 signatures, 1 agreed to hear from it");
    assert!(block[3].starts_with("  milestone      10: not yet"), "{block:?}");
    let json: Value = serde_json::from_str(&admin(&app, &["list", "--json"]).await.1).unwrap();
    let nhs = json.as_array().unwrap().iter().find(|p| p["slug"] == "nhs-data").unwrap();
    assert_eq!(nhs["partners"], json!([{ "slug": "medact", "signature_count": 2, "consented": 1 }]));
}

#[tokio::test]
async fn exports_for_delivery_and_for_a_partner_are_safe_to_open_in_a_spreadsheet() {
    let app = spawn_app().await;
    let mut formula = on_partner_page("formula@example.org", "medact", true);
    // Names may not start like a formula (core refuses them); free text may.
    formula["reason"] = json!("=HYPERLINK(\"http://evil.example\",\"click\"), \"quoted\"\nand a second line");
    let signed = app.sign("stop-sharing", &formula).await;
    assert_eq!(signed.status(), 200, "{}", signed.text().await.unwrap());
    app.sign("stop-sharing", &on_partner_page("no-consent@example.org", "medact", false)).await;
    let mut organiser_only = signature("organiser@example.org");
    organiser_only["consent"] = json!(true);
    app.sign("stop-sharing", &organiser_only).await;
    // Held for review: in no export.
    let mut bot = signature("bot@example.org");
    bot["website"] = json!("https://spam.example");
    app.sign("stop-sharing", &bot).await;

    let out = app.dir.path().join("delivery.csv");
    let (ok, said, _) = admin(&app, &["export", "stop-sharing", "-o", out.to_str().unwrap()]).await;
    assert!(ok);
    assert_eq!(said, format!("wrote 3 signature(s) to {}\n", out.display()));
    let rows = parse_csv(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0],
        [
            "signed_at", "first_name", "last_name", "email", "postcode", "outside_uk", "profession", "reason",
            "organiser_consent", "organiser_consent_text", "partner", "partner_consent", "partner_consent_text",
            "consent_at", "source", "confirmed_at", "language",
        ]
    );
    let first = &rows[1];
    assert!(humantime::parse_rfc3339(&first[0]).is_ok(), "{}", first[0]);
    assert_eq!((first[1].as_str(), first[2].as_str(), first[3].as_str()), ("Amara", "Okafor", "formula@example.org"));
    assert_eq!((first[4].as_str(), first[5].as_str(), first[6].as_str()), ("E1 6AN", "no", "nurse"));
    assert_eq!(first[7], "'=HYPERLINK(\"http://evil.example\",\"click\"), \"quoted\"\nand a second line", "shown, never run");
    assert_eq!((first[8].as_str(), first[9].as_str()), ("no", ""));
    assert_eq!((first[10].as_str(), first[11].as_str()), ("medact", "yes"));
    assert_eq!(first[12], "Keep me updated about this campaign by email from Medact");
    assert_eq!(rows[3][3], "organiser@example.org");
    assert_eq!(rows[3][9], "Keep me updated about this campaign by email from Doctors of the World UK");
    assert!(!rows.iter().any(|row| row[3] == "bot@example.org"));

    // Medact gets the one person who agreed to hear from it, and no more than
    // it needs to write to them.
    let (ok, csv, _) = admin(&app, &["export", "stop-sharing", "--partner", "medact"]).await;
    assert!(ok);
    let rows = parse_csv(&csv);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0], ["signed_at", "first_name", "last_name", "email", "postcode", "partner_consent_text", "consent_at", "language"]);
    assert_eq!(rows[1][3], "formula@example.org");
    assert!(!csv.contains("no-consent@example.org") && !csv.contains("Patients must be able"), "{csv}");

    let (ok, _, error) = admin(&app, &["export", "no-such-petition"]).await;
    assert!(!ok);
    assert_eq!(error.trim(), "error: there is no petition \"no-such-petition\" (`admin list` shows them)");
}

#[tokio::test]
async fn erasure_removes_a_signers_personal_data_everywhere_at_once_and_keeps_the_count() {
    let app = spawn_app().await;
    let mut person = signature("Erase.Me+petition@gmail.com");
    person["first_name"] = json!("Zainab");
    person["reason"] = json!("My patients are afraid.");
    app.sign("stop-sharing", &person).await;
    app.sign_and_confirm("scrap-upfront-charging", &person).await;
    app.sign("stop-sharing", &signature("someone-else@example.org")).await;

    // Any form of the address finds every signature it made.
    let (ok, said, _) = admin(&app, &["erase", "eraseme@gmail.com"]).await;
    assert!(ok);
    assert_eq!(said, "erased the personal data of 2 signature(s); 0 no longer count\n");
    assert_eq!(app.count("stop-sharing").await, 2, "the petition's rules keep the count");
    assert_eq!(app.count("scrap-upfront-charging").await, 1);

    let db = app.db().await;
    let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT first_name, last_name, email, postcode, reason, status FROM signatures
         WHERE canonical_email NOT IN ('someone-else@example.org') ORDER BY id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row, &(String::new(), String::new(), String::new(), String::new(), String::new(), "counted".into()));
    }
    db.close().await;
    // Not in the database's files at all. SQLite zeroes what an erasure
    // overwrites and empties its log at once; PostgreSQL keeps old row
    // versions until their space is reused, so there the organiser runs
    // `admin compact` (documented) to rewrite the tables.
    if crate::helpers::on_postgres() {
        assert_eq!(admin(&app, &["compact"]).await, (true, "compacted\n".into(), String::new()));
    }
    let bytes = app.stored_bytes().await;
    assert!(bytes.len() > 10_000, "the database's files were read");
    for needle in ["Zainab", "Erase.Me", "eraseme@gmail.com", "My patients are afraid"] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} is in the database's files");
    }
    assert!(!app.petition("stop-sharing").await.to_string().contains("My patients are afraid"));
    // Still counted, but nothing to deliver: not in the export.
    let (_, csv, _) = admin(&app, &["export", "stop-sharing"]).await;
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("someone-else@example.org"));
    // The address can sign again, as anyone can.
    app.sign("stop-sharing", &person).await;
    assert_eq!(app.count("stop-sharing").await, 3);
}

#[tokio::test]
async fn held_signatures_are_approved_or_rejected_and_an_attack_is_invalidated_with_its_milestones() {
    let app = spawn_configured(|config| config.clock = manual_clock()).await;
    for n in 0..2 {
        let mut bot = signature(&format!("held{n}@example.org"));
        bot["website"] = json!("https://spam.example");
        app.sign("stop-sharing", &bot).await;
    }
    let (ok, listed, _) = admin(&app, &["held", "stop-sharing"]).await;
    assert!(ok);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines[0], "2 held signature(s) on \"stop-sharing\"");
    assert!(lines[1].contains("honeypot") && lines[1].ends_with("Amara Okafor <held0@example.org>"), "{listed}");
    let ids: Vec<String> = lines[1..].iter().map(|l| l.split_whitespace().next().unwrap().to_owned()).collect();

    assert_eq!(
        admin(&app, &["approve", "stop-sharing", &ids[0], "999999"]).await.1,
        "approved 1 held signature(s); \"stop-sharing\" now has 1\n(1 of the ids given were not held on \"stop-sharing\"; they were left alone)\n"
    );
    assert_eq!(admin(&app, &["reject", "stop-sharing", &ids[1]]).await.1, "rejected 1 held signature(s); \"stop-sharing\" now has 1\n");
    let db = app.db().await;
    let rejected: (String, String) =
        sqlx::query_as("SELECT email, status FROM signatures WHERE id = $1").bind(ids[1].parse::<i64>().unwrap()).fetch_one(&db).await.unwrap();
    assert_eq!(rejected, (String::new(), "rejected".into()));

    // Ten more, a minute later: the first milestone is reached and dated.
    app.clock.advance(std::time::Duration::from_secs(60));
    let before_attack = app.clock.rfc3339();
    for n in 0..10 {
        app.sign("stop-sharing", &signature(&format!("wave{n}@example.org"))).await;
    }
    let after_attack = app.clock.rfc3339();
    assert_eq!(app.count("stop-sharing").await, 11);
    assert!(app.petition("stop-sharing").await["milestones"][0]["reached_at"].is_string());

    // Found to be an attack: the window goes, and so does the milestone's date.
    let (ok, said, _) = admin(&app, &["invalidate", "stop-sharing", "--from", &before_attack, "--to", &after_attack]).await;
    assert!(ok);
    assert_eq!(said, "10 signature(s) no longer count; \"stop-sharing\" now has 1\n");
    let petition = app.petition("stop-sharing").await;
    assert_eq!(petition["signature_count"], 1);
    assert!(petition["milestones"][0]["reached_at"].is_null(), "{petition}");
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE status = 'invalidated'").fetch_one(&db).await.unwrap();
    assert_eq!(kept, 10, "kept for the record");

    let (ok, _, error) = admin(&app, &["invalidate", "stop-sharing"]).await;
    assert!(!ok);
    assert_eq!(error.trim(), "error: say which signatures: --from and --to, or --source");
}

#[tokio::test]
async fn a_long_export_shows_its_progress_to_a_person_at_a_terminal() {
    let app = spawn_app().await;
    // 1,200 signatures: two batches of the export. Written straight into the
    // database (signing 1,200 times over HTTP would prove nothing more).
    let db = app.db().await;
    let petition_id: i64 = sqlx::query_scalar("SELECT id FROM petitions WHERE slug = 'stop-sharing'").fetch_one(&db).await.unwrap();
    for n in 0..1200 {
        sqlx::query(
            "INSERT INTO signatures (petition_id, first_name, last_name, email, canonical_email, postcode, reason, consent, created_at)
             VALUES ($1, 'Bulk', '', $2, $2, 'E1 6AN', '', FALSE, '2026-11-22T10:00:00Z')",
        )
        .bind(petition_id)
        .bind(format!("bulk{n}@example.org"))
        .execute(&db)
        .await
        .unwrap();
    }
    let out = app.dir.path().join("all.csv");
    // `script` gives the command a terminal, as a person's shell would.
    let command = format!(
        "{} admin export stop-sharing -o {} --database-url {}",
        env!("CARGO_BIN_EXE_petition-server"),
        out.display(),
        app.database_url()
    );
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("script").args(["-qec", &command, "/dev/null"]).env_remove("RUST_BACKTRACE").output().unwrap()
    })
    .await
    .unwrap();
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains(&format!("[{}{}] 1000/1200 signatures", "#".repeat(25), " ".repeat(5))), "{shown}");
    assert!(shown.contains(&format!("[{}] 1200/1200 signatures", "#".repeat(30))), "{shown}");
    assert!(shown.contains("wrote 1200 signature(s)"));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 1201);

    // Without a terminal (a script, a pipe), no bar.
    let (ok, said, errors) = admin(&app, &["export", "stop-sharing", "-o", out.to_str().unwrap()]).await;
    assert!(ok);
    assert_eq!(said, format!("wrote 1200 signature(s) to {}\n", out.display()));
    assert_eq!(errors, "");
}

#[tokio::test]
async fn a_petition_may_stop_counting_erased_signatures_and_its_milestones_follow() {
    let app = spawn_app().await;
    let demo = std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml")).unwrap();
    let file = app.dir.path().join("strict.toml");
    std::fs::write(&file, demo.replace("slug = \"stop-sharing\"", "slug = \"strict\"\nerasure_keeps_count = false")).unwrap();
    assert!(admin(&app, &["apply", file.to_str().unwrap()]).await.0);
    for n in 0..10 {
        app.sign("strict", &signature(&format!("strict{n}@example.org"))).await;
    }
    assert!(app.petition("strict").await["milestones"][0]["reached_at"].is_string());
    let (ok, said, _) = admin(&app, &["erase", "strict3@example.org"]).await;
    assert!(ok);
    assert_eq!(said, "erased the personal data of 1 signature(s); 1 no longer count\n");
    let petition = app.petition("strict").await;
    assert_eq!(petition["signature_count"], 9);
    assert!(petition["milestones"][0]["reached_at"].is_null(), "below 10 again: {petition}");
}

#[tokio::test]
async fn held_reasons_are_shown_or_deleted_by_the_organiser() {
    let app = spawn_app().await;
    let mut linked = signature("linked@example.org");
    linked["reason"] = json!("Read the report at https://www.doctorsoftheworld.org.uk/report");
    app.sign("stop-sharing", &linked).await;
    let mut spam = signature("spam@example.org");
    spam["reason"] = json!("Cheap pills at pills.example/buy");
    app.sign("stop-sharing", &spam).await;
    assert!(!app.petition("stop-sharing").await["reasons"].to_string().contains("report"), "held back");

    let (ok, listed, _) = admin(&app, &["held-reasons", "stop-sharing"]).await;
    assert!(ok);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines[0], "2 held reason(s) on \"stop-sharing\"");
    assert!(lines[1].ends_with("Read the report at https://www.doctorsoftheworld.org.uk/report"), "{listed}");
    let id = |line: &str| line.split_whitespace().next().unwrap().to_owned();

    assert_eq!(admin(&app, &["approve-reasons", "stop-sharing", &id(lines[1])]).await.1, "1 reason(s) now shown\n");
    assert_eq!(admin(&app, &["reject-reasons", "stop-sharing", &id(lines[2])]).await.1, "1 reason(s) deleted\n");
    let reasons = app.petition("stop-sharing").await["reasons"].clone();
    assert_eq!(reasons, json!(["Read the report at https://www.doctorsoftheworld.org.uk/report"]));
    let db = app.db().await;
    let (reason, status): (String, String) =
        sqlx::query_as("SELECT reason, status FROM signatures WHERE email = 'spam@example.org'").fetch_one(&db).await.unwrap();
    assert_eq!((reason.as_str(), status.as_str()), ("", "counted"), "the words go, the signature stays");
    assert_eq!(app.count("stop-sharing").await, 2);
}

#[tokio::test]
async fn hash_password_makes_an_argon2id_hash_the_admin_api_accepts() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_petition-server"))
        .args(["admin", "hash-password"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(b"a long enough passphrase\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let hash = String::from_utf8(output.stdout).unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passwords");
    std::fs::write(&file, format!("nadia:{hash}")).unwrap();
    let auth = petition_server::admin_auth::AdminAuth::new(&petition_server::admin_auth::AdminConfig {
        admin_token: None,
        admin_passwords: Some(file),
    })
    .unwrap();
    use base64::Engine;
    let basic = |password: &str| {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("nadia:{password}")))
    };
    assert!(auth.check(Some(&basic("a long enough passphrase"))).is_ok());
    assert!(auth.check(Some(&basic("a long enough passphrasE"))).is_err());
}

/// Regression: `admin erase` beside the running server once made the next
/// petition read answer 500 (`disk I/O error`, code 522). The server's
/// SQLite locks had silently gone (POSIX record locks belong to a process
/// and drop when it closes any descriptor of the file; the test itself had
/// read the file's bytes), so the admin command believed itself the last
/// user and deleted the write-ahead log the server was still writing to.
/// Locks can go the same way on network and container filesystems: the log
/// must stay whoever thinks they are alone.
#[tokio::test]
async fn an_admin_command_never_deletes_the_log_a_running_server_writes_to() {
    if crate::helpers::on_postgres() {
        eprintln!("SQLite's write-ahead log only: PostgreSQL's server owns its log");
        return;
    }
    let app = spawn_app().await;
    assert_eq!(app.sign("stop-sharing", &signature("before@example.org")).await.status(), 200);
    // Drops this process's locks on the database, as described above.
    drop(std::fs::read(&app.database).unwrap());
    for _ in 0..5 {
        let (ok, _, _) = admin(&app, &["list"]).await;
        assert!(ok);
        assert!(app.database.with_extension("db-wal").exists(), "the write-ahead log is still there");
    }
    assert_eq!(app.sign("stop-sharing", &signature("after@example.org")).await.status(), 200);
    assert_eq!(app.count("stop-sharing").await, 2);
    let app = app.restart().await;
    assert_eq!(app.count("stop-sharing").await, 2, "no acknowledged signature went to a deleted file");
}
