//! Starting the petition server for the demo and for the tests.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, Context};

/// A petition server process, stopped when dropped.
pub struct Running {
    child: Child,
    pub addr: SocketAddr,
    pub demo_addr: Option<SocketAddr>,
    pub log: PathBuf,
    /// Where it writes confirmation mail (no SMTP server is set).
    pub mail_dir: PathBuf,
    /// The token that opens its admin API.
    pub admin_token: String,
    /// The password of its dashboard accounts (see [`DASHBOARD_ACCOUNTS`]).
    pub dashboard_password: String,
}

/// The dashboard accounts every started server has: an organiser's, and a
/// partner's (Medact's, a partner of the demo petition).
pub const DASHBOARD_ACCOUNTS: [(&str, Option<&str>); 2] = [("organiser", None), ("medact", Some("medact"))];

/// A random secret, as hex.
fn random_hex() -> anyhow::Result<String> {
    let mut random = [0u8; 24];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut random)?;
    Ok(random.iter().map(|b| format!("{b:02x}")).collect())
}

/// Gives the database at `database_url` the [`DASHBOARD_ACCOUNTS`], each
/// with `password`, replacing any of the same name, with `admin user`.
fn add_dashboard_accounts(root: &Path, database_url: &str, password: &str) -> anyhow::Result<()> {
    for (name, partner) in DASHBOARD_ACCOUNTS {
        let quiet = |command: &mut Command| -> anyhow::Result<std::process::Output> {
            Ok(command.env("RUST_LOG", "warn").current_dir(root).output()?)
        };
        quiet(Command::new(binary(root)).args(["--database-url", database_url, "admin", "user", "remove", name]))?;
        let mut add = Command::new(binary(root));
        add.args(["--database-url", database_url, "admin", "user", "add", name, "--password-stdin"]);
        if let Some(partner) = partner {
            add.args(["--partner", partner]);
        }
        let mut child = add.env("RUST_LOG", "warn").current_dir(root).stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
        std::io::Write::write_all(&mut child.stdin.take().expect("piped"), format!("{password}\n").as_bytes())?;
        let status = child.wait()?;
        if !status.success() {
            bail!("could not add the dashboard account {name:?} ({status})");
        }
    }
    Ok(())
}

