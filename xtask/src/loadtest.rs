//! `cargo xtask loadtest`: what one release server takes on this machine.
//! On SQLite: signing with real challenges and proofs at 16 and 64 people at
//! once, petition reads at no signatures (straight, and through nginx with
//! README's caching config, counting the reads that reach the server),
//! 20,000 live-count streams waiting for one new signature, reads and
//! signing at a million and at ten million signatures (seeded straight into
//! the database), and twenty kill -9s in the middle of signing. On
//! PostgreSQL (`PETITION_TEST_POSTGRES`, or `postgres://root@127.0.0.1:5432`,
//! as for the tests): the same signing with one server instance and with two
//! sharing the database, the same reads and the same at a million and ten
//! million, and the same kill -9s. A benchmark, not a test: it prints a table,
//! and fails only if something breaks (a refused signature, a lost one, a
//! stream that never hears of the new count).
//!
//! Everything runs on this machine, on loopback, and stops by itself: every
//! loop is bounded in time or count. The load generator shares the cores
//! with the server, so the numbers are a floor for a server with a machine
//! of its own.

// The kill -9 scenario is the durability test's own, shared by path.
#[path = "../../server/tests/durability/scenario.rs"]
mod scenario;

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::Path,
    process::Command,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context};
use scenario::{ServerProcess, Scenario};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

use crate::{run, setup, step, target_dir};

/// How long each signing and read measurement runs.
const MEASURE_FOR: Duration = Duration::from_secs(10);
/// People signing at once, one measurement each.
const SIGNING_CLIENTS: [usize; 2] = [16, 64];
/// Connections `wrk` keeps busy reading the petition.
const READ_CONNECTIONS: usize = 64;
/// Signatures seeded for the measurements of what size costs: first the
/// first, then as many more as make the second (added to the same database).
const SEEDED: [u64; 2] = [1_000_000, 10_000_000];
/// How long each of those measurements runs (short, since there are eight
/// of them besides the seeding).
const SIZED_FOR: Duration = Duration::from_secs(5);
/// People signing at once in those measurements.
const SIZED_CLIENTS: usize = 16;
/// Live-count streams held open on the one server.
const STREAMS: usize = 20_000;
/// The longest any stream may take to hear of the new count before it
/// counts as missed (the goal is 2 s).
const STREAM_PATIENCE: Duration = Duration::from_secs(30);
/// Descriptors each process needs besides the streams: the server's
/// database files and listener, the generator's own.
const SPARE_FILES: u64 = 100;
/// Kill -9 cycles of the durability scenario.
const KILLS: usize = 20;
/// Server instances sharing one PostgreSQL database, one signing
/// measurement each (at each of [`SIGNING_CLIENTS`]).
const POSTGRES_INSTANCES: [usize; 2] = [1, 2];
/// Where `perf record` writes, when `PETITION_LOADTEST_PERF` is set, a
/// profile of the server during SQLite signing with the most people.
const PERF_DATA: &str = "perf-sqlite-signing.data";

/// One line of the report.
struct Row {
    what: String,
    rate: String,
    p50: String,
    p99: String,
    goal: &'static str,
    met: bool,
}

pub fn all(root: &Path) -> anyhow::Result<()> {
    let release = target_dir(root).join("release");
    if cfg!(debug_assertions) {
        // The load generator must not be what is measured (an unoptimised
        // HTTP client on the same cores would be), so the task runs again,
        // optimised. One build for both: built apart, their shared
        // dependencies would be built twice, with different features.
        setup::wrk()?;
        setup::postgres_answers()?;
        step("building the petition server and the load generator (release)");
        run(Command::new("cargo").args(["build", "--release", "--package", "petition-server", "--package", "xtask"]))?;
        return run(Command::new(release.join("xtask")).arg("loadtest"));
    }
    // Optimised: started by the task above, which built the server beside it.
    let binary = release.join("petition-server");
    // Each stream is a descriptor here and one in the server, which inherits
    // the limit.
    let streams = raise_open_files(STREAMS as u64 + SPARE_FILES)?.saturating_sub(SPARE_FILES).min(STREAMS as u64) as usize;
    let postgres = std::env::var("PETITION_TEST_POSTGRES").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432".into());
    let began = Instant::now();
    let rows = tokio::runtime::Runtime::new()?.block_on(measure(root, &binary, streams, &postgres))?;
    println!("\nThe load test took {:.0?}.", began.elapsed());
    report(&rows);
    Ok(())
}

