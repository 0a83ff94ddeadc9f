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
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;
    }

    step("end-to-end tests (Playwright, Chromium)");
    let server = server::start(root, "e2e", true)?;
    let demo = server.demo_addr.expect("started with a demo site");
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/e2e/"])
        .env("PETITION_SERVER", format!("http://{}", server.addr))
        .env("PARTNER_SITE", format!("http://{demo}"))
        .env("PETITION_SERVER_LOG", &server.log)
        .env("CHROMIUM", setup::CHROMIUM))?;
    println!("\nAll tests passed. Screenshots: tests/e2e/screenshots/");
    Ok(())
}

/// `cargo xtask screenshots`: the README's pictures, from a fresh server.
pub fn screenshots(root: &Path) -> anyhow::Result<()> {
    let server = server::start(root, "screenshots", true)?;
    let demo = server.demo_addr.expect("started with a demo site");
    run(Command::new("node")
        .args(["tests/e2e/docs-screenshots.mjs", "docs"])
        .env("PETITION_SERVER", format!("http://{}", server.addr))
        .env("PARTNER_SITE", format!("http://{demo}"))
        .env("CHROMIUM", setup::CHROMIUM))?;
    println!("\nRetook docs/*.png: look at them before committing.");
    Ok(())
}
