//! `cargo xtask test`: every layer of tests, each against the real thing.
//!
//! 1. Rust tests of core and the server (real SQLite files, real HTTP).
//! 2. The widget in headless Chromium (wasm-bindgen-test), against a running
//!    petition server.
//! 3. End-to-end: Playwright drives Chromium through the demo partner site, a
//!    different origin from the petition server.

use std::{path::Path, process::Command};

use crate::{run, server, setup, step};

pub fn all(root: &Path) -> anyhow::Result<()> {
    step("core and server tests");
    run(Command::new("cargo").args(["test", "--workspace", "--exclude", "petition-widget"]))?;

    step("widget tests in headless Chromium (wasm-bindgen-test)");
    {
        let server = server::start(root, "widget-tests", false)?;
        run(Command::new("cargo")
            .args(["test", "--package", "petition-widget", "--target", "wasm32-unknown-unknown"])
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
            // Read at compile time by tests/web.rs: the server the widget talks to.
            .env("PETITION_TEST_SERVER", format!("http://{}", server.addr))
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
            // Dates are shown in the reader's zone; the tests expect London's.
            .env("TZ", "Europe/London"))?;
    }

    step("the public API against its own description (schemathesis, every check)");
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

    step("end-to-end tests (Playwright, Chromium)");
    node_against_demo(root, "e2e", &["--test", "--test-concurrency=1", "tests/e2e/"])?;
    println!("\nAll tests passed. Screenshots: tests/e2e/screenshots/");
    Ok(())
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
        .env("CHROMIUM", setup::CHROMIUM))
}
