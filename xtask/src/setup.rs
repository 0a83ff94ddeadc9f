//! Installs what the build and the tests need, checking first so a second run
//! costs nothing: the wasm32 target, std's source, wasm-bindgen-cli at exactly
//! the version in Cargo.lock, the pinned npm packages, Chromium with
//! chromedriver, and schemathesis (pinned, in a Python virtual environment
//! under target/).

use std::{path::Path, process::Command};

use anyhow::{bail, Context};

use crate::{output, run, step};

/// What `build` and `run` need.
pub fn for_build(root: &Path) -> anyhow::Result<()> {
    wasm_target()?;
    rust_src()?;
    wasm_bindgen_cli(root)?;
    npm_packages(root)?;
    wasm_split(root)
}

/// What the browser tests alone need (`e2e`): the build's tools and a browser.
pub fn for_browser(root: &Path) -> anyhow::Result<()> {
    for_build(root)?;
    chromium()
}

/// What `test` needs: the build's tools, a browser and schemathesis.
pub fn all(root: &Path) -> anyhow::Result<()> {
    for_build(root)?;
    chromium()?;
    schemathesis(root)
}

/// Where schemathesis is installed.
pub fn schemathesis_bin(root: &Path) -> std::path::PathBuf {
    root.join("target/py/bin/schemathesis")
}

fn schemathesis(root: &Path) -> anyhow::Result<()> {
    let requirements = root.join("tests/requirements.txt");
    let venv = root.join("target/py");
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read(&stamp).ok() == Some(std::fs::read(&requirements)?) && schemathesis_bin(root).exists() {
        return Ok(());
    }
    if output(Command::new("python3").arg("--version")).is_none() {
        bail!("python3 is missing: install Python 3.10 or newer (Debian: apt-get install python3 python3-venv)");
    }
    step("installing schemathesis (tests/requirements.txt) into target/py");
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "--disable-pip-version-check", "-r"]).arg(&requirements))?;
    std::fs::copy(&requirements, &stamp)?;
    Ok(())
}

/// Whether rustup lists `name` among the installed `kind`s ("target",
/// "component").
fn rustup_has(kind: &str, name: &str) -> bool {
    let installed = output(Command::new("rustup").args([kind, "list", "--installed"])).unwrap_or_default();
    installed.lines().any(|line| line.trim() == name)
}

fn wasm_target() -> anyhow::Result<()> {
    if rustup_has("target", "wasm32-unknown-unknown") {
        return Ok(());
    }
    step("installing the wasm32-unknown-unknown target");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// std's source, which the widget's build compiles for itself (see
/// `build::widget`).
fn rust_src() -> anyhow::Result<()> {
    if rustup_has("component", "rust-src") {
        return Ok(());
    }
    step("installing rust-src (std's source, for the widget's own std)");
    run(Command::new("rustup").args(["component", "add", "rust-src"]))
}

/// The wasm-bindgen version pinned in Cargo.lock: the CLI must match it exactly.
pub fn locked_wasm_bindgen(root: &Path) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    bail!("Cargo.lock has no wasm-bindgen package")
}

fn wasm_bindgen_cli(root: &Path) -> anyhow::Result<()> {
    let version = locked_wasm_bindgen(root)?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(version.as_str()) {
        return Ok(());
    }
    step(&format!("installing wasm-bindgen-cli {version} (matches Cargo.lock; takes a few minutes)"));
    let install = |locked: bool| {
        let mut command = Command::new("cargo");
        command.args(["install", "wasm-bindgen-cli", "--version", &format!("={version}"), "--force"]);
        if locked {
            command.arg("--locked");
        }
        run(&mut command)
    };
    // --locked is preferred, but a dependency it pins can be missing from a
    // registry mirror; the unlocked install still gets the exact CLI version.
    install(true).or_else(|error| {
        println!("(the locked install failed: {error:#}; trying without --locked)");
        install(false)
    })
}

