//! The numbers a petition shows are kept, not counted on each read: a read
//! costs the same at ten signatures and at a million, and what is kept always
//! equals what a full recount of the rows gives.

use serde_json::{json, Value};

use crate::{
    admin::admin,
    helpers::{on_postgres, signature, spawn_app, TestApp},
};

/// What a full recount of the rows (and the paper entries, which have none)
/// says, beside what the petition view shows: (count, professionals,
/// [(partner, count)]).
async fn recounted_and_shown(app: &TestApp, slug: &str) -> ((i64, i64, Vec<(String, i64)>), (i64, i64, Vec<(String, i64)>)) {
    let db = app.db().await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM petitions WHERE slug = $1").bind(slug).fetch_one(&db).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted'")
        .bind(id)
        .fetch_one(&db)
        .await
        .unwrap();
    let paper: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM paper_counts WHERE petition_id = $1")
            .bind(id)
            .fetch_one(&db)
            .await
            .unwrap();
    let count = count + paper;
    let professionals: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted' AND profession IN ('doctor', 'nurse', 'midwife')",
    )
    .bind(id)
    .fetch_one(&db)
    .await
    .unwrap();
    let partners: Vec<(String, i64)> = sqlx::query_as(
        "SELECT partner, COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted' AND partner IS NOT NULL
         GROUP BY partner ORDER BY partner",
    )
    .bind(id)
    .fetch_all(&db)
    .await
    .unwrap();
    db.close().await;
    let petition = app.petition(slug).await;
    let mut shown_partners: Vec<(String, i64)> = petition["partners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["signature_count"] != 0)
        .map(|p| (p["slug"].as_str().unwrap().to_owned(), p["signature_count"].as_i64().unwrap()))
        .collect();
    shown_partners.sort();
    let shown = (
        petition["signature_count"].as_i64().unwrap(),
        petition["healthcare_professionals"].as_i64().unwrap(),
        shown_partners,
    );
    ((count, professionals, partners), shown)
}

fn from(email: &str, partner: &str, profession: &str) -> Value {
    let mut body = signature(email);
    body["partner"] = json!(partner);
    body["profession"] = json!(profession);
    body
}