async fn measure(root: &Path, binary: &Path, streams: usize, postgres: &str) -> anyhow::Result<Vec<Row>> {
    let dir = target_dir(root).join("loadtest");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let database_url = format!("sqlite://{}", dir.join("petitions.db").display());
    let mut args = scenario::server_args(root, &database_url, &dir)?;
    // Its metrics count the requests that reach it through nginx's cache.
    let metrics = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?));
    args.extend(["--metrics-listen".to_owned(), metrics.to_string()]);
    let mut rows = Vec::new();
    // Signers are numbered across every measurement: each signs once.
    let next_signer = Arc::new(AtomicUsize::new(0));

    let server = ServerProcess::start(binary, &args).await?;
    step("SQLite: petition reads, no signatures (wrk)");
    rows.push(reads(&server.base, "SQLite: petition reads, 0 signatures", MEASURE_FOR).await?);
    step("SQLite through nginx's cache (README's config): petition reads, no signatures (wrk)");
    rows.push(cached_reads(root, &server.base, metrics, &dir.join("nginx")).await?);
    for clients in SIGNING_CLIENTS {
        step(&format!("SQLite: signing, {clients} people at once"));
        // Profiled (if asked) where the goal is furthest: the most people.
        let profile = (clients == SIGNING_CLIENTS[SIGNING_CLIENTS.len() - 1] && std::env::var_os("PETITION_LOADTEST_PERF").is_some())
            .then(|| profile(server.pid(), &dir.join(PERF_DATA)))
            .transpose()?;
        // A refusal is the server's to explain: its last words go with it.
        let row = signing(&[&server], None, clients, &next_signer, "SQLite: signing", GOAL_SIGNING, MEASURE_FOR)
            .await
            .with_context(|| server.log())?;
        rows.push(row);
        if let Some(perf) = profile {
            let status = perf.wait_with_output().await?.status;
            ensure!(status.success(), "perf record failed ({status})");
            println!("profile of the server: perf report -i {} --no-children --sort dso,symbol", dir.join(PERF_DATA).display());
        }
    }
    step(&format!("SQLite: {streams} live-count streams, then one signature"));
    rows.extend(live_streams(&server, streams, &next_signer).await?);
    server.kill();

    let mut from = 0;
    for to in SEEDED {
        step(&format!("SQLite: seeding signatures {}–{} straight into the database", from + 1, to));
        let (count, row) = seeding("SQLite", from, to, seed(&database_url, from, to)).await?;
        rows.push(row);
        from = to;
        let server = ServerProcess::start(binary, &args).await?;
        step(&format!("SQLite, {} signatures: reads (wrk), then signing", thousands(count as u64)));
        let size = format!("SQLite, {} signatures", thousands(count as u64));
        rows.push(reads(&server.base, &format!("{size}: petition reads ({SIZED_FOR:?})"), SIZED_FOR).await?);
        let row = signing(&[&server], None, SIZED_CLIENTS, &next_signer, &format!("{size}: signing"), GOAL_SIGNING, SIZED_FOR)
            .await
            .with_context(|| server.log())?;
        rows.push(row);
        server.kill();
    }

    step(&format!("SQLite: kill -9 while signing, {KILLS} times"));
    let durability = dir.join("durability");
    std::fs::create_dir_all(&durability)?;
    let database_url = format!("sqlite://{}", durability.join("petitions.db").display());
    rows.push(kill_9(root, binary, &database_url, &durability, KILLS, "SQLite").await?);

    rows.extend(on_postgres(root, binary, postgres, &dir.join("postgres"), &next_signer).await?);
    Ok(rows)
}

/// The same measurements on PostgreSQL, each on a database of its own
/// (dropped afterwards): signing with one instance and with two sharing the
/// database, reads at no signatures and at a million, and kill -9s.
async fn on_postgres(
    root: &Path,
    binary: &Path,
    postgres: &str,
    dir: &Path,
    next_signer: &Arc<AtomicUsize>,
) -> anyhow::Result<Vec<Row>> {
    std::fs::create_dir_all(dir)?;
    let mut rows = Vec::new();
    for instances in POSTGRES_INSTANCES {
        for clients in SIGNING_CLIENTS {
            let db = PgDatabase::create(postgres, &format!("signing_{instances}_{clients}"))?;
            let args = scenario::server_args(root, &db.url, dir)?;
            let mut servers = Vec::new();
            for _ in 0..instances {
                servers.push(ServerProcess::start(binary, &args).await?);
            }
            let what = match instances {
                1 => "PostgreSQL: signing, 1 instance".to_owned(),
                n => format!("PostgreSQL: signing, {n} instances"),
            };
            step(&format!("{what}, {clients} people at once"));
            let servers: Vec<&ServerProcess> = servers.iter().collect();
            let row = signing(&servers, Some(&|| postgres_cpu(&db.name)), clients, next_signer, &what, GOAL_NONE, MEASURE_FOR)
                .await
                .with_context(|| servers.iter().map(|s| s.log()).collect::<Vec<_>>().join("\n---\n"))?;
            rows.push(row);
        }
    }

    let db = PgDatabase::create(postgres, "reads")?;
    let args = scenario::server_args(root, &db.url, dir)?;
    let server = ServerProcess::start(binary, &args).await?;
    step("PostgreSQL: petition reads, no signatures (wrk)");
    rows.push(reads(&server.base, "PostgreSQL: petition reads, 0 signatures", MEASURE_FOR).await?);
    server.kill();
    let mut from = 0;
    for to in SEEDED {
        step(&format!("PostgreSQL: seeding signatures {}–{} straight into the database", from + 1, to));
        let (count, row) = seeding("PostgreSQL", from, to, seed_postgres(&db.url, from, to)).await?;
        rows.push(row);
        from = to;
        let server = ServerProcess::start(binary, &args).await?;
        step(&format!("PostgreSQL, {} signatures: reads (wrk), then signing", thousands(count as u64)));
        let size = format!("PostgreSQL, {} signatures", thousands(count as u64));
        rows.push(reads(&server.base, &format!("{size}: petition reads ({SIZED_FOR:?})"), SIZED_FOR).await?);
        let what = format!("{size}: signing, 1 instance");
        let row = signing(&[&server], Some(&|| postgres_cpu(&db.name)), SIZED_CLIENTS, next_signer, &what, GOAL_NONE, SIZED_FOR)
            .await
            .with_context(|| server.log())?;
        rows.push(row);
        server.kill();
    }
    drop(db);

    step(&format!("PostgreSQL: kill -9 while signing, {KILLS} times"));
    let db = PgDatabase::create(postgres, "durability")?;
    let durability = dir.join("durability");
    std::fs::create_dir_all(&durability)?;
    rows.push(kill_9(root, binary, &db.url, &durability, KILLS, "PostgreSQL").await?);
    Ok(rows)
}

