//! What `pkg/` keeps from one build to the next.
//!
//! A page opened before a release runs the widget it loaded (its scripts
//! are cached for five minutes, and a page may stay open for hours), and
//! that widget later asks for files named by their contents: its own second
//! part, `petition_widget_part.{digest}.wasm`, when someone first moves
//! into the form, and its own words, `lang/{digest}/`, when the reader
//! switches language. Were they gone, a signature would wait in that browser
//! until its next visit, and the words would not come. So a build empties
//! `pkg/` but for the parts and the word folders of the builds before it
//! ([`EARLIER`] of each, the newest). Named by their contents and cached
//! for a year, none can be taken for another build's.
//!
//! That helps where releases are built in the checkout they are served
//! from; every `cargo xtask` command that builds counts as a build.

use std::{path::Path, time::SystemTime};

use anyhow::Context;

/// How many of the earlier builds' parts and word folders `pkg/` keeps.
pub const EARLIER: usize = 3;

/// Empties `pkg` for a new build but for the newest [`EARLIER`] second
/// parts (each with its compressed copies) and word folders in it.
pub fn clear(pkg: &Path) -> anyhow::Result<()> {
    if !pkg.exists() {
        return Ok(()); // a first build
    }
    let entries = listed(pkg)?;
    let parts = newest(entries.iter().filter(|(name, _, _)| is_part(name)));
    let kept = |name: &str| parts.iter().any(|part| name.strip_prefix(part.as_str()).is_some_and(|rest| matches!(rest, "" | ".gz" | ".br")));
    for (name, is_dir, _) in &entries {
        let path = pkg.join(name);
        if name == "lang" && *is_dir {
            // Each folder as old as its index, which every build writes.
            let folders: Vec<_> = listed(&path)?
                .into_iter()
                .map(|(name, is_dir, written)| {
                    let index = std::fs::metadata(path.join(&name).join("index.json")).and_then(|meta| meta.modified());
                    let written = if is_dir { index.ok() } else { written };
                    (name, is_dir, written)
                })
                .collect();
            let words = newest(folders.iter().filter(|(name, is_dir, _)| *is_dir && is_digest(name)));
            for (name, is_dir, _) in &folders {
                if !words.contains(name) {
                    remove(&path.join(name), *is_dir)?;
                }
            }
        } else if !kept(name) {
            remove(&path, *is_dir)?;
        }
    }
    Ok(())
}

/// Removes the file or folder (`is_dir`) at `path`.
fn remove(path: &Path, is_dir: bool) -> anyhow::Result<()> {
    let removed = if is_dir { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
    removed.with_context(|| format!("clearing {}", path.display()))
}

/// `dir`'s entries: each one's name, whether it is a folder, and when it
/// was last written.
fn listed(dir: &Path) -> anyhow::Result<Vec<(String, bool, Option<SystemTime>)>> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    entries
        .map(|entry| {
            let entry = entry?;
            let meta = entry.metadata()?;
            Ok((entry.file_name().to_string_lossy().into_owned(), meta.is_dir(), meta.modified().ok()))
        })
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("reading {}", dir.display()))
}

/// The names of the newest [`EARLIER`] of `entries`.
fn newest<'a>(entries: impl Iterator<Item = &'a (String, bool, Option<SystemTime>)>) -> Vec<String> {
    let mut entries: Vec<_> = entries.map(|(name, _, written)| (*written, name.clone())).collect();
    entries.sort_by(|a, b| b.cmp(a));
    entries.into_iter().take(EARLIER).map(|(_, name)| name).collect()
}

/// `petition_widget_part.{digest}.wasm`, as `split::name` names a part (not
/// the unnamed one a failed build may leave).
fn is_part(name: &str) -> bool {
    name.strip_prefix(crate::split::PART_PREFIX).and_then(|rest| rest.strip_suffix(".wasm")).is_some_and(is_digest)
}

/// Twelve lowercase hex digits, as the build's digests are written.
fn is_digest(name: &str) -> bool {
    name.len() == 12 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_keeps_the_newest_earlier_parts_and_words_and_clears_the_rest() {
        let pkg = std::env::temp_dir().join(format!("xtask-pkg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&pkg);
        let hour = std::time::Duration::from_secs(3600);
        let now = SystemTime::now();
        let write = |name: &str, age: u32| {
            let path = pkg.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, name).unwrap();
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(now - hour * age).unwrap();
        };
        for name in ["petition_widget.js", "petition_widget_bg.wasm", "petition_widget_bg.wasm.br", "embed.js", "snippets/x.js"] {
            write(name, 0);
        }
        // A failed build's unnamed part, newer than any.
        write("petition_widget_part.wasm", 0);
        // Five earlier builds' parts and words, 1 to 5 hours old, out of order.
        let builds = [("333333333333", 3), ("111111111111", 1), ("555555555555", 5), ("222222222222", 2), ("444444444444", 4)];
        for (digest, age) in builds {
            for suffix in ["", ".gz", ".br"] {
                write(&format!("petition_widget_part.{digest}.wasm{suffix}"), age);
            }
            write(&format!("lang/{digest}/index.json"), age);
            // Written into at this build (the folder's own time is not its age).
            write(&format!("lang/{digest}/cy.json"), 0);
        }
        write("lang/stray.json", 0);

        clear(&pkg).unwrap();

        let names = |dir: &Path| {
            let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
            names.sort();
            names
        };
        let kept = ["111111111111", "222222222222", "333333333333"];
        let mut parts: Vec<String> =
            kept.iter().flat_map(|digest| ["", ".br", ".gz"].map(|suffix| format!("petition_widget_part.{digest}.wasm{suffix}"))).collect();
        parts.insert(0, "lang".to_owned());
        assert_eq!(names(&pkg), parts);
        assert_eq!(names(&pkg.join("lang")), kept);
        assert_eq!(names(&pkg.join("lang/111111111111")), ["cy.json", "index.json"]);
        std::fs::remove_dir_all(&pkg).unwrap();
        // A first build: no pkg/ yet.
        clear(&pkg).unwrap();
    }

    #[test]
    fn only_named_parts_are_parts() {
        assert!(is_part("petition_widget_part.0123456789ab.wasm"));
        assert!(!is_part("petition_widget_part.wasm"));
        assert!(!is_part("petition_widget_part.0123456789AB.wasm"));
        assert!(!is_part("petition_widget_part.0123456789ab.wasm.gz"));
    }
}