#[tokio::test]
async fn every_kept_number_equals_a_full_recount_through_signing_paper_review_erasure_and_removal() {
    let app = spawn_app().await;
    let people = [
        ("doctor@example.org", "medact", "doctor"),
        ("nurse@example.org", "medact", "nurse"),
        ("midwife@example.org", "asylum-matters", "midwife"),
        ("porter@example.org", "asylum-matters", "other-healthcare"),
        ("teacher@example.org", "", "not-healthcare"),
        ("nobody-said@example.org", "no-such-partner", ""),
    ];
    for (email, partner, profession) in people {
        assert_eq!(app.sign("stop-sharing", &from(email, partner, profession)).await.status(), 200);
    }
    // A repeat changes nothing.
    assert_eq!(app.sign("stop-sharing", &from("Doctor@example.org", "medact", "doctor")).await.status(), 200);
    let (recounted, shown) = recounted_and_shown(&app, "stop-sharing").await;
    assert_eq!(shown, recounted);
    assert_eq!(shown, (6, 3, vec![("asylum-matters".into(), 2), ("medact".into(), 2)]));

    // Paper signatures count in the total (no profession, no partner); the
    // recounts below keep them.
    let organiser = app.organiser("nadia").await;
    let paper = |amount: &'static str| [("amount", amount), ("note", "Paper sheets from the clinic")];
    assert_eq!(organiser.post_form("/admin/petitions/stop-sharing/paper", &paper("40")).await.status(), 303);
    assert_eq!(organiser.post_form("/admin/petitions/stop-sharing/paper", &paper("2")).await.status(), 303);
    let (recounted, shown) = recounted_and_shown(&app, "stop-sharing").await;
    assert_eq!(shown, recounted);
    assert_eq!(shown, (48, 3, vec![("asylum-matters".into(), 2), ("medact".into(), 2)]));

    // Two held (the honeypot), one approved after all, one rejected.
    for email in ["held-doctor@example.org", "held-nurse@example.org"] {
        let mut bot = from(email, "medact", "doctor");
        bot["website"] = json!("https://spam.example");
        app.sign("stop-sharing", &bot).await;
    }
    assert_eq!(recounted_and_shown(&app, "stop-sharing").await.1 .0, 48, "held ones don't count");
    let (_, listed, _) = admin(&app, &["held", "stop-sharing"]).await;
    let ids: Vec<String> = listed.lines().skip(1).map(|l| l.split_whitespace().next().unwrap().to_owned()).collect();
    assert!(admin(&app, &["approve", "stop-sharing", &ids[0]]).await.0);
    assert!(admin(&app, &["reject", "stop-sharing", &ids[1]]).await.0);
    let (recounted, shown) = recounted_and_shown(&app, "stop-sharing").await;
    assert_eq!(shown, recounted);
    assert_eq!(shown, (49, 4, vec![("asylum-matters".into(), 2), ("medact".into(), 3)]));

    // Erased, a signature keeps counting (the petition's rule) but its
    // profession is gone with the rest of its personal data.
    assert!(admin(&app, &["erase", "nurse@example.org"]).await.0);
    let (recounted, shown) = recounted_and_shown(&app, "stop-sharing").await;
    assert_eq!(shown, recounted);
    assert_eq!(shown, (49, 3, vec![("asylum-matters".into(), 2), ("medact".into(), 3)]));

    // A correction down, as kept as an addition.
    let db = app.db().await;
    let entries: Vec<i64> = sqlx::query_scalar("SELECT id FROM paper_counts ORDER BY id").fetch_all(&db).await.unwrap();
    db.close().await;
    let correction = format!("/admin/petitions/stop-sharing/paper/{}", entries[0]);
    assert_eq!(organiser.post_form(&correction, &paper("30")).await.status(), 303);
    let (recounted, shown) = recounted_and_shown(&app, "stop-sharing").await;
    assert_eq!(shown, recounted);
    assert_eq!(shown.0, 39);
}

#[tokio::test]
async fn a_petition_read_looks_up_a_few_rows_by_key_with_a_million_signatures() {
    let app = spawn_app().await;
    let db = app.db().await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM petitions WHERE slug = 'stop-sharing'").fetch_one(&db).await.unwrap();
    // A million signatures, a third with a public reason, spread over the
    // partners and professions, a few held: written straight into the
    // database (signing a million times over HTTP would prove nothing more).
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
         INSERT INTO signatures (petition_id, first_name, last_name, email, canonical_email, postcode, profession,
                                 reason, reason_status, consent, partner, created_at, status)
         SELECT $1, 'Seed', '', 'seed' || i || '@example.org', 'seed' || i || '@example.org', 'E1 6AN',
                CASE i % 3 WHEN 0 THEN 'doctor' WHEN 1 THEN 'nurse' ELSE NULL END,
                CASE WHEN i % 3 = 0 THEN 'A reason' ELSE '' END, CASE WHEN i % 3 = 0 THEN 'public' END, FALSE,
                CASE i % 4 WHEN 0 THEN 'medact' WHEN 1 THEN 'asylum-matters' ELSE NULL END,
                '2026-11-22T10:00:00Z', CASE WHEN i % 1000 = 0 THEN 'flagged' ELSE 'counted' END
         FROM n",
    )
    .bind(id)
    .execute(&db)
    .await
    .unwrap();
    // The kept numbers, counted once for the seed as a migration would.
    sqlx::query(
        "UPDATE petitions SET
             signature_count = (SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted'),
             healthcare_count = (SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted'
                                 AND profession IN ('doctor', 'nurse', 'midwife'))
         WHERE id = $1",
    )
    .bind(id)
    .execute(&db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO partner_counts (petition_id, partner, signature_count) SELECT petition_id, partner, COUNT(*)
         FROM signatures WHERE petition_id = $1 AND status = 'counted' AND partner IS NOT NULL GROUP BY petition_id, partner",
    )
    .bind(id)
    .execute(&db)
    .await
    .unwrap();
    // With real statistics, the planner could pick a scan if it were cheaper.
    sqlx::query("ANALYZE").execute(&db).await.unwrap();
    for statement in petition_server::store::PETITION_VIEW_STATEMENTS {
        if on_postgres() {
            let pages = pages_read(&db, statement, id).await;
            // Scanning the table reads thousands of pages; a look-up by key a few.
            assert!(pages < 50, "{statement}\nread {pages} pages of PostgreSQL's with a million signatures");
        } else {
            let sqlite = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
            let steps = vm_steps(&sqlite, statement, id).await;
            // Counting a third of a million doctors, or grouping the partners,
            // takes millions of steps; a look-up by key takes tens.
            assert!(steps < 1_000, "{statement}\ntook {steps} steps of SQLite's machine with a million signatures");
            sqlite.close().await;
        }
    }
    db.close().await;
    let petition = app.petition("stop-sharing").await;
    assert_eq!(petition["signature_count"], 999_000);
    assert_eq!(petition["healthcare_professionals"], 666_000);
    assert_eq!(petition["partners"][0], json!({ "slug": "medact", "name": "Medact", "signature_count": 249_000 }));
    assert_eq!(petition["reasons"].as_array().unwrap().len(), 5);
}