/// The durability scenario, `cycles` kill -9s while 16 people sign, as a row.
async fn kill_9(root: &Path, binary: &Path, database_url: &str, dir: &Path, cycles: usize, backend: &str) -> anyhow::Result<Row> {
    let outcome = Scenario {
        binary: binary.to_path_buf(),
        root: root.to_path_buf(),
        database_url: database_url.to_owned(),
        dir: dir.to_path_buf(),
        cycles,
        clients: 16,
        kill_after: 200,
    }
    .run()
    .await
    .with_context(|| format!("the kill -9 scenario on {backend}"))?;
    let mut restarts = outcome.restarts.clone();
    restarts.sort();
    Ok(Row {
        what: format!("{backend}: kill -9 while signing, {cycles} cycles: restart time"),
        rate: format!(
            "{} thanked, all stored once and counted ({} resent after a kill)",
            outcome.acknowledged, outcome.resent
        ),
        p50: ms(percentile(&restarts, 50.0)),
        p99: format!("max {}", ms(*restarts.last().unwrap_or(&Duration::ZERO))),
        goal: "none lost, counts = recount",
        met: true,
    })
}

/// A database of its own on the PostgreSQL server, made fresh, and dropped
/// (cutting off whatever is still connected) when this is dropped, even on
/// the way out with an error.
struct PgDatabase {
    server: String,
    name: String,
    url: String,
}

impl PgDatabase {
    fn create(server: &str, what: &str) -> anyhow::Result<PgDatabase> {
        // The process id keeps two load tests on one server apart.
        let name = format!("petition_loadtest_{}_{what}", std::process::id());
        psql(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        psql(server, &format!("CREATE DATABASE {name}"))?;
        Ok(PgDatabase { server: server.to_owned(), url: format!("{server}/{name}"), name })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Err(error) = psql(&self.server, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)) {
            eprintln!("could not drop the load test's database {}: {error:#}", self.name);
        }
    }
}

/// Runs `sql` on the server's `postgres` database with psql.
fn psql(server: &str, sql: &str) -> anyhow::Result<()> {
    let output = Command::new("psql")
        .args([&format!("{server}/postgres"), "-qc", sql])
        .output()
        .context("running psql")?;
    ensure!(output.status.success(), "psql {sql:?}: {}", String::from_utf8_lossy(&output.stderr).trim());
    Ok(())
}

/// `wrk` reading the petition for `duration` over [`READ_CONNECTIONS`].
async fn reads(base: &str, what: &str, duration: Duration) -> anyhow::Result<Row> {
    let (rate, p50, p99) = wrk(&format!("{base}/api/petitions/{}", scenario::SLUG), duration).await?;
    Ok(Row {
        what: what.to_owned(),
        rate: format!("{} reads/s", thousands(rate as u64)),
        p50: ms(p50),
        p99: ms(p99),
        goal: GOAL_READS,
        met: rate >= 50_000.0 && p99 < Duration::from_millis(5),
    })
}

const GOAL_READS: &str = "≥ 50,000/s, p99 < 5 ms";

/// `wrk` on `url` for `duration` over [`READ_CONNECTIONS`]: requests a
/// second, p50 and p99. Anything but a 200 is an error.
async fn wrk(url: &str, duration: Duration) -> anyhow::Result<(f64, Duration, Duration)> {
    let output = tokio::process::Command::new("wrk")
        .args(["--threads", "2", "--connections", &READ_CONNECTIONS.to_string()])
        .args(["--duration", &format!("{}s", duration.as_secs()), "--latency", url])
        .output()
        .await
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    ensure!(output.status.success(), "wrk failed:\n{text}{}", String::from_utf8_lossy(&output.stderr));
    // Anything but a 200 (wrk counts them) is a failed read.
    ensure!(!text.contains("Non-2xx"), "some reads failed:\n{text}");
    let field = |label: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(label))
            .map(str::trim)
            .with_context(|| format!("no {label:?} in wrk's output:\n{text}"))
    };
    let rate: f64 = field("Requests/sec:")?.parse()?;
    let p50 = wrk_duration(field("50%")?)?;
    let p99 = wrk_duration(field("99%")?)?;
    Ok((rate, p50, p99))
}

