//! The kill -9 scenario: people sign while the server is killed outright
//! (SIGKILL: no shutdown, no flush, no goodbye), it is started again on the
//! same database, and again; afterwards every signature it acknowledged must
//! be stored and counted once, and every number it keeps must equal a
//! recount of the rows.
//!
//! Shared, by path, by the durability test (`server/tests/durability.rs`,
//! three cycles) and `cargo xtask loadtest` (twenty), so it uses only crates
//! both have: tokio, reqwest, sqlx, serde_json, petition-core and anyhow.
//! It also holds what both need to run the real binary and sign as the
//! widget does ([`ServerProcess`], [`sign`]).

// Each of the two users calls only part of it.
#![allow(dead_code)]

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    io::BufRead,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context};
use serde_json::{json, Value};

/// The petition everyone signs (a copy of the demo's file).
pub const SLUG: &str = "stop-sharing";

/// The longest a server may take to start, or a request to be answered,
/// before the scenario gives up: a bound on a hang, not a wait.
const PATIENCE: Duration = Duration::from_secs(30);

/// What the log says once the server is serving (`Server::run_until_shutdown`).
const SERVING: &str = "petition server on http://";

/// A `petition-server` child process, killed (SIGKILL) when dropped.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`, as the server reported it.
    pub base: String,
    /// How long from starting the process to its serving: migrations,
    /// petition files, and SQLite's recovery of a killed server's log.
    pub started_in: Duration,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl ServerProcess {
    /// Starts `binary` with `args` (which should say `--listen 127.0.0.1:0`)
    /// and waits until it says where it serves.
    pub async fn start(binary: &Path, args: &[String]) -> anyhow::Result<ServerProcess> {
        let began = Instant::now();
        let mut child = Command::new(binary)
            .args(args)
            // Plain words to read the address from.
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "petition_server=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        // The log is read to its end by a thread of its own, so the server
        // never blocks on a full pipe; the last lines are kept for errors.
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (address, said) = tokio::sync::oneshot::channel();
        std::thread::spawn({
            let log = log.clone();
            move || {
                let mut address = Some(address);
                for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(at) = line.find(SERVING) {
                        let rest = &line[at + SERVING.len()..];
                        let addr = rest.split_whitespace().next().unwrap_or_default().to_owned();
                        if let Some(address) = address.take() {
                            address.send(addr).ok();
                        }
                    }
                    let mut log = log.lock().unwrap();
                    log.push_back(line);
                    if log.len() > 50 {
                        log.pop_front();
                    }
                }
            }
        });
        let mut server = ServerProcess { child, base: String::new(), started_in: Duration::ZERO, log };
        match tokio::time::timeout(PATIENCE, said).await {
            Ok(Ok(addr)) => {
                server.base = format!("http://{addr}");
                server.started_in = began.elapsed();
                Ok(server)
            }
            // The log ended without the line: the server exited.
            Ok(Err(_)) => {
                let status = server.child.wait()?;
                bail!("the petition server exited ({status}) before serving:\n{}", server.log())
            }
            Err(_) => bail!("the petition server did not start serving within {PATIENCE:?}:\n{}", server.log()),
        }
    }

    /// The process id, to read its memory from /proc.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines it logged.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// SIGKILL, and wait until it is gone.
    pub fn kill(mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The command line for a server on `database_url` that lets one machine
/// sign as many people, quickly: every signature comes from 127.0.0.1 and
/// is sent at once, so the per-source limits and the minimum fill time are
/// lifted, and the proof of work is cheap. The server checks a proof the
/// same way at any difficulty (one hash).
pub fn server_args(root: &Path, database_url: &str, dir: &Path) -> anyhow::Result<Vec<String>> {
    let petitions = dir.join("petitions");
    std::fs::create_dir_all(&petitions)?;
    std::fs::copy(root.join("petitions/stop-sharing.toml"), petitions.join("stop-sharing.toml"))
        .context("copying petitions/stop-sharing.toml")?;
    let path = |p: PathBuf| p.display().to_string();
    Ok([
        ("--listen", "127.0.0.1:0".to_owned()),
        ("--database-url", database_url.to_owned()),
        ("--petitions-dir", path(petitions)),
        ("--www-dir", path(root.join("www"))),
        ("--widget-dir", path(root.join("pkg"))),
        ("--mail-dir", path(dir.join("mail"))),
        ("--proof-difficulty", "4".to_owned()),
        ("--min-fill-seconds", "0".to_owned()),
        ("--source-signatures-per-10-min", "100000000".to_owned()),
        ("--source-requests-per-min", "100000000".to_owned()),
        ("--busy-requests-per-min", "100000000".to_owned()),
        ("--source-streams", "100000".to_owned()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_owned(), value])
    .collect())
}

/// Signer `n`: a distinct person, spread over the partners and professions
/// so that every kept number moves.
pub fn signer(n: usize) -> Value {
    const PROFESSIONS: [&str; 4] = ["doctor", "nurse", "not-healthcare", ""];
    const PARTNERS: [&str; 3] = ["medact", "asylum-matters", ""];
    json!({
        "first_name": "Load",
        "last_name": format!("Tester {n}"),
        "email": email(n),
        "postcode": "E1 6AN",
        "profession": PROFESSIONS[n % PROFESSIONS.len()],
        "partner": PARTNERS[n % PARTNERS.len()],
        "partner_consent": n.is_multiple_of(2),
        "consent": false,
    })
}

/// Signer `n`'s address, in its canonical form already.
pub fn email(n: usize) -> String {
    format!("signer{n}@example.org")
}

/// Signs as the widget does: a fresh challenge, solved, then the signature.
/// `Ok` with the status and how long the POST took once the server answered;
/// `Err` if it never did (refused, reset, killed).
pub async fn sign(client: &reqwest::Client, base: &str, mut body: Value) -> reqwest::Result<(u16, Duration)> {
    let challenge = client.get(format!("{base}/api/petitions/{SLUG}/challenge")).send().await?;
    if !challenge.status().is_success() {
        return Ok((challenge.status().as_u16(), Duration::ZERO));
    }
    let challenge: Value = challenge.json().await?;
    let token = challenge["token"].as_str().unwrap_or_default();
    let difficulty = challenge["difficulty"].as_u64().unwrap_or(0) as u8;
    body["challenge"] = token.into();
    body["proof"] = petition_core::proof::search(token, difficulty, 0, u64::MAX).unwrap_or(0).into();
    let began = Instant::now();
    let response = client.post(format!("{base}/api/petitions/{SLUG}/signatures")).json(&body).send().await?;
    let status = response.status().as_u16();
    // The answer is complete only with its body.
    response.bytes().await?;
    Ok((status, began.elapsed()))
}

/// How the kill -9 scenario runs.
pub struct Scenario {
    /// The `petition-server` binary.
    pub binary: PathBuf,
    /// The repository (for the petition file and the static folders).
    pub root: PathBuf,
    /// Where signatures are kept; every start uses the same database.
    pub database_url: String,
    /// A folder of its own, for the petition file and mail.
    pub dir: PathBuf,
    /// How many times the server is killed.
    pub cycles: usize,
    /// People signing at once.
    pub clients: usize,
    /// Each server is killed the moment it has acknowledged this many
    /// signatures, with the others' requests still in flight.
    pub kill_after: usize,
}

/// What happened, for a report; every check has passed by then.
#[derive(Debug)]
pub struct Outcome {
    /// People who were told "thank you" (a 200): all of them.
    pub acknowledged: usize,
    /// People whose signature got no answer because the server died, and
    /// who sent it again after the restart, as the widget does.
    pub resent: usize,
    /// How long each restart took, from starting the process to serving.
    pub restarts: Vec<Duration>,
}

/// Who has signed, so far as the signers know.
#[derive(Default)]
struct Ledger {
    /// Told "thank you".
    acknowledged: BTreeSet<usize>,
    /// To send again: no answer came (the server was killed).
    unanswered: VecDeque<usize>,
    /// Anything but a 200 or no answer: a person would see an error.
    refused: Vec<(usize, u16)>,
    /// The next person who hasn't tried yet.
    next: usize,
    /// Sent more than once.
    resent: BTreeSet<usize>,
}

impl Ledger {
    /// The next signature to send: one that got no answer, else a new person.
    fn take(&mut self) -> usize {
        self.unanswered.pop_front().unwrap_or_else(|| {
            self.next += 1;
            self.next - 1
        })
    }
}

impl Scenario {
    /// Kills the server `cycles` times while it is taking signatures, then
    /// starts it once more, resends what got no answer, and checks the
    /// database (see [`audit`]).
    pub async fn run(&self) -> anyhow::Result<Outcome> {
        let args = server_args(&self.root, &self.database_url, &self.dir)?;
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let mut restarts = Vec::new();
        for cycle in 0..self.cycles {
            let server = ServerProcess::start(&self.binary, &args).await?;
            restarts.push(server.started_in);
            let before = ledger.lock().unwrap().acknowledged.len();
            let stop = Arc::new(AtomicBool::new(false));
            let (acknowledged, mut progress) = tokio::sync::watch::channel(0usize);
            let acknowledged = Arc::new(acknowledged);
            let client = client();
            let signers: Vec<_> = (0..self.clients)
                .map(|_| {
                    let (ledger, stop, acknowledged, client, base) =
                        (ledger.clone(), stop.clone(), acknowledged.clone(), client.clone(), server.base.clone());
                    tokio::spawn(async move {
                        while !stop.load(Ordering::SeqCst) {
                            let n = ledger.lock().unwrap().take();
                            let answer = sign(&client, &base, signer(n)).await;
                            let mut ledger = ledger.lock().unwrap();
                            match answer {
                                Ok((200, _)) => {
                                    ledger.acknowledged.insert(n);
                                    acknowledged.send_modify(|count| *count += 1);
                                }
                                Ok((status, _)) => ledger.refused.push((n, status)),
                                Err(_) => {
                                    ledger.resent.insert(n);
                                    ledger.unanswered.push_back(n);
                                }
                            }
                        }
                    })
                })
                .collect();
            // The event: this server's `kill_after`th acknowledgement. (Only
            // whether it came is kept: `wait_for`'s answer holds a read lock
            // that would stop the signers' next `send_modify`.)
            let reached = matches!(
                tokio::time::timeout(PATIENCE, progress.wait_for(|count| *count >= self.kill_after)).await,
                Ok(Ok(_))
            );
            // Stop first, so nobody starts a new signature against a dead
            // server; the ones in flight are cut off by the kill.
            stop.store(true, Ordering::SeqCst);
            let log = server.log();
            server.kill();
            for task in signers {
                task.await?;
            }
            let so_far = ledger.lock().unwrap();
            ensure!(so_far.refused.is_empty(), "cycle {cycle}: signatures refused (signer, status): {:?}\n{log}", so_far.refused);
            ensure!(
                reached,
                "cycle {cycle}: only {} signatures acknowledged in {PATIENCE:?}\n{log}",
                so_far.acknowledged.len() - before
            );
        }
        // The last start: every signature that got no answer is sent again,
        // as the widget resends what it kept, and must now be taken.
        let server = ServerProcess::start(&self.binary, &args).await?;
        restarts.push(server.started_in);
        let client = client();
        let ready = client.get(format!("{}/readyz", server.base)).send().await?.status();
        ensure!(ready == 200, "after {} kills, /readyz answers {ready}", self.cycles);
        let unanswered: Vec<usize> = ledger.lock().unwrap().unanswered.drain(..).collect();
        for n in unanswered {
            let (status, _) = sign(&client, &server.base, signer(n)).await.context("resending after the restart")?;
            ensure!(status == 200, "signer {n}, resending after the restart, got {status}");
            ledger.lock().unwrap().acknowledged.insert(n);
        }
        // What a visitor sees: everyone who was thanked, each once.
        let shown: Value = client.get(format!("{}/api/petitions/{SLUG}", server.base)).send().await?.json().await?;
        let (acknowledged, resent) = {
            let ledger = ledger.lock().unwrap();
            (ledger.acknowledged.clone(), ledger.resent.len())
        };
        ensure!(
            shown["signature_count"] == acknowledged.len(),
            "the petition shows {} signatures; {} people were told their signature counted",
            shown["signature_count"],
            acknowledged.len()
        );
        server.kill();
        audit(&self.database_url, &acknowledged).await?;
        Ok(Outcome { acknowledged: acknowledged.len(), resent, restarts })
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(PATIENCE).build().expect("an HTTP client")
}

/// Reads the database at `database_url` directly, as an auditor would, with
/// no server running: each of `acknowledged` is stored once and counted, no
/// one else is, and every kept number equals a full recount of the rows.
pub async fn audit(database_url: &str, acknowledged: &BTreeSet<usize>) -> anyhow::Result<()> {
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(database_url).await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM petitions WHERE slug = $1").bind(SLUG).fetch_one(&db).await?;
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT canonical_email, status FROM signatures WHERE petition_id = $1")
        .bind(id)
        .fetch_all(&db)
        .await?;
    let mut stored: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (email, status) in rows {
        stored.entry(email).or_default().push(status);
    }
    for &n in acknowledged {
        let statuses = stored.remove(&email(n)).unwrap_or_default();
        ensure!(statuses == ["counted"], "signer {n} was told their signature counted; stored: {statuses:?}");
    }
    ensure!(stored.is_empty(), "stored, but nobody was told so: {:?}", stored.keys().take(10).collect::<Vec<_>>());

    // What the server keeps: each petition's row plus its count slots.
    let kept: (i64, i64) = sqlx::query_as(
        "SELECT signature_count + CAST(COALESCE((SELECT SUM(signatures) FROM count_slots WHERE petition_id = $1 AND partner = ''), 0) AS BIGINT),
                healthcare_count + CAST(COALESCE((SELECT SUM(healthcare) FROM count_slots WHERE petition_id = $1 AND partner = ''), 0) AS BIGINT)
         FROM petitions WHERE id = $1",
    )
        .bind(id)
        .fetch_one(&db)
        .await?;
    // Paper signatures (entered on the dashboard) have no rows: their
    // entries are added to the rows' count.
    let recounted: (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) + CAST((SELECT COALESCE(SUM(amount), 0) FROM paper_counts WHERE petition_id = $1) AS BIGINT),
                COUNT(*) FILTER (WHERE profession IN ('doctor', 'nurse', 'midwife'))
         FROM signatures WHERE petition_id = $1 AND status = 'counted'",
    )
    .bind(id)
    .fetch_one(&db)
    .await?;
    ensure!(kept == recounted, "kept (count, professionals) {kept:?}; a recount of the rows gives {recounted:?}");
    let kept_partners: Vec<(String, i64)> = sqlx::query_as(
        "SELECT partner, CAST(SUM(n) AS BIGINT) FROM
             (SELECT partner, signature_count AS n FROM partner_counts WHERE petition_id = $1
              UNION ALL SELECT partner, signatures FROM count_slots WHERE petition_id = $1 AND partner <> '') AS kept
         GROUP BY partner HAVING SUM(n) > 0 ORDER BY partner",
    )
    .bind(id)
    .fetch_all(&db)
    .await?;
    let recounted_partners: Vec<(String, i64)> = sqlx::query_as(
        "SELECT partner, COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted' AND partner IS NOT NULL
         GROUP BY partner ORDER BY partner",
    )
    .bind(id)
    .fetch_all(&db)
    .await?;
    ensure!(
        kept_partners == recounted_partners,
        "kept partner counts {kept_partners:?}; a recount of the rows gives {recounted_partners:?}"
    );
    db.close().await;
    Ok(())
}
