//! The widget's stylesheet and skeleton as every visitor downloads them:
//! `src/widget.css` without its comments and the spaces a browser doesn't
//! need, `src/widget.html` without its indentation, written to `OUT_DIR` for
//! `include_str!`. The sources stay commented and readable; the comments
//! alone were most of a kilobyte of the widget's gzip budget.
//!
//! Also the languages there are files for, as two strings of codes
//! (`languages.rs`): the same list as core's `text::LANGUAGES`, whose table
//! of 80 pairs weighed 370 bytes of the gzipped widget, the strings a
//! quarter of that.

use std::{env, fs, path::Path};

fn main() {
    let out = env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    for (file, shrink) in [
        ("widget.css", squeeze as fn(&str) -> String),
        ("widget.html", unindent),
    ] {
        println!("cargo:rerun-if-changed=src/{file}");
        let text = fs::read_to_string(Path::new("src").join(file)).expect("the source is readable");
        fs::write(Path::new(&out).join(file), shrink(&text)).expect("OUT_DIR is writable");
    }
    languages(Path::new(&out));
}

/// `CODES`: every language with a file in `lang/` (as core lists them: the
/// files that are JSON), each followed by a space; `RTL`: those written right
/// to left, likewise.
fn languages(out: &Path) {
    println!("cargo:rerun-if-changed=lang");
    let mut files: Vec<_> = fs::read_dir("lang")
        .expect("lang/ is readable")
        .map(|entry| entry.expect("lang/ lists").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut codes, mut rtl) = (String::new(), String::new());
    for path in files {
        let text = fs::read_to_string(&path).expect("a language file is readable");
        // As core's build.rs: a file that isn't JSON (yet) is no language.
        let Ok(file) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        let code = path.file_stem().expect("a name").to_string_lossy();
        codes.push_str(&code);
        codes.push(' ');
        if file["language"]["dir"] == "rtl" {
            rtl.push_str(&code);
            rtl.push(' ');
        }
    }
    fs::write(
        out.join("languages.rs"),
        format!("/// Every language there is a file for.\npub const CODES: &str = {codes:?};\n/// Those written right to left.\npub const RTL: &str = {rtl:?};\n"),
    )
    .expect("OUT_DIR is writable");
}

/// `html` without line breaks and indentation: every line of the skeleton
/// starts with a tag, and none of its line breaks is a space anyone sees.
fn unindent(html: &str) -> String {
    html.lines().map(str::trim).collect()
}

/// `css` without comments, line breaks and indentation, without the spaces
/// around `{`, `}`, `;` and `,`, after a declaration's `:` and before its
/// `!important`, and without a block's last `;`. (No string in the
/// stylesheet holds any of those, and a selector's `:` is never followed by
/// a space, so nothing else changes.)
fn squeeze(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut squeezed = String::with_capacity(joined.len());
    let mut chars = joined.chars().peekable();
    while let Some(c) = chars.next() {
        let needless = c == ' '
            && (matches!(squeezed.chars().last(), Some('{' | '}' | ';' | ',' | ':'))
                || matches!(chars.peek(), Some('{' | '}' | ';' | ',' | ' ' | '!')));
        if !needless {
            squeezed.push(c);
        }
    }
    squeezed.replace(";}", "}")
}