/// The same `wrk` read of the petition, through nginx run with README's
/// own configuration (the first ```` ```nginx ```` block under "Running at
/// scale": `proxy_cache` for the petition view, as the server's
/// `Cache-Control` allows) in front of the one server at `base`, whose
/// metrics on `metrics` count the requests that got through. Skipped, with
/// a row that says so, where nginx is not installed.
async fn cached_reads(root: &Path, base: &str, metrics: SocketAddr, dir: &Path) -> anyhow::Result<Row> {
    let what = "SQLite through nginx's cache (README's config): petition reads, 0 signatures";
    let Some(nginx) = ["nginx", "/usr/sbin/nginx"].into_iter().find(|n| Command::new(n).arg("-v").output().is_ok_and(|o| o.status.success()))
    else {
        println!("skipped: nginx is not installed");
        return Ok(Row {
            what: what.to_owned(),
            rate: "skipped: nginx is not installed".into(),
            p50: String::new(),
            p99: String::new(),
            goal: "",
            met: true,
        });
    };
    let proxy = Nginx::start(root, nginx, base.trim_start_matches("http://"), dir).await?;
    let url = format!("{}/api/petitions/{}", proxy.base, scenario::SLUG);
    // The first read fills the cache; the count starts after it.
    let client = reqwest::Client::new();
    ensure!(client.get(&url).send().await?.status() == 200, "the petition through nginx is not 200");
    let before = route_count(&client, metrics).await?;
    let (rate, p50, p99) = wrk(&url, MEASURE_FOR).await.with_context(|| proxy.log())?;
    let after = route_count(&client, metrics).await?;
    let reached = after - before;
    let served = rate * MEASURE_FOR.as_secs_f64();
    drop(proxy);
    Ok(Row {
        what: what.to_owned(),
        rate: format!(
            "{} reads/s; {} of about {} reached the server",
            thousands(rate as u64),
            thousands(reached as u64),
            thousands(served as u64)
        ),
        p50: ms(p50),
        p99: ms(p99),
        goal: GOAL_READS,
        met: rate >= 50_000.0 && p99 < Duration::from_millis(5),
    })
}

/// Requests for the petition view the server has answered so far: the sum
/// of its latency histogram's counts for that route, from `/metrics`.
async fn route_count(client: &reqwest::Client, metrics: SocketAddr) -> anyhow::Result<f64> {
    let text = client.get(format!("http://{metrics}/metrics")).send().await?.error_for_status()?.text().await?;
    let series = text
        .lines()
        .filter(|line| line.starts_with("petition_http_request_duration_seconds_count{") && line.contains("route=\"/api/petitions/{slug}\""))
        .map(|line| line.rsplit(' ').next().unwrap_or_default().parse::<f64>())
        .collect::<Result<Vec<_>, _>>()?;
    ensure!(!series.is_empty(), "no count for the petition view's route in /metrics:\n{text}");
    Ok(series.into_iter().sum())
}

/// nginx in the foreground (`daemon off`), on a port of its own, with a
/// configuration of its own in `dir`; stopped when this is dropped.
struct Nginx {
    child: std::process::Child,
    base: String,
    dir: std::path::PathBuf,
}