impl Drop for Running {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn binary(root: &Path) -> PathBuf {
    crate::target_dir(root).join("release/petition-server")
}

/// Per-source limits for a server that every signature reaches from the same
/// address (the tests' browsers, someone trying the demo). Proof of work, the
/// honeypot and the minimum time stay as deployed.
const ONE_MACHINE_MANY_PEOPLE: [(&str, &str); 3] = [
    ("PETITION_SOURCE_SIGNATURES_PER_10_MIN", "10000"),
    ("PETITION_SOURCE_REQUESTS_PER_MIN", "10000"),
    ("PETITION_SOURCE_STREAMS", "10000"),
];

/// A port nobody is listening on right now.
fn free_port() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// Starts the built server on free ports with its own database under
/// `target/`, its output in `<name>.log`, and waits until it answers.
pub fn start(root: &Path, name: &str, with_demo: bool) -> anyhow::Result<Running> {
    let dir = root.join("target/test-servers").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    // The demo petitions, and the tests' own (tests/petitions/), with the
    // pictures they name: a petition a test needs in a known state is one no
    // other test signs.
    let petitions = dir.join("petitions");
    std::fs::create_dir_all(&petitions)?;
    for folder in ["petitions", "tests/petitions"] {
        for entry in std::fs::read_dir(root.join(folder)).with_context(|| format!("reading {folder}"))? {
            let path = entry?.path();
            // Petition files, and the pictures they name beside them.
            let copied = ["toml", "png", "jpg", "jpeg", "webp"];
            if path
                .extension()
                .is_some_and(|ext| copied.iter().any(|kind| ext == *kind))
            {
                std::fs::copy(&path, petitions.join(path.file_name().expect("a file")))?;
            }
        }
    }
    // The demo petition once more, under a slug only the test of the
    // widget's weight at rest signs (tests/e2e/weight.test.mjs): it counts
    // the widget's nodes, which grow with each milestone reached, so it needs
    // a petition the other tests' signatures don't move.
    let demo = std::fs::read_to_string(root.join("petitions/stop-sharing.toml"))?;
    let at_rest = demo.replacen("slug = \"stop-sharing\"", "slug = \"stop-sharing-at-rest\"", 1);
    if at_rest == demo {
        bail!("petitions/stop-sharing.toml has no `slug = \"stop-sharing\"` line to give the copy at rest its own slug");
    }
    std::fs::write(petitions.join("stop-sharing-at-rest.toml"), at_rest)?;
    let addr = free_port()?;
    let demo_addr = if with_demo { Some(free_port()?) } else { None };
    let log = dir.join("server.log");
    let mail_dir = dir.join("mail");
    // Fresh random secrets each run, for the tests that use the admin API
    // and the dashboard.
    let admin_token = random_hex()?;
    let dashboard_password = random_hex()?;
    let database_url = format!("sqlite://{}", dir.join("petitions.db").display());
    add_dashboard_accounts(root, &database_url, &dashboard_password)?;
    let mut command = Command::new(binary(root));
    command
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--database-url")
        .arg(&database_url)
        .arg("--mail-dir")
        .arg(&mail_dir)
        .arg("--petitions-dir")
        .arg(&petitions)
        .env("NO_COLOR", "1")
        .env("PETITION_ADMIN_TOKEN", &admin_token)
        // Every browser test signs from 127.0.0.1: one source, many people.
        // The limits themselves are tested by the server's own tests.
        .envs(ONE_MACHINE_MANY_PEOPLE)
        .env("RUST_LOG", "petition_server=debug,tower_http=debug")
        .stdout(Stdio::from(std::fs::File::create(&log)?))
        .stderr(Stdio::from(std::fs::File::options().append(true).open(&log)?))
        .current_dir(root);
    if let Some(demo) = demo_addr {
        command.arg("--demo-listen").arg(demo.to_string());
    }
    let child = command.spawn().with_context(|| format!("starting {}", binary(root).display()))?;
    let mut running = Running { child, addr, demo_addr, log, mail_dir, admin_token, dashboard_password };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        if let Some(status) = running.child.try_wait()? {
            let log = std::fs::read_to_string(&running.log).unwrap_or_default();
            bail!("the petition server exited ({status}):\n{log}");
        }
        if Instant::now() > deadline {
            bail!("the petition server did not start listening on {addr} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(running)
}

/// `cargo xtask run`: the demo, in the foreground until Ctrl-C.
pub fn run_demo(root: &Path) -> anyhow::Result<()> {
    let listen = std::env::var("PETITION_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let demo = std::env::var("PETITION_DEMO_LISTEN").unwrap_or_else(|_| "127.0.0.1:8081".into());
    println!("\nThe petition server: http://{listen}/  (its API, the widget, and the demo pages under /demo/)");
    println!("A demo partner site, on another origin: http://{demo}/");
    println!("Signatures are stored in ./data/petitions.db. Stop with Ctrl-C.");
    let password = random_hex()?;
    std::fs::create_dir_all(root.join("data"))?;
    add_dashboard_accounts(root, "sqlite://data/petitions.db", &password)?;
    println!("The organiser's dashboard: http://{listen}/admin/  (sign in as \"organiser\", or as Medact's partner");
    println!("account \"medact\", with the password {password}: new each run)");
    println!("Confirmation mail is written to ./data/mail/ (no SMTP server is set): open a .eml file, follow its link.");
    println!("(Per-address limits are off, so one machine can sign as many people.)\n");
    crate::run(
        Command::new(binary(root))
            .args(["--listen", &listen, "--demo-listen", &demo])
            .envs(ONE_MACHINE_MANY_PEOPLE)
            .current_dir(root),
    )
}