/// How many pages of tables and indexes PostgreSQL reads (from its cache or
/// the disk) to run `sql` to the end with `id` (or the slug) bound, as
/// `EXPLAIN (ANALYZE, BUFFERS)` reports them for the whole plan (its first
/// line of buffers, the top node's, which includes every node below).
async fn pages_read(db: &sqlx::AnyPool, sql: &str, id: i64) -> u64 {
    let explain = format!("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) {sql}");
    let query = sqlx::query_scalar::<_, String>(&explain);
    let query = if sql.contains("slug = $1") { query.bind("stop-sharing") } else { query.bind(id).bind(5i64) };
    let plan = query.fetch_all(db).await.unwrap();
    assert!(!plan[0].contains("rows=0 loops"), "{sql:?} found nothing to read:\n{}", plan.join("\n"));
    let buffers = plan.iter().find(|line| line.trim_start().starts_with("Buffers:")).expect("buffers reported");
    buffers
        .split_whitespace()
        .filter_map(|part| part.strip_prefix("hit=").or_else(|| part.strip_prefix("read=")))
        .map(|n| n.parse::<u64>().unwrap())
        .sum()
}

/// How many steps SQLite's virtual machine takes to run `sql` to the end
/// with `id` (or the slug, for the look-up by slug) bound: the rows it
/// reads, give or take, whatever the machine's speed.
async fn vm_steps(db: &sqlx::SqlitePool, sql: &str, id: i64) -> i32 {
    use libsqlite3_sys as ffi;
    let mut connection = db.acquire().await.unwrap();
    let mut handle = connection.lock_handle().await.unwrap();
    let sql = std::ffi::CString::new(sql).unwrap();
    // SAFETY: a live connection, locked for the duration; the statement is
    // prepared, bound, stepped and finalised here and nowhere else.
    unsafe {
        let mut statement = std::ptr::null_mut();
        let prepared = ffi::sqlite3_prepare_v2(handle.as_raw_handle().as_ptr(), sql.as_ptr(), -1, &mut statement, std::ptr::null_mut());
        assert_eq!(prepared, ffi::SQLITE_OK);
        if sql.to_str().unwrap().contains("slug = $1") {
            let slug = c"stop-sharing";
            ffi::sqlite3_bind_text(statement, 1, slug.as_ptr(), -1, None);
        } else {
            ffi::sqlite3_bind_int64(statement, 1, id);
            ffi::sqlite3_bind_int64(statement, 2, 5);
        }
        let mut rows = 0;
        while ffi::sqlite3_step(statement) == ffi::SQLITE_ROW {
            rows += 1;
        }
        assert!(rows > 0, "{sql:?} found nothing to read");
        let steps = ffi::sqlite3_stmt_status(statement, ffi::SQLITE_STMTSTATUS_VM_STEP, 0);
        ffi::sqlite3_finalize(statement);
        steps
    }
}
