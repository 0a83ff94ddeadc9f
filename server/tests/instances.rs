//! Two server processes on one PostgreSQL database, as behind a reverse
//! proxy: whichever instance answers, a person and an organiser see the
//! same thing. Each test makes a fresh database and drops it afterwards;
//! if PostgreSQL can't be reached the test fails saying so.

#[path = "durability/scenario.rs"]
mod scenario;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use scenario::{server_args, sign, signer, ServerProcess, SLUG};
use serde_json::Value;

/// A bound on a hang, not a wait: what the issue promises for the live count.
const LIVE_WITHIN: Duration = Duration::from_secs(2);

fn postgres_server() -> String {
    std::env::var("PETITION_TEST_POSTGRES").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432".into())
}

fn psql(sql: &str) {
    let server = postgres_server();
    let status = std::process::Command::new("psql")
        .args([&format!("{server}/postgres"), "-qc", sql])
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .status();
    assert!(matches!(status, Ok(s) if s.success()), "PostgreSQL at {server} answers: {sql}");
}

/// A fresh database and two instances serving it, each with folders of
/// its own (mail goes to `dir/a/mail` and `dir/b/mail`).
struct Instances {
    a: ServerProcess,
    b: ServerProcess,
    url: String,
    name: String,
    dir: tempfile::TempDir,
}

impl Instances {
    async fn start(test: &str) -> Instances {
        Instances::start_with(test, &[]).await
    }

    /// Two instances with `flags` (name, value; a switch's value is empty)
    /// in place of the defaults'.
    async fn start_with(test: &str, flags: &[(&str, &str)]) -> Instances {
        let name = format!("petition_instances_{test}_{}", std::process::id());
        psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        psql(&format!("CREATE DATABASE {name}"));
        let url = format!("{}/{name}", postgres_server());
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        let binary = PathBuf::from(env!("CARGO_BIN_EXE_petition-server"));
        let start = |instance: &str| {
            let own = dir.path().join(instance);
            let mut args = server_args(root, &url, &own).unwrap();
            // The petition that asks signers to confirm by email, too.
            std::fs::copy(
                root.join("petitions/scrap-upfront-charging.toml"),
                own.join("petitions/scrap-upfront-charging.toml"),
            )
            .unwrap();
            args.extend(["--mail-retry-seconds".into(), "1".into()]);
            for (flag, value) in flags {
                match args.iter().position(|arg| arg == flag) {
                    Some(at) => args[at + 1] = (*value).to_owned(),
                    // A switch (no value).
                    None if value.is_empty() => args.push((*flag).to_owned()),
                    None => args.extend([(*flag).to_owned(), (*value).to_owned()]),
                }
            }
            let binary = binary.clone();
            async move { ServerProcess::start(&binary, &args).await.unwrap() }
        };
        // One after the other: both apply (or find) the migrations.
        let a = start("a").await;
        let b = start("b").await;
        Instances { a, b, url, name, dir }
    }

    async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.url).await.unwrap()
    }
}

