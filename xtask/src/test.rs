//! `cargo xtask test`: every layer of tests, each against the real thing.
//!
//! 1. Rust tests of core and the server (real SQLite files, real HTTP); the
//!    server's API suite again on PostgreSQL (127.0.0.1:5432, a fresh
//!    database per test); then, each on its own, the server's bulk fuzz test
//!    and its export memory test (a million signatures streamed by the real
//!    binary, its peak memory printed and bounded).
//! 2. The widget in headless Chromium (wasm-bindgen-test), against a running
//!    petition server.
//! 3. The public API against its description (schemathesis).
//! 4. End-to-end: Playwright drives Chromium through the demo partner site, a
//!    different origin from the petition server.
//!
//! Each step prints how long it took, so a slower suite shows where.

use std::{path::Path, process::Command, time::Instant};

use crate::{run, server, setup, step};

pub fn all(root: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut took = vec![];
    let mut timed = |name: &'static str, what: &mut dyn FnMut() -> anyhow::Result<()>| {
        step(name);
        let began = Instant::now();
        let result = what();
        took.push((name, began.elapsed()));
        result
    };
    timed("core and server tests (SQLite)", &mut || run(Command::new("cargo").args(["test", "--workspace", "--exclude", "petition-widget"])))?;
    // Core as the widget builds it: without the English words of a field
    // error, which the widget words from its code.
    timed("core's rules as the widget builds them (no English messages)", &mut || {
        run(Command::new("cargo").args(["test", "--package", "petition-core", "--no-default-features", "--lib"]))
    })?;
    timed("the server's API suite on PostgreSQL", &mut || {
        setup::postgres_answers()?;
        run(Command::new("cargo")
            .args(["test", "--package", "petition-server", "--test", "api"])
            .env("PETITION_TEST_DATABASE", "postgres"))
    })?;
    // Alone, so that its 100,000 requests don't slow every other test down.
    timed("hostile request bodies in bulk (the server's fuzz test)", &mut || {
        run(Command::new("cargo").args(["test", "--package", "petition-server", "--test", "fuzz"]))
    })?;
    // Alone too: it seeds a million signatures and reads the server's memory,
    // which other tests' servers would blur. `--nocapture` prints the numbers.
    timed("a million signatures exported in bounded memory (the server's export memory test)", &mut || {
        run(Command::new("cargo").args([
            "test", "--package", "petition-server", "--test", "export_memory", "--", "--nocapture",
        ]))
    })?;
    timed("widget tests in headless Chromium (wasm-bindgen-test)", &mut || widget(root, &[]))?;
    timed("the public API against its own description (schemathesis, every check)", &mut || schemathesis(root))?;
    timed("end-to-end tests (Playwright, Chromium)", &mut || {
        node_against_demo(root, "e2e", &["--test", "--test-concurrency=1", "tests/e2e/"])
    })?;
    println!("\nAll tests passed in {:.0?}. Screenshots: tests/e2e/screenshots/", started.elapsed());
    for (name, time) in took {
        println!("  {:>6.1} s  {name}", time.as_secs_f64());
    }
    Ok(())
}

/// The widget's wasm-bindgen tests (those whose names hold one of `filter`,
/// if any), against a server of their own.
pub fn widget(root: &Path, filter: &[String]) -> anyhow::Result<()> {
    {
        let server = server::start(root, "widget-tests", false)?;
        run(Command::new("cargo")
            .args(["test", "--package", "petition-widget", "--target", "wasm32-unknown-unknown", "--"])
            .args(filter)
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
            // Read at compile time by tests/web.rs: the server the widget talks to.
            .env("PETITION_TEST_SERVER", format!("http://{}", server.addr))
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
            // Dates are shown in the reader's zone; the tests expect London's.
            .env("TZ", "Europe/London"))?;
    }
    Ok(())
}

fn schemathesis(root: &Path) -> anyhow::Result<()> {
    {
        let server = server::start(root, "schemathesis", false)?;
        // A fixed seed, so a run can be repeated; SCHEMATHESIS_SEED varies it.
        let seed = std::env::var("SCHEMATHESIS_SEED").unwrap_or_else(|_| "20171122".into());
        run(Command::new(setup::schemathesis_bin(root))
            .arg("--config-file")
            .arg(root.join("tests/schemathesis.toml"))
            .args(["--no-color", "run", &format!("http://{}/api/openapi.json", server.addr)])
            // Every check; the live-count stream never ends, so it is left out.
            .args(["--checks", "all", "--exclude-path", "/api/events", "--max-examples", "200", "--workers", "2"])
            .args(["--seed", &seed]))?;
    }
    Ok(())
}

/// `cargo xtask e2e [FILES...]`: the end-to-end tests alone (all of
/// `tests/e2e/`, or the files named), as `test` runs them.
pub fn e2e(root: &Path, files: &[String]) -> anyhow::Result<()> {
    let mut args = vec!["--test", "--test-concurrency=1"];
    if files.is_empty() {
        args.push("tests/e2e/");
    } else {
        args.extend(files.iter().map(String::as_str));
    }
    node_against_demo(root, "e2e", &args)
}

/// `cargo xtask screenshots`: the README's pictures, from a fresh server.
pub fn screenshots(root: &Path) -> anyhow::Result<()> {
    node_against_demo(root, "screenshots", &["tests/e2e/docs-screenshots.mjs", "docs"])?;
    println!("\nRetook docs/*.png: look at them before committing.");
    Ok(())
}

/// `cargo xtask bench`: time to form and bytes transferred, printed.
pub fn bench(root: &Path) -> anyhow::Result<()> {
    node_against_demo(root, "bench", &["tests/e2e/bench.mjs"])
}

/// Runs a node script with a fresh server and demo partner site to talk to.
fn node_against_demo(root: &Path, name: &str, args: &[&str]) -> anyhow::Result<()> {
    let server = server::start(root, name, true)?;
    let demo = server.demo_addr.expect("started with a demo site");
    run(Command::new("node")
        .args(args)
        .env("PETITION_SERVER", format!("http://{}", server.addr))
        .env("PARTNER_SITE", format!("http://{demo}"))
        .env("MAIL_DIR", &server.mail_dir)
        .env("SERVER_LOG", &server.log)
        .env("ADMIN_TOKEN", &server.admin_token)
        .env("DASHBOARD_PASSWORD", &server.dashboard_password)
        .env("CHROMIUM", setup::CHROMIUM))
}