impl Nginx {
    async fn start(root: &Path, nginx: &str, upstream: &str, dir: &Path) -> anyhow::Result<Nginx> {
        std::fs::create_dir_all(dir.join("cache"))?;
        let port = free_port()?;
        let readme = std::fs::read_to_string(root.join("README.md"))?;
        let block = readme
            .split_once("## Running at scale")
            .and_then(|(_, rest)| rest.split_once("```nginx\n"))
            .and_then(|(_, rest)| rest.split_once("```"))
            .map(|(block, _)| block)
            .context("no ```nginx block under README's \"Running at scale\"")?;
        // One instance: the first upstream is this server, the second goes.
        let mut config = String::new();
        let mut changed = 0;
        for line in block.lines() {
            let line = if line.trim() == "listen 80;" {
                changed += 1;
                line.replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
            } else if line.contains("127.0.0.1:8001") {
                changed += 1;
                line.replace("127.0.0.1:8001", upstream)
            } else if line.contains("127.0.0.1:8002") {
                changed += 1;
                continue;
            } else if line.contains("/var/cache/nginx/petition") {
                changed += 1;
                line.replace("/var/cache/nginx/petition", &dir.join("cache").display().to_string())
            } else {
                line.to_owned()
            };
            config.push_str(&line);
            config.push('\n');
        }
        ensure!(changed == 4, "README's nginx config has changed shape: {changed} of 4 lines found to adapt");
        std::fs::write(dir.join("petition.conf"), config)?;
        let d = dir.display();
        // As root, the workers would otherwise run as nobody, who can't
        // write the cache here.
        // SAFETY: geteuid only reads this process's user.
        let user = if unsafe { libc::geteuid() } == 0 { "user root;" } else { "" };
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "daemon off;\n{user}\nworker_processes auto;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
                 events {{ worker_connections 4096; }}\n\
                 http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
                 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
                 include {d}/petition.conf;\n}}\n"
            ),
        )?;
        let child = Command::new(nginx)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("starting nginx")?;
        let proxy = Nginx { child, base: format!("http://127.0.0.1:{port}"), dir: dir.to_owned() };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if client.get(format!("{}/readyz", proxy.base)).send().await.is_ok_and(|r| r.status() == 200) {
                return Ok(proxy);
            }
            ensure!(Instant::now() < deadline, "nginx did not answer within 10 s:\n{}", proxy.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The end of nginx's error log.
    fn log(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        log.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers, then itself (SIGKILL would
        // leave the workers holding the port).
        // SAFETY: kill only sends a signal to our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A loopback port free just now (bound, then let go).
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

/// `n` with commas between the thousands: 1,000,000.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration as wrk writes it: `612.00us`, `1.23ms`, `2.01s`.
fn wrk_duration(text: &str) -> anyhow::Result<Duration> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        bail!("not a duration from wrk: {text:?}")
    };
    Ok(Duration::from_secs_f64(number.parse::<f64>()? * scale))
}

/// The signing goal (SQLite's; PostgreSQL's rows are for comparison).
const GOAL_SIGNING: &str = "≥ 5,000/s, p99 < 50 ms";
const GOAL_NONE: &str = "";

/// `clients` people signing as fast as they can for `duration`, each
/// signature a new person's: a challenge, its proof, the signature; the
/// people split evenly between `servers`. The latency is the signature's
/// POST, answered once it is on disk. With the rate, the CPU each side used
/// (in cores: CPU seconds a second), since the load generator shares the
/// machine: the servers, this generator, and `other` (the database's
/// processes, if they are separate).
async fn signing(
    servers: &[&ServerProcess],
    other: Option<&dyn Fn() -> u64>,
    clients: usize,
    next_signer: &Arc<AtomicUsize>,
    what: &str,
    goal: &'static str,
    duration: Duration,
) -> anyhow::Result<Row> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let pids: Vec<u32> = servers.iter().map(|s| s.pid()).collect();
    let server_cpu = || pids.iter().map(|&pid| cpu_ticks(&pid.to_string())).sum::<u64>();
    let cpu_before = (server_cpu(), cpu_ticks("self"), other.map_or(0, |f| f()));
    let began = Instant::now();
    let until = began + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let base = servers[i % servers.len()].base.clone();
            let (client, next_signer) = (client.clone(), next_signer.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut refused = Vec::new();
                while Instant::now() < until {
                    let n = next_signer.fetch_add(1, Ordering::Relaxed);
                    match scenario::sign(&client, &base, scenario::signer(n)).await {
                        Ok((200, took)) => latencies.push(took),
                        Ok((status, _)) => refused.push(status),
                        Err(error) => return Err(anyhow::Error::from(error).context("signing")),
                    }
                }
                Ok((latencies, refused))
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut refused = Vec::new();
    for task in tasks {
        let (l, r) = task.await??;
        latencies.extend(l);
        refused.extend(r);
    }
    let elapsed = began.elapsed();
    let cores = |before: u64, after: u64| after.saturating_sub(before) as f64 / ticks_per_second() / elapsed.as_secs_f64();
    let mut cpu = format!(
        "CPU: server {:.2}, generator {:.2}",
        cores(cpu_before.0, server_cpu()),
        cores(cpu_before.1, cpu_ticks("self"))
    );
    if let Some(f) = other {
        cpu += &format!(", its PostgreSQL {:.2}", cores(cpu_before.2, f()));
    }
    ensure!(refused.is_empty(), "{} signatures refused, with statuses {:?}", refused.len(), &refused[..refused.len().min(10)]);
    latencies.sort();
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    let p99 = percentile(&latencies, 99.0);
    Ok(Row {
        what: format!("{what}, {clients} people at once ({} in {:.0?})", latencies.len(), elapsed),
        rate: format!("{rate:.0} signatures/s ({cpu} cores)"),
        p50: ms(percentile(&latencies, 50.0)),
        p99: ms(p99),
        goal,
        met: goal.is_empty() || (rate >= 5_000.0 && p99 < Duration::from_millis(50)),
    })
}

/// CPU time (user and system, in clock ticks) of process `pid` (a number or
/// `self`) so far, its threads included; 0 if it is gone.
fn cpu_ticks(pid: &str) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // The fields after the command, which is in parentheses and may hold
    // spaces: state is the 3rd field, utime and stime the 14th and 15th.
    let Some((_, rest)) = stat.rsplit_once(')') else { return 0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0) + fields.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

/// Clock ticks a second, as /proc counts CPU time.
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).max(1) as f64
}

/// CPU time of the PostgreSQL processes working for `database`: its
/// backends (whose title names it) and the server's own writers (WAL
/// writer, checkpointer, background writer), not backends of other
/// databases on the same server.
fn postgres_cpu(database: &str) -> u64 {
    const SHARED: [&str; 3] = ["walwriter", "checkpointer", "background writer"];
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str().filter(|n| n.bytes().all(|b| b.is_ascii_digit())).map(str::to_owned))
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim() == "postgres"))
        .filter(|pid| {
            let title = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let title = String::from_utf8_lossy(&title);
            title.split_whitespace().any(|word| word == database) || SHARED.iter().any(|shared| title.contains(shared))
        })
        .map(|pid| cpu_ticks(&pid))
        .sum()
}

