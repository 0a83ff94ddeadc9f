//! The project's automation, behind `cargo xtask` (an alias in
//! `.cargo/config.toml`). Every task installs what it needs first, so the two
//! README commands work on a fresh Debian machine.

mod build;
mod layout;
mod loadtest;
mod part_data;
mod pkg;
mod server;
mod setup;
mod split;
mod test;

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{bail, Context};

const HELP: &str = "\
cargo xtask <task>

Tasks:
  run     build everything and start the demo: the petition server on
          http://127.0.0.1:8080 and a demo partner site on http://127.0.0.1:8081
  test    run every test: core and server (Rust), the widget in headless
          Chromium (wasm-bindgen-test), and end-to-end tests (Playwright)
  e2e [FILES...]  only the end-to-end tests (every tests/e2e/*.test.mjs, or
          the files named), against a fresh server and demo partner site
  widget [FILTER]  only the widget's tests in headless Chromium
          (wasm-bindgen-test; those whose names hold FILTER), against a
          fresh server
  build   build the widget (pkg/) and the server, and report the widget's size
  bench   measure how soon the form shows after the tag, and what it transfers
  loadtest  how many signatures, reads and live streams one release server
          takes here, and 20 kill -9s while signing, on SQLite; signing
          (one instance and two), reads and kill -9s on PostgreSQL too
          (about three minutes)
  screenshots  retake docs/*.png: the widget in each state, desktop and phone
  setup   install the tools the other tasks need (they call it themselves)
";

fn main() -> anyhow::Result<()> {
    let task = std::env::args().nth(1);
    let root = project_root();
    // Cargo reads a relative CARGO_TARGET_DIR from where it was run, which
    // stops being the working directory here; the tasks (and the cargo
    // they run) find the server and the widget in it.
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|dir| Path::new(dir).is_relative()) {
        std::env::set_var("CARGO_TARGET_DIR", std::env::current_dir()?.join(dir));
    }
    std::env::set_current_dir(&root)?;
    match task.as_deref() {
        Some("setup") => setup::all(&root),
        Some("build") => {
            setup::for_build(&root)?;
            build::all(&root)
        }
        Some("run") => {
            setup::for_build(&root)?;
            build::all(&root)?;
            server::run_demo(&root)
        }
        Some("test") => {
            setup::all(&root)?;
            build::all(&root)?;
            test::all(&root)
        }
        Some("e2e") => {
            setup::for_browser(&root)?;
            build::all(&root)?;
            let files: Vec<String> = std::env::args().skip(2).collect();
            test::e2e(&root, &files)
        }
        Some("widget") => {
            setup::for_browser(&root)?;
            build::all(&root)?;
            let filter: Vec<String> = std::env::args().skip(2).collect();
            test::widget(&root, &filter)
        }
        Some("bench") => {
            setup::all(&root)?;
            build::all(&root)?;
            test::bench(&root)
        }
        Some("loadtest") => loadtest::all(&root),
        Some("screenshots") => {
            setup::all(&root)?;
            build::all(&root)?;
            test::screenshots(&root)
        }
        Some("help" | "--help" | "-h") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => {
            eprint!("{HELP}");
            bail!("unknown task {other:?}")
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the project root").to_path_buf()
}

/// Where cargo builds: `CARGO_TARGET_DIR` (made absolute at start), or
/// `target/`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Runs `command`, failing with its command line if it fails.
fn run(command: &mut Command) -> anyhow::Result<()> {
    let line = format!("{command:?}");
    println!("$ {}", line.replace('"', ""));
    let status = command.status().with_context(|| format!("could not start {line}"))?;
    if !status.success() {
        bail!("{line} failed ({status})");
    }
    Ok(())
}

/// Runs `command` and returns its standard output, or `None` if it fails.
fn output(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Prints a step's heading.
fn step(what: &str) {
    println!("\n==> {what}");
}