impl Drop for Instances {
    fn drop(&mut self) {
        psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

/// A challenge for `slug` from `base` (asked as `from`, if given), and its proof.
async fn answered_challenge(client: &reqwest::Client, base: &str, slug: &str, from: Option<&str>) -> (String, u64) {
    let mut request = client.get(format!("{base}/api/petitions/{slug}/challenge"));
    if let Some(from) = from {
        request = request.header("x-forwarded-for", from);
    }
    let challenge: Value = request.send().await.unwrap().json().await.unwrap();
    let token = challenge["token"].as_str().unwrap().to_owned();
    let proof = petition_core::proof::search(&token, challenge["difficulty"].as_u64().unwrap() as u8, 0, u64::MAX).unwrap();
    (token, proof)
}

async fn count(client: &reqwest::Client, base: &str) -> u64 {
    let petition: Value = client.get(format!("{base}/api/petitions/{SLUG}")).send().await.unwrap().json().await.unwrap();
    petition["signature_count"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_counts_once_however_their_copies_are_split_across_instances() {
    let instances = Instances::start("once").await;
    let client = reqwest::Client::new();
    // 100 copies of one signature at once, half to each instance.
    let copies = (0..100).map(|n| {
        let base = if n % 2 == 0 { instances.a.base.clone() } else { instances.b.base.clone() };
        let client = client.clone();
        async move {
            let (status, _) = sign(&client, &base, signer(7)).await.unwrap();
            status
        }
    });
    let statuses = futures_util::future::join_all(copies).await;
    assert!(statuses.iter().all(|s| *s == 200), "every copy is thanked alike: {statuses:?}");
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT status FROM signatures").fetch_all(&instances.db().await).await.unwrap();
    assert_eq!(rows, ["counted"], "one row");
    assert_eq!(count(&client, &instances.a.base).await, 1);
    assert_eq!(count(&client, &instances.b.base).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_from_one_instance_works_once_on_any() {
    let instances = Instances::start("challenge").await;
    let client = reqwest::Client::new();
    let (token, proof) = answered_challenge(&client, &instances.a.base, SLUG, None).await;
    let answered = |n: usize| {
        let mut body = signer(n);
        body["challenge"] = token.as_str().into();
        body["proof"] = proof.into();
        body
    };
    // Made by A, checked by B: the instances share the server's secret.
    let on_b = client.post(format!("{}/api/petitions/{SLUG}/signatures", instances.b.base)).json(&answered(1)).send().await.unwrap();
    assert_eq!(on_b.status(), 200);
    // Spent on B, refused on A (and on B again).
    for base in [&instances.a.base, &instances.b.base] {
        let again = client.post(format!("{base}/api/petitions/{SLUG}/signatures")).json(&answered(2)).send().await.unwrap();
        assert_eq!(again.status(), 403, "{base}");
    }
    assert_eq!(count(&client, &instances.a.base).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_on_one_instance_shows_a_signature_made_on_the_other_within_two_seconds() {
    let instances = Instances::start("live").await;
    let client = reqwest::Client::new();
    let stream = client.get(format!("{}/api/events?petitions={SLUG}", instances.b.base)).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let mut events = stream;
    let mut text = String::new();
    // The current state comes first: nobody has signed.
    let counts = |text: &str| -> Vec<u64> {
        text.lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(|data| serde_json::from_str::<Value>(data.trim()).unwrap()["signature_count"].as_u64().unwrap())
            .collect()
    };
    while counts(&text).is_empty() {
        text.push_str(&String::from_utf8_lossy(&events.chunk().await.unwrap().expect("the stream stays open")));
    }
    assert_eq!(counts(&text), [0]);
    let (status, _) = sign(&client, &instances.a.base, signer(1)).await.unwrap();
    assert_eq!(status, 200);
    let signed = Instant::now();
    let heard = tokio::time::timeout(LIVE_WITHIN, async {
        while !counts(&text).contains(&1) {
            text.push_str(&String::from_utf8_lossy(&events.chunk().await.unwrap().expect("the stream stays open")));
        }
    })
    .await;
    assert!(heard.is_ok(), "B's stream heard nothing of A's signature within {LIVE_WITHIN:?}: {text}");
    println!("heard on B {:?} after A's answer", signed.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_mail_goes_once_with_two_instances_delivering() {
    let instances = Instances::start("mail").await;
    let client = reqwest::Client::new();
    let people = 20;
    for n in 0..people {
        let base = if n % 2 == 0 { &instances.a.base } else { &instances.b.base };
        let (token, proof) = answered_challenge(&client, base, "scrap-upfront-charging", None).await;
        let mut body = signer(n);
        body["challenge"] = token.into();
        body["proof"] = proof.into();
        let answer = client.post(format!("{base}/api/petitions/scrap-upfront-charging/signatures")).json(&body).send().await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    // Both outboxes deliver; wait until the database says all is sent.
    let db = instances.db().await;
    let patience = Instant::now();
    loop {
        let waiting: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetch_one(&db).await.unwrap();
        if waiting == 0 {
            break;
        }
        assert!(patience.elapsed() < Duration::from_secs(60), "{waiting} mails still waiting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut mailed: BTreeMap<String, usize> = BTreeMap::new();
    for instance in ["a", "b"] {
        let Ok(files) = std::fs::read_dir(instances.dir.path().join(instance).join("mail")) else { continue };
        for file in files {
            let mail = std::fs::read_to_string(file.unwrap().path()).unwrap();
            let to = mail.lines().find_map(|line| line.strip_prefix("To: ")).unwrap().trim().to_owned();
            *mailed.entry(to).or_default() += 1;
        }
    }
    assert_eq!(mailed.len(), people, "everyone got a mail: {mailed:?}");
    assert!(mailed.values().all(|n| *n == 1), "and only one: {mailed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_sweeps_at_a_time() {
    let instances = Instances::start("sweep").await;
    let client = reqwest::Client::new();
    assert_eq!(sign(&client, &instances.a.base, signer(1)).await.unwrap().0, 200);
    let db = instances.db().await;
    // Made long ago: its source hash is past keeping.
    sqlx::query("UPDATE signatures SET created_at = '2020-01-01T00:00:00Z'").execute(&db).await.unwrap();
    let retention = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_petition-server"))
            .args(["admin", "retention", "--database-url", &instances.url])
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    // Another instance is sweeping (it holds the sweep's advisory lock).
    let mut sweeping = db.acquire().await.unwrap();
    sqlx::query("BEGIN").execute(&mut *sweeping).await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(8099007501169160046)").execute(&mut *sweeping).await.unwrap();
    assert_eq!(retention(), "another server is sweeping this database now: nothing done (try again later)\n");
    let kept: Option<String> = sqlx::query_scalar("SELECT source_hash FROM signatures").fetch_one(&db).await.unwrap();
    assert!(kept.is_some());
    sqlx::query("ROLLBACK").execute(&mut *sweeping).await.unwrap();
    drop(sweeping);
    assert!(retention().contains("dropped 1 source hash(es)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_signing_on_one_instance_meets_its_limit_on_the_other() {
    // Three signatures per source per ten minutes; the proxy's address
    // header is trusted, so one machine can be several sources.
    let instances = Instances::start_with(
        "rates",
        &[("--source-signatures-per-10-min", "3"), ("--trust-forwarded-for", ""), ("--proof-difficulty", "4")],
    )
    .await;
    let client = reqwest::Client::new();
    let from = "198.51.100.20";
    let difficulty = |base: String| {
        let request = client.get(format!("{base}/api/petitions/{SLUG}/challenge")).header("x-forwarded-for", from);
        async move {
            let challenge: Value = request.send().await.unwrap().json().await.unwrap();
            challenge["difficulty"].as_u64().unwrap()
        }
    };
    let usual = difficulty(instances.b.base.clone()).await;
    // The source signs three times on A: its limit.
    for n in 0..3 {
        let (token, proof) = answered_challenge(&client, &instances.a.base, SLUG, Some(from)).await;
        let mut body = signer(n);
        body["challenge"] = token.into();
        body["proof"] = proof.into();
        let signed = client
            .post(format!("{}/api/petitions/{SLUG}/signatures", instances.a.base))
            .header("x-forwarded-for", from)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), 200);
    }
    // B hears of it: its next challenge for that source is harder, as A's is.
    let heard = tokio::time::timeout(LIVE_WITHIN, async {
        while difficulty(instances.b.base.clone()).await == usual {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(heard.is_ok(), "B still hands the source its usual challenge after its limit was met on A");
    assert_eq!(difficulty(instances.a.base.clone()).await, difficulty(instances.b.base.clone()).await);
    // Another source is untouched on either.
    let other = client
        .get(format!("{}/api/petitions/{SLUG}/challenge", instances.b.base))
        .header("x-forwarded-for", "203.0.113.5")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(other["difficulty"].as_u64().unwrap(), usual);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_signings_spread_over_count_slots_and_milestones_are_dated_when_crossed() {
    let instances = Instances::start("slots").await;
    let client = reqwest::Client::new();
    // 25 people at once (the petition's milestones are 10 and 25), half on
    // each instance.
    let people = (0..25).map(|n| {
        let base = if n % 2 == 0 { instances.a.base.clone() } else { instances.b.base.clone() };
        let client = client.clone();
        async move { sign(&client, &base, signer(n)).await.unwrap().0 }
    });
    let statuses = futures_util::future::join_all(people).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let db = instances.db().await;
    let slots: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM count_slots WHERE partner = ''").fetch_one(&db).await.unwrap();
    assert!(slots > 1, "the signings did not all queue for one row: {slots} slots used");
    let undated: Vec<i64> = sqlx::query_scalar(
        "SELECT count FROM milestones JOIN petitions ON petitions.id = petition_id
         WHERE slug = $1 AND count <= 25 AND reached_at IS NULL",
    )
    .bind(SLUG)
    .fetch_all(&db)
        .await
        .unwrap();
    assert!(undated.is_empty(), "milestones crossed but not dated: {undated:?}");
    assert_eq!(count(&client, &instances.b.base).await, 25);
}