/// `perf record` of process `pid` for [`MEASURE_FOR`], into `out` (a flat
/// profile: release builds keep no frame pointers for call graphs).
fn profile(pid: u32, out: &Path) -> anyhow::Result<tokio::process::Child> {
    tokio::process::Command::new("perf")
        .args(["record", "--quiet", "-F", "999", "-p", &pid.to_string(), "-o"])
        .arg(out)
        .args(["--", "sleep", &MEASURE_FOR.as_secs().to_string()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .context("running perf record (install perf, or unset PETITION_LOADTEST_PERF)")
}

/// Opens `count` live-count streams, each until it has the current count,
/// then signs once and measures how long each stream takes to show the new
/// count; and what each open stream costs the server in memory.
async fn live_streams(server: &ServerProcess, count: usize, next_signer: &Arc<AtomicUsize>) -> anyhow::Result<Vec<Row>> {
    let addr: SocketAddr = server.base.trim_start_matches("http://").parse()?;
    let before = rss_bytes(server.pid())?;
    // Opening twenty thousand at once would overflow the listen queue: a few
    // hundred connect at a time, each until its first event arrives.
    let opening = Arc::new(tokio::sync::Semaphore::new(256));
    let (opened, mut open) = tokio::sync::mpsc::channel::<anyhow::Result<()>>(count);
    let began = Instant::now();
    let streams: Vec<_> = (0..count)
        .map(|i| {
            let (opening, opened) = (opening.clone(), opened.clone());
            tokio::spawn(async move {
                let permit = opening.acquire_owned().await?;
                let first = tokio::time::timeout(STREAM_PATIENCE, open_stream(i, addr)).await;
                drop(permit);
                let (mut stream, mut buffer, current) = match first {
                    Ok(Ok(open)) => {
                        opened.send(Ok(())).await.ok();
                        open
                    }
                    Ok(Err(error)) => {
                        opened.send(Err(error)).await.ok();
                        return Ok(None);
                    }
                    Err(_) => {
                        opened.send(Err(anyhow::anyhow!("no first event"))).await.ok();
                        return Ok(None);
                    }
                };
                // Nothing else signs meanwhile: the next count is one more.
                let heard = tokio::time::timeout(STREAM_PATIENCE, async {
                    while next_count(&mut stream, &mut buffer).await? <= current {}
                    anyhow::Ok(Instant::now())
                })
                .await;
                anyhow::Ok(heard.ok().and_then(Result::ok))
            })
        })
        .collect();
    drop(opened);
    let mut failed = Vec::new();
    for _ in 0..count {
        match open.recv().await {
            Some(Ok(())) => {}
            Some(Err(error)) => failed.push(format!("{error:#}")),
            None => break,
        }
    }
    ensure!(
        failed.is_empty(),
        "{} of {count} streams did not open; the first: {}",
        failed.len(),
        failed.first().cloned().unwrap_or_default()
    );
    println!("{count} streams open after {:.1?}", began.elapsed());
    let after = rss_bytes(server.pid())?;

    let client = reqwest::Client::new();
    let signed = Instant::now();
    let (status, _) = scenario::sign(&client, &server.base, scenario::signer(next_signer.fetch_add(1, Ordering::Relaxed))).await?;
    ensure!(status == 200, "the signature for the streams got {status}");
    let mut delays = Vec::with_capacity(count);
    for stream in streams {
        if let Some(heard) = stream.await?? {
            delays.push(heard.saturating_duration_since(signed));
        }
    }
    let missed = count - delays.len();
    delays.sort();
    let slowest = delays.last().copied().unwrap_or(STREAM_PATIENCE);
    let per_stream = after.saturating_sub(before) as f64 / count as f64;
    Ok(vec![
        Row {
            what: format!("SQLite: {count} live-count streams: new count after a signature"),
            rate: if missed == 0 { format!("all {count} heard it") } else { format!("{missed} never heard it") },
            p50: ms(percentile(&delays, 50.0)),
            p99: format!("{} (max {})", ms(percentile(&delays, 99.0)), ms(slowest)),
            goal: "20,000 streams, each within 2 s",
            met: missed == 0 && count >= 20_000 && slowest <= Duration::from_secs(2),
        },
        Row {
            what: format!("SQLite: {count} live-count streams: server memory"),
            rate: format!("{:.1} KiB per stream ({} → {} MiB)", per_stream / 1024.0, before >> 20, after >> 20),
            p50: "".into(),
            p99: "".into(),
            goal: "",
            met: true,
        },
    ])
}

/// Connection `i` to the event stream: connected (from one of several
/// loopback addresses, so twenty thousand connections don't need twenty
/// thousand ports of one), asked, and read until its first count. Returns
/// the stream, what is left unread, and that count.
async fn open_stream(i: usize, server: SocketAddr) -> anyhow::Result<(TcpStream, Vec<u8>, u64)> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((Ipv4Addr::new(127, 0, 0, 2 + (i % 16) as u8), 0)))?;
    let mut stream = socket.connect(server).await.context("connecting")?;
    let request = format!(
        "GET /api/events?petitions={} HTTP/1.1\r\nHost: {server}\r\nAccept: text/event-stream\r\n\r\n",
        scenario::SLUG
    );
    stream.write_all(request.as_bytes()).await?;
    let mut buffer = Vec::new();
    let current = next_count(&mut stream, &mut buffer).await?;
    Ok((stream, buffer, current))
}

