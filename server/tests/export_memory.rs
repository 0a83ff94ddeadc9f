//! An export of a million signatures streams through the server in the
//! memory of a few batches, never the whole file.
//!
//! The real binary runs as a child process on a SQLite database seeded with
//! 1,000,000 counted signatures; an organiser signs in over HTTP and
//! downloads the petition's CSV (about 130 MiB). The server's peak resident
//! memory (`VmHWM` in /proc/PID/status, reset just before) is read before
//! and after: it may grow by at most [`BOUND`], where an export held whole
//! in memory would grow by the file's size at least.
//!
//! A test binary of its own, left out of a plain `cargo test` (`test = false`
//! in Cargo.toml) and run by `cargo xtask test` as a step of its own, which
//! prints the numbers: seeding and streaming a million rows take the machine
//! for a while, and another test's server in the same process would blur the
//! measurement.

#[allow(dead_code)]
#[path = "durability/scenario.rs"]
mod scenario;

use std::{
    io::Write,
    path::Path,
    process::{Command, Stdio},
    time::Instant,
};

/// Signatures in the export.
const SIGNATURES: i64 = 1_000_000;

/// How much the server's peak resident memory may grow while it streams the
/// export. Measured on the 2-core test machine (debug build): 8.6 MiB,
/// which is SQLite's page cache on the pooled connections that read the
/// batches (up to 2 MiB each), the allocator's per-thread arenas keeping a
/// batch's rows and text, and the connection's buffers; the same export
/// collected in memory before sending grew by 156 MiB (the 130 MiB file and
/// the vector's spare room). 64 MiB leaves room for the allocator's whims
/// on a busier machine and still fails any export that holds the file, or
/// even half of it.
const BOUND: u64 = 64 * 1024 * 1024;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_signatures_export_in_bounded_memory() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("petitions.db").display());

    // The petition and an account, as an organiser makes them.
    let petition = root.join("petitions/stop-sharing.toml");
    admin(&database_url, &["apply", petition.to_str().unwrap()], "");
    admin(&database_url, &["user", "add", "nadia", "--password-stdin"], &format!("{PASSWORD}\n"));
    let began = Instant::now();
    seed(&database_url).await;
    let seeding = began.elapsed();

    let args = scenario::server_args(root, &database_url, dir.path()).unwrap();
    let server = scenario::ServerProcess::start(Path::new(env!("CARGO_BIN_EXE_petition-server")), &args)
        .await
        .unwrap_or_else(|error| panic!("{error:#}"));
    let client = sign_in(&server.base).await;
    // The peak so far is startup's and signing in's (Argon2 takes 19 MiB on
    // purpose): start counting from what the server holds now.
    reset_peak_memory(server.pid());
    let before = peak_memory(server.pid());

    let began = Instant::now();
    let mut download = client.get(format!("{}/admin/petitions/stop-sharing/export.csv", server.base)).send().await.unwrap();
    assert_eq!(download.status(), 200);
    let (mut lines, mut bytes) = (0u64, 0u64);
    while let Some(chunk) = download.chunk().await.unwrap_or_else(|error| panic!("the download failed: {error}")) {
        lines += chunk.iter().filter(|&&byte| byte == b'\n').count() as u64;
        bytes += chunk.len() as u64;
    }
    let took = began.elapsed();
    let after = peak_memory(server.pid());
    let growth = after.saturating_sub(before);
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "exported {} signatures ({:.0} MiB of CSV) in {:.1} s (seeded in {:.1} s); the server's peak resident \
         memory went from {:.1} MiB to {:.1} MiB: {:.1} MiB more, of at most {:.0} MiB",
        lines - 1,
        mib(bytes),
        took.as_secs_f64(),
        seeding.as_secs_f64(),
        mib(before),
        mib(after),
        mib(growth),
        mib(BOUND)
    );
    assert_eq!(lines, SIGNATURES as u64 + 1, "the header and every signature");
    assert!(growth < BOUND, "the export took {:.1} MiB more memory: it must stream", mib(growth));
    server.kill();
}

/// Runs `petition-server admin ARGS` on the database, with `stdin` as its input.
fn admin(database_url: &str, args: &[&str], stdin: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_petition-server"))
        .arg("admin")
        .args(args)
        .args(["--database-url", database_url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "admin {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// A million counted signatures in one transaction, written straight into
/// the database (signing a million times over HTTP would prove nothing
/// more), spread over the partners, a third with a reason.
async fn seed(database_url: &str) {
    let db = sqlx::SqlitePool::connect(database_url).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM petitions WHERE slug = 'stop-sharing'").fetch_one(&mut *tx).await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
         INSERT INTO signatures (petition_id, first_name, last_name, email, canonical_email, postcode, profession,
                                 reason, consent, partner, partner_consent, created_at, status)
         SELECT $1, 'Amara', 'Okafor', 'seed' || i || '@example.org', 'seed' || i || '@example.org', 'E1 6AN',
                CASE i % 3 WHEN 0 THEN 'doctor' WHEN 1 THEN 'nurse' ELSE NULL END,
                CASE WHEN i % 3 = 0 THEN 'Patients must be able to trust their GP.' ELSE '' END, FALSE,
                CASE i % 4 WHEN 0 THEN 'medact' WHEN 1 THEN 'asylum-matters' ELSE NULL END, i % 2 = 0,
                '2026-11-22T10:00:00Z', 'counted'
         FROM n",
    )
    .bind(id)
    .bind(SIGNATURES)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE petitions SET signature_count = (SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted')
         WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
}

/// A browser signed in as nadia through the sign-in form.
async fn sign_in(base: &str) -> reqwest::Client {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = client.get(format!("{base}/admin/sign-in")).send().await.unwrap().text().await.unwrap();
    let at = form.find("name=\"csrf\" value=\"").expect("the form's token") + "name=\"csrf\" value=\"".len();
    let token = form[at..].split('"').next().unwrap();
    let signed = client
        .post(format!("{base}/admin/sign-in"))
        .header("origin", base)
        .form(&[("csrf", token), ("name", "nadia"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303, "signing in: {:?}", signed.text().await);
    client
}

/// Sets the process's peak resident memory to what it holds now (Linux's
/// `clear_refs`, as its owner may).
fn reset_peak_memory(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("the peak resident memory can be reset");
}

/// The process's peak resident memory so far (`VmHWM`), in bytes.
fn peak_memory(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmHWM:")).expect("VmHWM in /proc/PID/status");
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}