fn npm_packages(root: &Path) -> anyhow::Result<()> {
    let stamp = root.join("node_modules/.package-lock.json");
    let lock = root.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(stamp), Ok(lock)) => stamp.modified()? >= lock.modified()?,
        _ => false,
    };
    if fresh && root.join("node_modules/.bin/wasm-opt").exists() && root.join("node_modules/.bin/terser").exists() {
        return Ok(());
    }
    if output(Command::new("npm").arg("--version")).is_none() {
        bail!("npm is missing: install Node.js 20 or newer with npm (Debian: apt-get install nodejs npm)");
    }
    step("installing pinned npm packages (binaryen, terser, playwright-core, axe-core)");
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(root))
}

/// Debian's binaryen package, unpacked under `target/binaryen` (not
/// installed: its wasm-opt, older than the npm one the build uses, would
/// come first on the PATH) for its `wasm-split`, which the npm package
/// lacks (see `xtask/src/split.rs`). Version 108, Debian 12's: the split
/// was made and tested with it (how it spells names, its options).
fn wasm_split(root: &Path) -> anyhow::Result<()> {
    let dir = crate::split::binaryen(root);
    if dir.join("usr/bin/wasm-split").exists() {
        return Ok(());
    }
    step("unpacking Debian's binaryen (for wasm-split)");
    std::fs::create_dir_all(&dir)?;
    let download = || run(Command::new("apt-get").args(["download", "-q", "binaryen=108-1"]).current_dir(&dir));
    if download().is_err() {
        // A fresh machine's package lists may be empty.
        run(Command::new("apt-get").args(["update", "-q"]))?;
        download()?;
    }
    let package = std::fs::read_dir(&dir)?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .find(|path| path.extension().is_some_and(|e| e == "deb"))
        .context("apt-get download left no binaryen package")?;
    run(Command::new("dpkg-deb").arg("-x").arg(&package).arg(&dir))
}

/// The browser the tests drive: Debian's Chromium and its chromedriver.
pub const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium() -> anyhow::Result<()> {
    let has = |name: &str| output(Command::new(name).arg("--version")).is_some();
    if has(CHROMIUM) && has("chromedriver") {
        return Ok(());
    }
    let root_user = output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !root_user {
        bail!(
            "the browser tests need Chromium and chromedriver; install them with\n  \
             sudo apt-get install -y --no-install-recommends chromium chromium-driver"
        );
    }
    step("installing Chromium and chromedriver (Debian packages)");
    run(Command::new("apt-get").args(["update", "-q"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The HTTP benchmarking tool `cargo xtask loadtest` reads with: Debian's `wrk`.
pub fn wrk() -> anyhow::Result<()> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    let root_user = output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !root_user {
        bail!("the load test reads with wrk; install it with\n  sudo apt-get install -y wrk");
    }
    step("installing wrk (Debian package)");
    run(Command::new("apt-get").args(["update", "-q"]))?;
    run(Command::new("apt-get").args(["install", "-y", "-q", "--no-install-recommends", "wrk"]).env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The PostgreSQL the server's suite runs on (`PETITION_TEST_POSTGRES`, or
/// `postgres://root@127.0.0.1:5432`) answers; if not, the test command stops
/// here and says so, rather than skipping half the suite.
pub fn postgres_answers() -> anyhow::Result<()> {
    let server = std::env::var("PETITION_TEST_POSTGRES").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432".into());
    let answered = Command::new("psql").args([&format!("{server}/postgres"), "-qAtc", "SELECT 1"]).output();
    match answered {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => anyhow::bail!(
            "PostgreSQL at {server} does not answer ({}): the server's suite runs on it too. Start it, or point \
             PETITION_TEST_POSTGRES at one (a superuser: each test creates and drops its own database)",
            String::from_utf8_lossy(&output.stderr).trim()
        ),
        Err(error) => anyhow::bail!("psql could not run ({error}): install postgresql-client to test on PostgreSQL"),
    }
}