/// Reads `stream` until the next `"signature_count":N` and returns N; what
/// follows it stays in `buffer`. An answer other than 200 is an error.
async fn next_count(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> anyhow::Result<u64> {
    const KEY: &[u8] = b"\"signature_count\":";
    loop {
        if buffer.starts_with(b"HTTP/") && buffer.len() >= 12 && !buffer.starts_with(b"HTTP/1.1 200") {
            let line = buffer.split(|&b| b == b'\r').next().unwrap_or_default();
            bail!("the stream was refused: {}", String::from_utf8_lossy(line));
        }
        if let Some(at) = buffer.windows(KEY.len()).position(|w| w == KEY) {
            let digits = at + KEY.len();
            if let Some(length) = buffer[digits..].iter().position(|b| !b.is_ascii_digit()) {
                let count = std::str::from_utf8(&buffer[digits..digits + length])?.parse()?;
                buffer.drain(..digits + length);
                return Ok(count);
            }
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await?;
        ensure!(read > 0, "the stream ended");
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// The resident memory of process `pid`, from /proc.
fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .context("no VmRSS in /proc/PID/status")?;
    Ok(kib * 1024)
}

/// What seeding took: the count after it, the `INSERT`, and the rest
/// (setting the kept numbers from the rows, statistics, a checkpoint).
struct Seeded {
    count: i64,
    insert: Duration,
    rest: Duration,
}

/// Waits for `seeded` (signatures `from + 1` to `to`), as a row of the
/// table with its rate.
async fn seeding(
    backend: &str,
    from: u64,
    to: u64,
    seeded: impl std::future::Future<Output = anyhow::Result<Seeded>>,
) -> anyhow::Result<(i64, Row)> {
    let Seeded { count, insert, rest } = seeded.await.with_context(|| format!("seeding {backend}"))?;
    let rows = to - from;
    let total = insert + rest;
    println!("{count} signatures counted after {total:.1?} (insert {insert:.1?}, the rest {rest:.1?})");
    let row = Row {
        what: format!("{backend}: seeding {} more signatures ({} → {})", thousands(rows), thousands(from), thousands(to)),
        rate: format!(
            "{} rows/s ({:.0} s: the INSERT {:.0} s, counts, ANALYZE and checkpoint {:.0} s)",
            thousands((rows as f64 / total.as_secs_f64()) as u64),
            total.as_secs_f64(),
            insert.as_secs_f64(),
            rest.as_secs_f64()
        ),
        p50: String::new(),
        p99: String::new(),
        goal: "",
        met: true,
    };
    Ok((count, row))
}

/// Writes signatures `from + 1` to `to` straight into the (stopped)
/// server's database in one statement, spread over partners and
/// professions, and sets every kept number from the rows as
/// `admin::recount` would (the slots emptied into the petition's row).
/// Signing a million times over HTTP would take longer and prove nothing
/// more about reading. The addresses are numbered with leading zeros, so
/// that each index on them grows at its end rather than all over.
async fn seed(database_url: &str, from: u64, to: u64) -> anyhow::Result<Seeded> {
    use std::str::FromStr;
    // A page cache big enough for the indexes (a gigabyte; the default is
    // two megabytes), or ten million rows are mostly waiting on reads.
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(database_url)?.pragma("cache_size", "-1000000");
    let db = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM petitions WHERE slug = ?1").bind(scenario::SLUG).fetch_one(&db).await?;
    let began = Instant::now();
    let mut tx = db.begin().await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT ?3 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
         INSERT INTO signatures (petition_id, first_name, last_name, email, canonical_email, postcode, profession,
                                 reason, reason_status, consent, partner, created_at, status)
         SELECT ?1, 'Seed', '', printf('seed%08d@example.org', i), printf('seed%08d@example.org', i), 'E1 6AN',
                CASE i % 3 WHEN 0 THEN 'doctor' WHEN 1 THEN 'nurse' ELSE NULL END,
                CASE WHEN i % 3 = 0 THEN 'A reason' ELSE '' END, CASE WHEN i % 3 = 0 THEN 'public' END, 0,
                CASE i % 4 WHEN 0 THEN 'medact' WHEN 1 THEN 'asylum-matters' ELSE NULL END,
                '2026-11-22T10:00:00Z', 'counted'
         FROM n",
    )
    .bind(id)
    .bind(to as i64)
    .bind(from as i64 + 1)
    .execute(&mut *tx)
    .await?;
    let insert = began.elapsed();
    sqlx::query("DELETE FROM count_slots WHERE petition_id = ?1").bind(id).execute(&mut *tx).await?;
    let count: i64 = sqlx::query_scalar(
        "UPDATE petitions SET
             signature_count = (SELECT COUNT(*) FROM signatures WHERE petition_id = ?1 AND status = 'counted'),
             healthcare_count = (SELECT COUNT(*) FROM signatures WHERE petition_id = ?1 AND status = 'counted'
                                 AND profession IN ('doctor', 'nurse', 'midwife'))
         WHERE id = ?1 RETURNING signature_count",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM partner_counts WHERE petition_id = ?1").bind(id).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO partner_counts (petition_id, partner, signature_count) SELECT petition_id, partner, COUNT(*)
         FROM signatures WHERE petition_id = ?1 AND status = 'counted' AND partner IS NOT NULL GROUP BY partner",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE milestones SET reached_at = '2026-11-22T10:00:00Z'
         WHERE petition_id = ?1 AND reached_at IS NULL AND count <= ?2",
    )
    .bind(id)
    .bind(count)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(&db).await?;
    // The rows written into the database file, not left in its log for the
    // reads that follow.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&db).await?;
    db.close().await;
    Ok(Seeded { count, insert, rest: began.elapsed() - insert })
}

/// [`seed`] on PostgreSQL: one `INSERT … SELECT` from `generate_series`,
/// the kept numbers set from the rows, then statistics for the planner and
/// a checkpoint, so that writing the million out doesn't fall in the reads.
async fn seed_postgres(database_url: &str, from: u64, to: u64) -> anyhow::Result<Seeded> {
    let db = sqlx::PgPool::connect(database_url).await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM petitions WHERE slug = $1").bind(scenario::SLUG).fetch_one(&db).await?;
    let began = Instant::now();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO signatures (petition_id, first_name, last_name, email, canonical_email, postcode, profession,
                                 reason, reason_status, consent, partner, created_at, status)
         SELECT $1, 'Seed', '', 'seed' || lpad(i::text, 8, '0') || '@example.org', 'seed' || lpad(i::text, 8, '0') || '@example.org', 'E1 6AN',
                CASE i % 3 WHEN 0 THEN 'doctor' WHEN 1 THEN 'nurse' ELSE NULL END,
                CASE WHEN i % 3 = 0 THEN 'A reason' ELSE '' END, CASE WHEN i % 3 = 0 THEN 'public' END, FALSE,
                CASE i % 4 WHEN 0 THEN 'medact' WHEN 1 THEN 'asylum-matters' ELSE NULL END,
                '2026-11-22T10:00:00Z', 'counted'
         FROM generate_series($3::bigint, $2) AS n(i)",
    )
    .bind(id)
    .bind(to as i64)
    .bind(from as i64 + 1)
    .execute(&mut *tx)
    .await?;
    let insert = began.elapsed();
    sqlx::query("DELETE FROM count_slots WHERE petition_id = $1").bind(id).execute(&mut *tx).await?;
    let count: i64 = sqlx::query_scalar(
        "UPDATE petitions SET
             signature_count = (SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted'),
             healthcare_count = (SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'counted'
                                 AND profession IN ('doctor', 'nurse', 'midwife'))
         WHERE id = $1 RETURNING signature_count",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM partner_counts WHERE petition_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO partner_counts (petition_id, partner, signature_count) SELECT petition_id, partner, COUNT(*)
         FROM signatures WHERE petition_id = $1 AND status = 'counted' AND partner IS NOT NULL
         GROUP BY petition_id, partner",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE milestones SET reached_at = '2026-11-22T10:00:00Z'
         WHERE petition_id = $1 AND reached_at IS NULL AND count <= $2",
    )
    .bind(id)
    .bind(count)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(&db).await?;
    sqlx::query("CHECKPOINT").execute(&db).await?;
    db.close().await;
    Ok(Seeded { count, insert, rest: began.elapsed() - insert })
}

/// Raises this process's limit on open files to `want` (root may raise the
/// hard limit; others get what the hard limit allows). Children inherit it.
/// Returns the limit now in force.
fn raise_open_files(want: u64) -> anyhow::Result<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        ensure!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0, "getrlimit failed");
        if limit.rlim_cur >= want {
            return Ok(limit.rlim_cur);
        }
        let raised = libc::rlimit { rlim_cur: want, rlim_max: limit.rlim_max.max(want) };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            return Ok(want);
        }
        // Not allowed to (not root, or a container without CAP_SYS_RESOURCE):
        // as far as the hard limit goes.
        let soft = libc::rlimit { rlim_cur: limit.rlim_max.min(want), rlim_max: limit.rlim_max };
        ensure!(libc::setrlimit(libc::RLIMIT_NOFILE, &soft) == 0, "setrlimit failed");
        println!("(open files are limited to {}, and can't be raised here: fewer streams than {STREAMS})", soft.rlim_cur);
        Ok(soft.rlim_cur)
    }
}

/// The `p`th percentile of sorted `values`.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// The table, in Markdown (for the README), with the machine it ran on.
fn report(rows: &[Row]) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| info.lines().find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| info.lines().find_map(|l| l.strip_prefix("MemTotal:").map(|m| m.trim().to_owned())))
        .unwrap_or_default();
    // Whatever else runs here takes its share of the cores too.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
    println!("\nMachine: {cores} cores (nproc), {cpu}, {memory} memory; the load generator runs on the same cores.");
    println!("Load average at the end (1, 5, 15 min): {load}.\n");
    println!("| | result | p50 | p99 | goal | met |");
    println!("| --- | --- | ---: | ---: | --- | --- |");
    for row in rows {
        let met = if row.goal.is_empty() { "" } else if row.met { "yes" } else { "**no**" };
        println!("| {} | {} | {} | {} | {} | {met} |", row.what, row.rate, row.p50, row.p99, row.goal);
    }
}
