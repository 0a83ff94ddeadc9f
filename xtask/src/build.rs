//! Builds the widget (Rust → wasm32 → wasm-bindgen → wasm-opt, into `pkg/`)
//! and the server, and reports what one widget costs a visitor.

use std::{path::Path, process::Command};

use anyhow::{bail, Context};

use crate::{run, step};

/// Everything one widget loads, gzipped, must fit in this. Checked exactly.
/// 80 KB until the proof of work (issue 4) added about 4 KB: the price of
/// keeping bots out without a third-party CAPTCHA, whose script alone is
/// several times that and tracks the people signing. 86 KB since issue 13
/// (+1.9 KB, after the widget's stylesheet lost its comments and spaces,
/// -0.75 KB): the loader says in words why a page's security policy refuses
/// the widget and links to the petition's page, sizes iframe embeds by their
/// height messages and keeps a petition page's own content on show (+1.1 KB),
/// and the widget styles itself by constructable stylesheets, signs inside
/// WordPress's sandbox and chooses where share links point (+0.8 KB).
/// 87 KB since issue 14 (87,941 B before it, 88,427 B after): every word
/// from `lang/en.json` (English compiled in, other languages fetched), the
/// petition's texts in the reader's language, RTL, errors worded from codes
/// and a signature's language, paid for by making what is shipped smaller:
/// the loader and wasm-bindgen's glue minified (terser), the wasm's import
/// and export names shortened (their hashes compressed worst), an allocator
/// of size-classed blocks instead of dlmalloc, the signature written to JSON
/// by hand instead of by serde-wasm-bindgen, and the language control loaded
/// only when someone reaches it (`www/languages.js`). 83 KB since issue 15
/// (84,081 B): the same gzip found by zopfli (−4.4 KB). 69 KB since the
/// widget's std is built for it (−8.6 KB; see [`widget`]) and its own code
/// was made smaller (−5.1 KB): 70,467 B. 68 KB since wasm-opt works the wasm
/// harder (−0.9 KB) and wasm-bindgen holds JS objects in the glue, not a
/// table (−0.7 KB): 68,785 B. 67 KB since nothing the widget runs formats
/// with `core::fmt` (−1.1 KB): 67,611 B. 65 KB since it searches strings
/// without std's two-way and reverse searchers (−1.2 KB): 66,403 B, and
/// 65,917 B with its own listeners and timers rather than gloo's. 63 KB
/// since the email rule allows a domain's non-ASCII characters without
/// Unicode's letter tables (−1.7 KB): 64,169 B. 62 KB since the widget
/// imports 28 fewer browser functions through the glue (106) (casts where its own
/// DOM's types are known, fetch's options as a plain object, `window` read
/// once, classes toggled as attributes; −1.1 KB): 63,081 B. 57 KB since
/// the DOM calls that cannot throw as the widget makes them are bound
/// without an exception check, so none carries an error path (−4.6 KB),
/// and its tasks and requests each go through one function (−0.8 KB):
/// 57,703 B. 56 KB since wasm-opt inlines only small functions into their
/// one caller (−1.2 KB): 56,547 B. 55 KB since LLVM inlines a little more
/// (−0.2 KB) and the live stream's petitions are joined without a second
/// copy of std's `join` (−0.1 KB): 56,276 B; 55,533 B with an executor of
/// the widget's own (−0.7 KB). 54 KB since it awaits promises through its
/// one closure type and makes none, and calls 12 fewer browser functions
/// through the glue (93): 55,224 B. 53.5 KB since the glue starts the wasm
/// only the one way the loader does ([`START`], −0.5 KB): 54,692 B; 54,564 B
/// without wasm-bindgen's helpers for what no browser that can start it
/// lacks ([`GLUE_EDITS`], −128 B), and 54,532 B with a translation's
/// plural forms read without `is_string`; 54,566 B since a second loader
/// tag from the same server has the first mount its widget; 54,349 B with
/// strings joined by core's loop rather than std's generic one. 53 KB
/// since characters are found by core's scans rather than std's char
/// searcher (−0.7 KB): 53,639 B; 53,326 B with the email's edit distance
/// kept in three rows rather than a whole table. 52 KB since the loader's
/// strings reach the wasm as JS values, not `String`s (−0.4 KB), and two
/// vectors are no longer copied or extended (−0.3 KB): 52,619 B; 52,448 B
/// with the task queue made at compile time. 50 KB since the last of std's
/// generic collecting, cloning, trimming and char patterns on the widget's
/// path gave way to plain loops and byte scans, storage is read without a
/// catch, and the glue lost its borrowed-object stack and its ASCII string
/// copy (−1.9 KB in 20 measured steps, listed in ARCHITECTURE.md): 50,500 B;
/// 50,511 B with the language chosen kept by `memory.rs`. 49 KB since
/// the widget builds core without the English words of the errors it finds
/// (it words them from their code), and texts are handed over by reference
/// rather than built on the stack at every call (−1.2 KB): 49,350 B.
/// 48 KB since a text keeps its English as one string with a byte for
/// its plural's split and a byte for its place (12 bytes, one address,
/// where it was 28 with two), and two tables of string slices became
/// strings (−0.6 KB): 48,787 B; 48,321 B without std's code that one
/// caller each brought in (a 128-bit multiplication, arrays iterated by
/// value). 47 KB since the live count keeps one list, the minified
/// scripts use arrows and the glue's repeated lines are folded into
/// functions (−0.3 KB): 47,990 B. 45 KB since rustc inlines the smallest
/// functions of every crate in MIR, which it does not at `opt-level = "z"`
/// unless told (see [`widget`]; −2.4 KB): 45,541 B; 45,227 B with the
/// wasm's functions laid out for compression (`layout.rs`). 43 KB since the
/// thank-you and sharing are a second part, loaded when the widget is first
/// focused (`split.rs`; not counted here, as a page at rest never loads
/// it): 43,505 B; 43,263 B with the second part calling the first through
/// the table rather than exports (`split.rs`). 42,630 B with the email
/// suggestion the second part's too. 40 KB, issue 15's goal, since sending
/// a signature and its proof of work are the second part's, started when
/// someone first moves into the widget: 40,596 B; 40,692 B with the form
/// saying "Signing…" while the part comes, 40,767 B with the challenge's
/// age counted from its arrival, 40,759 B with the first focus waiting
/// through `with_part_or`, 40,772 B with the loader asking for the
/// widget's code first. ARCHITECTURE.md's breakdown has where the rest is.
pub const BUDGET_BYTES: usize = 40 * 1024;

/// The files a partner page loads for a widget, in the order it loads them
/// (as served: the scripts minified from `www/`, see [`minify`]).
pub const WIDGET_FILES: [&str; 3] = ["pkg/embed.js", "pkg/petition_widget.js", "pkg/petition_widget_bg.wasm"];

/// Everything one counter view (`data-view="counter"`) loads, gzipped, must
/// fit in this: a small fraction of the widget, for pages that show the
/// count and a link to sign but no form. Checked exactly.
pub const COUNTER_BUDGET_BYTES: usize = 10 * 1024;

/// The files a partner page loads for a counter: the loader and the module
/// it imports instead of the widget.
pub const COUNTER_FILES: [&str; 2] = ["pkg/embed.js", "pkg/counter.js"];

/// The scripts of `www/` a partner page may load, served minified from
/// `pkg/`: the loader, and the modules it imports (the counter view, the
/// language control). `frame.js` runs inside our own iframe page.
pub const SCRIPTS: [&str; 3] = ["embed.js", "counter.js", "languages.js"];

pub fn all(root: &Path) -> anyhow::Result<()> {
    widget(root)?;
    languages(root)?;
    let widget = report_size(root, "widget", &WIDGET_FILES, BUDGET_BYTES)?;
    let part = format!("pkg/{}", crate::split::named(&root.join("pkg"))?);
    let size = |suffix: &str| std::fs::metadata(root.join(format!("{part}{suffix}"))).map(|m| m.len());
    println!(
        "  {part:<30} {:>7} B raw {:>7} B gzip {:>7} B brotli  (not in the total: fetched when the widget is first focused)",
        size("")?,
        size(".gz")?,
        size(".br")?
    );
    let counter = report_size(root, "counter", &COUNTER_FILES, COUNTER_BUDGET_BYTES)?;
    println!(
        "  a counter loads {:.1}% of what a widget loads (gzip)",
        counter as f64 * 100.0 / widget as f64
    );
    step("building the petition server");
    run(Command::new("cargo").args(["build", "--release", "--package", "petition-server"]))
}

fn widget(root: &Path) -> anyhow::Result<()> {
    step("building the widget (wasm32, with its own std)");
    run(Command::new("cargo")
        // std rebuilt for the widget (`-Zbuild-std`, which needs rustup's
        // rust-src) with its size settings: a panic traps at once, as
        // `panic = "abort"` did, without first formatting a message that
        // nothing read (so the `console-panics` feature's hook needs a plain
        // `cargo build`) and with no source locations kept for one; and std's
        // own code chooses small over fast. −8.6 KB gzip of 78 (issue 15).
        // These are unstable flags, which a stable compiler takes only with
        // RUSTC_BOOTSTRAP; they are the compiler's own (std's features and
        // its panic strategy), and a toolchain that renames them fails this
        // build loudly rather than building something else.
        //
        // And without reference types (a stable flag): wasm-bindgen then
        // keeps the JS objects the wasm holds in an array of the glue's
        // rather than in a wasm table, and each call's externref shim goes:
        // the wasm −1.0 KB gzip, the glue +0.2 KB (issue 15). It also lets
        // the widget run in browsers from before reference types.
        //
        // And rustc inlines the smallest functions into their callers in
        // MIR, before LLVM sees them, as it does at `opt-level` 2 and 3 (at
        // "s" and "z" it doesn't unless told, `-Zinline-mir=yes`), from any
        // crate, std's and core's included (`-Zcross-crate-inline-threshold
        // =always`: every function's MIR is kept for its callers, as
        // `#[inline]` keeps it), but only those of a MIR cost up to 10
        // (`-Zinline-mir-hint-threshold=10`, the limit for `#[inline]`
        // functions, which all now are; 100 by default): −2.4 KB gzip, the
        // wasm 8 KB smaller raw (issue 15, 2026-12-06). Measured, totals
        // in gzip, from 47,990 B without MIR inlining: with it as rustc
        // has it at opt-level 2 (threshold 50, 100 for `#[inline]`),
        // 47,340 B, the same as `-Zmir-opt-level=3`, which turns it on with
        // untried passes; its threshold 100, 46,917 B (25: 47,363; 200:
        // 46,921; 500: 46,878). With every function inlinable across crates
        // and the `#[inline]` limit at 0, 5, 10, 15, 20, 25, 35, 50, 75 and
        // 100 (the default): 45,696, 45,695, 45,541, 45,680, 45,828,
        // 45,854, 45,820, 46,072, 46,508 and 46,623 B; the limit for the
        // others (50, 100, 200) then changed nothing, and the `#[inline]`
        // limit at 0 without the crates' functions inlinable was 47,577 B.
        // LLVM then inlines at its own `-inline-threshold=5` (10: +28 B;
        // before MIR inlining, 10 had been 0.2 KB smaller than 5). Gains
        // from inlining may go as the code changes: measure these again
        // after large changes.
        .env("RUSTC_BOOTSTRAP", "1")
        .args([
            "build",
            "--package",
            "petition-widget",
            "--profile",
            "widget",
            "--target",
            "wasm32-unknown-unknown",
            "-Zbuild-std=std,panic_abort",
            "-Zbuild-std-features=optimize_for_size",
            "--config",
            "target.wasm32-unknown-unknown.rustflags=[\"-Zunstable-options\",\"-Cpanic=immediate-abort\",\"-Zlocation-detail=none\",\"-Ctarget-feature=-reference-types\",\"-Zinline-mir=yes\",\"-Zcross-crate-inline-threshold=always\",\"-Zinline-mir-hint-threshold=10\",\"-Cllvm-args=-inline-threshold=5\"]",
        ]))?;
    let pkg = root.join("pkg");
    crate::pkg::clear(&pkg)?;
    run(Command::new("wasm-bindgen")
        // The glue without what the widget never takes: a fallback for
        // browsers without `TextEncoder.encodeInto` (all have it since 2021)
        // and a default address for the wasm, which the loader always gives
        // (−71 B gzip).
        .args(["--target", "web", "--no-typescript", "--encode-into", "always", "--omit-default-module-path", "--out-dir"])
        .arg(&pkg)
        .arg(crate::target_dir(root).join("wasm32-unknown-unknown/widget/petition_widget.wasm")))?;
    let wasm = pkg.join("petition_widget_bg.wasm");
    // -Oz, then again on the control flow rebuilt from scratch (`--flatten
    // --rereloop`), twice: −0.8 KB gzip beside one -Oz (issue 15); and that
    // rebuilding and its two -Oz once more, −84 B (a third round measured
    // no smaller, `--converge` after it −6 B). A
    // function called from one place is inlined there only if it is small
    // (`--one-caller-inline-max-function-size`; by default any size): the
    // wasm grows 2 KB raw but gzips 1.2 KB smaller (issue 15; 10 to 30
    // measured within 50 B of each other, 100 and above lose half the gain).
    // Probably because a function of its own numbers its locals from 0, so
    // its code repeats patterns found elsewhere, where inlined into a large
    // caller it takes that caller's next free numbers. And Rust
    // never touches the first kilobyte of memory (the stack is laid out
    // first, growing down from 1 MB), so binaryen may fold constant offsets
    // into loads and stores as if that could not wrap into it.
    // (With its functions' names kept for the split, which drops them.)
    run(Command::new(root.join("node_modules/.bin/wasm-opt"))
        .args(["--low-memory-unused", "--one-caller-inline-max-function-size=20", "-Oz", "--flatten", "--rereloop", "-Oz", "-Oz", "--flatten", "--rereloop", "-Oz", "-Oz", "--debuginfo"])
        .arg(&wasm)
        .arg("-o")
        .arg(&wasm))?;
    let glue = pkg.join("petition_widget.js");
    own_start(&glue)?;
    trim_glue(&glue)?;
    short_names(root, &wasm, &glue)?;
    step("splitting out the thank-you and sharing (xtask/src/split.rs)");
    let part = pkg.join(crate::split::PART);
    crate::split::split(root, &wasm, &part)?;
    step("laying out the wasms' functions for compression");
    for wasm in [&wasm, &part] {
        std::fs::write(wasm, crate::layout::lay_out(&std::fs::read(wasm)?)?)?;
        // And written once more by the build's binaryen, with no pass: the
        // same functions in the same order, but its writer's code section
        // is 57 B smaller raw than the one made from wasm-split 108's
        // output, −56 B gzipped for the first part.
        run(Command::new(root.join("node_modules/.bin/wasm-opt")).arg("--quiet").args(crate::split::FEATURES).arg(wasm).arg("-o").arg(wasm))?;
    }
    let part = crate::split::name(&part, &glue)?;
    // The glue's `getObject` only reads wasm-bindgen's array of objects, so
    // a call whose answer is unused (in `takeObject`, inlined) can go (−7 B).
    minify(root, &glue, &glue, true, &["getObject"])?;
    for script in SCRIPTS {
        minify(root, &root.join("www").join(script), &pkg.join(script), script != "embed.js", &[])?;
    }
    // Compressed once here, at the highest levels, rather than by the server
    // for every visitor: the server serves these files as they are.
    for file in ["petition_widget.js", "petition_widget_bg.wasm", &part].into_iter().chain(SCRIPTS) {
        let bytes = std::fs::read(pkg.join(file))?;
        std::fs::write(pkg.join(format!("{file}.gz")), gzip(&bytes)?)?;
        std::fs::write(pkg.join(format!("{file}.br")), brotli(&bytes)?)?;
    }
    Ok(())
}

/// How the loader starts the widget, written in place of wasm-bindgen's
/// `initSync` and default export: the loader hands over the wasm's
/// `fetch()`, served as `application/wasm`, once per page. What went is what
/// the widget never takes (issue 15): a start that compiles the wasm on the
/// page's main thread, a wasm given as an address, bytes or a module, a
/// fallback for a server that serves the wasm as another type, and the
/// warnings for the older ways of calling it. A failed fetch still rejects
/// (`instantiateStreaming` refuses a response that isn't `ok`), and a page
/// with two loaders (tags from one server, with two `data-server`s) still
/// gets one instance: the first start is kept.
///
/// And the widget's second part (`xtask/src/split.rs`): `part()` (the
/// wasm's import `load_part`, found in the module's scope) fetches
/// and starts it once, beside this file (by the name `split::name` puts in
/// for `PETITION_WIDGET_PART`), with the first part's exports (its
/// memory, table, stack pointer and the functions the part calls); a failure
/// (or a download still unfinished after 15 s, the widget's own requests'
/// timeout: a signature waits on it) is forgotten, so the next call tries
/// again. Until it has come, the
/// table's slots for its functions hold placeholders (imports from `ph`),
/// which throw: the widget awaits `part()` before it calls any.
const START: &str = "
let started, loaded;
export default function (response) {
    const imports = __wbg_get_imports();
    imports.ph = new Proxy({}, { get: () => () => { throw new Error('the petition widget called its second part before it came'); } });
    return started || (started = WebAssembly.instantiateStreaming(response, imports)
        .then(({ instance }) => wasm = instance.exports));
}
function part() {
    return loaded || (loaded = WebAssembly.instantiateStreaming(fetch(new URL('PETITION_WIDGET_PART', import.meta.url), { credentials: 'omit', signal: AbortSignal.timeout(15e3) }), { p: wasm })
        .catch((error) => { loaded = null; throw error; }));
}
";

/// Puts [`START`] in place of wasm-bindgen's own start, from its loading
/// function to the end of the glue.
fn own_start(glue: &Path) -> anyhow::Result<()> {
    const FROM: &str = "async function __wbg_load(";
    const END: &str = "export { initSync, __wbg_init as default };";
    let source = std::fs::read_to_string(glue)?;
    let Some(at) = source.find(FROM).filter(|_| source.trim_end().ends_with(END)) else {
        bail!("wasm-bindgen's glue no longer ends in {FROM}…{END}: see own_start in xtask/src/build.rs");
    };
    std::fs::write(glue, [&source[..at], START].concat())?;
    Ok(())
}

/// What [`trim_glue`] takes out of wasm-bindgen's glue, each a text it
/// must hold exactly once, and what it puts in its place: support for what
/// no browser able to start the widget lacks (`instantiateStreaming` came
/// last, in Safari 15), branches and state the widget's glue never uses,
/// and longer ways of saying the same.
const GLUE_EDITS: &[(&str, &str)] = &[
    // See the wrapping in `trim_glue`.
    (
        "function handleError(f, args) {\n    try {\n        return f.apply(this, args);\n    } catch (e) {\n        wasm.__wbindgen_exn_store(addHeapObject(e));\n    }\n}",
        "function handleError(f) {\n    return (...args) => {\n        try {\n            return f(...args);\n        } catch (e) {\n            wasm.__wbindgen_exn_store(addHeapObject(e));\n        }\n    };\n}",
    ),
    // See the strings' return in `trim_glue`: `returnString` is the one
    // caller of `passStringToWasm0`, which allocates with the wasm's own
    // functions rather than those it is handed (checked there).
    (
        "function passStringToWasm0(arg, malloc, realloc) {",
        "function returnString(at, string) {\n    const ptr = isLikeNone(string) ? 0 : passStringToWasm0(string);\n    getDataViewMemory0().setInt32((at >>> 0) + 4, WASM_VECTOR_LEN, true);\n    getDataViewMemory0().setInt32(at >>> 0, ptr, true);\n}\n\nfunction passStringToWasm0(arg) {",
    ),
    // See the optional objects in `trim_glue`.
    (
        "function isLikeNone(x) {",
        "function addOptional(x) {\n    return isLikeNone(x) ? 0 : addHeapObject(x);\n}\n\nfunction isLikeNone(x) {",
    ),
    // Every browser with `instantiateStreaming` has `FinalizationRegistry`.
    (
        "(typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : new FinalizationRegistry(",
        "new FinalizationRegistry(",
    ),
    // Views of the memory made when a string crosses rather than kept and
    // checked for a grown memory (−46 B gzip): a view costs a fraction of a
    // microsecond, and a widget hands over a few hundred strings as it
    // draws itself, a handful a minute after.
    (
        "let cachedDataViewMemory0 = null;\nfunction getDataViewMemory0() {\n    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {\n        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);\n    }\n    return cachedDataViewMemory0;\n}",
        "function getDataViewMemory0() {\n    return new DataView(wasm.memory.buffer);\n}",
    ),
    (
        "let cachedUint8ArrayMemory0 = null;\nfunction getUint8ArrayMemory0() {\n    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {\n        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);\n    }\n    return cachedUint8ArrayMemory0;\n}",
        "function getUint8ArrayMemory0() {\n    return new Uint8Array(wasm.memory.buffer);\n}",
    ),
    // Every call wasm-bindgen writes passes `realloc` (and all become
    // `returnString`'s, checked in `trim_glue`).
    (
        "    if (realloc === undefined) {\n        const buf = cachedTextEncoder.encode(arg);\n        const ptr = malloc(buf.length, 1) >>> 0;\n        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);\n        WASM_VECTOR_LEN = buf.length;\n        return ptr;\n    }\n",
        "",
    ),
    // Safari's decoder fails after 2 GB decoded in all; a widget decodes
    // kilobytes.
    (
        "const MAX_SAFARI_DECODE_BYTES = 2146435072;\nlet numBytesDecoded = 0;\nfunction decodeText(bytes) {\n    numBytesDecoded += bytes.length;\n    if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {\n        cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });\n        cachedTextDecoder.decode();\n        numBytesDecoded = bytes.length;\n    }\n    return cachedTextDecoder.decode(bytes);\n}",
        "function decodeText(bytes) {\n    return cachedTextDecoder.decode(bytes);\n}",
    ),
    // The instance and module are kept for nothing but wasm-bindgen's
    // threads, which the widget doesn't use; [`START`] keeps the exports
    // itself, and the memory's views are made each time (above).
    ("let wasmModule, wasmInstance, wasm;", "let wasm;"),
    (
        "function __wbg_finalize_init(instance, module) {\n    wasmInstance = instance;\n    wasm = instance.exports;\n    wasmModule = module;\n    cachedDataViewMemory0 = null;\n    cachedUint8ArrayMemory0 = null;\n    return wasm;\n}",
        "",
    ),
    // wasm-bindgen makes the objects of imports without a prototype, so
    // that no import's name could be found on `Object.prototype`; after
    // `short_names` each has one or two letters, which no name there has.
    ("const import0 = {\n        __proto__: null,\n", "const import0 = {\n"),
    ("return {\n        __proto__: null,\n", "return {\n"),
    // A boolean as the wasm reads it, 0 or 1, and anything else as
    // 0xFFFFFF (`None`), in one test.
    (
        "const ret = typeof(v) === 'boolean' ? v : undefined;\n            return isLikeNone(ret) ? 0xFFFFFF : ret ? 1 : 0;",
        "return typeof v === 'boolean' ? +v : 0xFFFFFF;",
    ),
    // What a closure's JS function is asked to drop itself by: a property
    // of the function, which the minifier doesn't shorten.
    ("getObject(arg0)._wbg_cb_unref();", "getObject(arg0).unref();"),
    ("real._wbg_cb_unref();", "real.unref();"),
    ("real._wbg_cb_unref = () => {", "real.unref = () => {"),
    // A string is encoded into room for its longest UTF-8 at once, then the
    // room shrunk to fit, rather than copied character by character while
    // it is ASCII first: one path instead of two. (Not shrunk when it fits,
    // the empty string among them: `__wbindgen_realloc` wants sizes above 0.)
    (
        "    let len = arg.length;\n    let ptr = malloc(len, 1) >>> 0;\n\n    const mem = getUint8ArrayMemory0();\n\n    let offset = 0;\n\n    for (; offset < len; offset++) {\n        const code = arg.charCodeAt(offset);\n        if (code > 0x7F) break;\n        mem[ptr + offset] = code;\n    }\n    if (offset !== len) {\n        if (offset !== 0) {\n            arg = arg.slice(offset);\n        }\n        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;\n        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);\n        const ret = cachedTextEncoder.encodeInto(arg, view);\n\n        offset += ret.written;\n        ptr = realloc(ptr, len, offset, 1) >>> 0;\n    }\n",
        "    const len = arg.length * 3;\n    let ptr = wasm.__wbindgen_malloc(len, 1) >>> 0;\n    const offset = cachedTextEncoder.encodeInto(arg, getUint8ArrayMemory0().subarray(ptr, ptr + len)).written;\n    if (offset !== len) ptr = wasm.__wbindgen_realloc(ptr, len, offset, 1) >>> 0;\n",
    ),
];

/// Applies [`GLUE_EDITS`] to the glue, failing the build if wasm-bindgen's
/// glue no longer holds one of the texts they replace exactly once (−128 B
/// gzip, issue 15, and about 100 B more since), wraps each throwing import once
/// (−31 B), returns strings to the wasm through one function (−49 B) and
/// optional objects through another (−22 B), and sorts the imports
/// ([`sort_imports`]).
fn trim_glue(glue: &Path) -> anyhow::Result<()> {
    let mut source = std::fs::read_to_string(glue)?;
    for &(from, to) in GLUE_EDITS {
        if source.matches(from).count() != 1 {
            bail!("wasm-bindgen's glue holds {from:?} other than once: see GLUE_EDITS in xtask/src/build.rs");
        }
        source = source.replacen(from, to, 1);
    }
    // An import that may throw is wrapped where the imports are made rather
    // than at each call: `handleError(f)` is the function that calls `f` and
    // hands its exception to the wasm, and the import is that function,
    // with no `function() { return …(…, arguments); }` around each one.
    let (open, wrapped) = ("function() { return handleError(function (", "handleError(function (");
    let (close, closed) = ("}, arguments); },", "}),");
    let imports = source.matches(open).count();
    if imports == 0 || source.matches(close).count() != imports {
        bail!("wasm-bindgen's glue wraps its throwing imports otherwise: see trim_glue in xtask/src/build.rs");
    }
    source = source.replace(open, wrapped).replace(close, closed);
    // A string handed back to the wasm is written to its place by one
    // function, `returnString`, not by the same four lines in each import.
    // An optional one that is `null` becomes address 0, `None`; one that
    // may not be is made a string first (`"" + ret`: only a page's script
    // replacing a browser method could hand back something else), as
    // address 0 would be a `String` at no address.
    let mut returned = 0;
    for (start, kind, string) in
        [("var ptr1 = isLikeNone(ret) ? 0 : ", "var", "ret"), ("const ptr1 = ", "const", "\"\" + ret")]
    {
        let lines = format!(
            "{start}passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);\n            \
             {kind} len1 = WASM_VECTOR_LEN;\n            \
             getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);\n            \
             getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);"
        );
        returned += source.matches(&lines).count();
        source = source.replace(&lines, &format!("returnString(arg0, {string});"));
    }
    if returned == 0 || source.matches("WASM_VECTOR_LEN;").count() != 0 {
        bail!("wasm-bindgen's glue returns strings otherwise: see trim_glue in xtask/src/build.rs");
    }
    // Likewise an object that may be `null` or `undefined` (an argument, or
    // what an import returns) is handed over by `addOptional`.
    let (source, optional) = optional_objects(&source);
    if optional < 2 {
        bail!("wasm-bindgen's glue hands over optional objects otherwise: see trim_glue in xtask/src/build.rs");
    }
    // Its definition and `returnString`'s call, which hand it no functions.
    if source.matches("passStringToWasm0(").count() != 2 {
        bail!("wasm-bindgen's glue passes strings other than by returnString: see GLUE_EDITS in xtask/src/build.rs");
    }
    // `minify` is told `getObject` has no side effects.
    if source.matches("function getObject(idx) { return heap[idx]; }").count() != 1 {
        bail!("wasm-bindgen's glue reads its objects otherwise: see minify's call for the glue in xtask/src/build.rs");
    }
    std::fs::write(glue, sort_imports(&source)?)?;
    Ok(())
}

/// `source` with the entries of its object of imports in the order of their
/// code, the name aside, so that alike ones (the getters of a property,
/// those that throw, those that return a string) sit together for gzip to
/// find (−28 B gzip, issue 15): instantiation looks each import up by
/// name. Each entry starts a line at the object's indent with `NAME: `.
fn sort_imports(source: &str) -> anyhow::Result<String> {
    const OPEN: &str = "const import0 = {\n";
    let start = source.find(OPEN).map(|at| at + OPEN.len());
    let end = start.and_then(|start| source[start..].find("\n    };\n").map(|end| start + end + 1));
    let (Some(start), Some(end)) = (start, end) else {
        bail!("wasm-bindgen's glue makes its imports otherwise: see sort_imports in xtask/src/build.rs");
    };
    // (code, name), each code running to the next entry's line.
    let mut entries: Vec<(String, &str)> = Vec::new();
    for line in source[start..end].split_inclusive('\n') {
        let entry = line.strip_prefix("        ").filter(|l| l.starts_with(is_name)).and_then(|l| l.split_once(": "));
        match (entry, entries.last_mut()) {
            (Some((name, code)), _) if name.chars().all(is_name) => entries.push((code.to_owned(), name)),
            (None, Some((code, _))) if line.starts_with("         ") || line.starts_with("        }") => code.push_str(line),
            _ => bail!("the glue's imports hold a line that is part of no entry, {line:?}: see sort_imports in xtask/src/build.rs"),
        }
    }
    // Any entry may come last once sorted.
    if let Some((_, name)) = entries.iter().find(|(code, _)| !code.ends_with(",\n")) {
        bail!("the glue's import {name} ends without a comma: see sort_imports in xtask/src/build.rs");
    }
    entries.sort();
    let sorted: String = entries.iter().map(|(code, name)| format!("        {name}: {code}")).collect();
    Ok([&source[..start], &sorted, &source[end..]].concat())
}

/// `source` with each `isLikeNone(x) ? 0 : addHeapObject(x)` written as
/// `addOptional(x)`, and how many there were (besides the one in
/// `addOptional` itself).
fn optional_objects(source: &str) -> (String, usize) {
    let (mut out, mut rest, mut count) = (String::new(), source, 0);
    while let Some(at) = rest.find("isLikeNone(") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let name = &rest["isLikeNone(".len()..];
        let name = &name[..name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(name.len())];
        let whole = format!("isLikeNone({name}) ? 0 : addHeapObject({name})");
        if name != "x" && rest.starts_with(&whole) {
            out.push_str(&format!("addOptional({name})"));
            rest = &rest[whole.len()..];
            count += 1;
        } else {
            out.push_str("isLikeNone(");
            rest = &rest["isLikeNone(".len()..];
        }
    }
    out.push_str(rest);
    (out, count)
}

/// Whether `c` may be part of a JavaScript name (as wasm-bindgen writes them).
fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Gives the wasm's imports, exports and import module one- or two-letter
/// names (binaryen's `--minify-imports-and-exports-and-modules`), and the
/// glue the same. wasm-bindgen names each import after its function and a
/// hash (`__wbg_setAttribute_f75317b2b5cabfb4`), written twice, in the
/// wasm and in the glue: 150 of them measured 2.5 KB of the gzipped wasm,
/// hashes being what compresses worst.
fn short_names(root: &Path, wasm: &Path, glue: &Path) -> anyhow::Result<()> {
    step("shortening the wasm's import and export names");
    let output = Command::new(root.join("node_modules/.bin/wasm-opt"))
        .arg("--minify-imports-and-exports-and-modules")
        // The last pass, so the last that needs the target's features; no
        // browser reads them or the producers (−0.2 KB raw).
        .args(["--strip-producers", "--strip-target-features"])
        // The functions' names stay for the split (`xtask/src/split.rs`),
        // which drops them.
        .arg("--debuginfo")
        .arg(wasm)
        .arg("-o")
        .arg(wasm)
        .output()
        .context("running wasm-opt")?;
    if !output.status.success() {
        bail!("wasm-opt failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let map: serde_json::Value = serde_json::from_slice(&output.stdout).context("wasm-opt's map of names")?;
    let pairs = |kind: &str, at: usize| -> anyhow::Result<std::collections::HashMap<String, String>> {
        map[kind]
            .as_array()
            .with_context(|| format!("no {kind} in wasm-opt's map"))?
            .iter()
            .map(|entry| Some((entry[at].as_str()?.to_owned(), entry[at + 1].as_str()?.to_owned())))
            .collect::<Option<_>>()
            .with_context(|| format!("{kind} in wasm-opt's map"))
    };
    let (imports, exports) = (pairs("imports", 1)?, pairs("exports", 0)?);
    let modules: std::collections::BTreeSet<&str> =
        map["imports"].as_array().into_iter().flatten().filter_map(|entry| entry[0].as_str()).collect();
    if modules.len() != 1 {
        bail!("the wasm imports from {modules:?}: expected wasm-bindgen's glue alone");
    }
    let module = modules.into_iter().next().unwrap_or_default();
    let source = std::fs::read_to_string(glue)?;
    // The one module is renamed "a" (binaryen names modules in order).
    let quoted = format!("{module:?}:");
    if source.matches(&quoted).count() != 1 {
        bail!("the glue names its import module {quoted} other than once");
    }
    let source = source.replace(&quoted, "a:");
    // Whole names only: an export where the glue reads `wasm.NAME`, an
    // import where its object of imports says `NAME:`.
    let mut out = String::with_capacity(source.len());
    let (mut renamed, mut rest) = (0, source.as_str());
    while let Some(start) = rest.find(is_name) {
        let end = rest[start..].find(|c: char| !is_name(c)).map_or(rest.len(), |e| start + e);
        let (before, name, after) = (&rest[..start], &rest[start..end], &rest[end..]);
        out.push_str(before);
        let new = if out.ends_with("wasm.") && !out[..out.len() - 5].ends_with(is_name) {
            exports.get(name)
        } else if after.trim_start().starts_with(':') && !before.ends_with('.') {
            imports.get(name)
        } else {
            None
        };
        out.push_str(new.map_or(name, |n| {
            renamed += 1;
            n.as_str()
        }));
        rest = after;
    }
    out.push_str(rest);
    let used: usize = exports.keys().filter(|name| source.contains(&format!("wasm.{name}"))).count() + imports.len();
    if renamed < used {
        bail!("renamed {renamed} names in the glue, but it uses {used}");
    }
    std::fs::write(glue, out)?;
    Ok(())
}

/// `source` minified into `out` by terser (names shortened, comments and
/// spaces dropped): what every visitor downloads. The sources keep their
/// comments for people; wasm-bindgen's glue loses its doc comments. A
/// module (`module`) may have its top-level names shortened too.
/// `unsafe_arrows` writes a `function` expression that uses neither `this`
/// nor `arguments` as an arrow (59 B less gzipped for a widget, mostly in
/// the glue); terser calls it unsafe because an arrow has no `prototype`
/// and cannot be called with `new`, and none of these scripts does either
/// with a function expression. A call of one of `pure` (top-level functions
/// without side effects) whose answer is unused is dropped.
fn minify(root: &Path, source: &Path, out: &Path, module: bool, pure: &[&str]) -> anyhow::Result<()> {
    let mut terser = Command::new(root.join("node_modules/.bin/terser"));
    let compress = format!("passes=2,unsafe_arrows=true,pure_funcs={}", serde_json::to_string(pure)?);
    terser.arg(source).args(["--compress", &compress, "--mangle", "--comments", "false", "--ecma", "2020"]);
    if module {
        terser.arg("--module");
    }
    run(terser.arg("-o").arg(out))
}

/// Prints the size of each of `files` (what a page loads for one `view`)
/// raw, gzipped and brotli'd, and fails if their total is over `budget`.
///
/// The budget is checked against gzip, which every browser accepts; brotli,
/// which browsers use over HTTPS, is reported beside it. Returns the gzipped total.
fn report_size(root: &Path, view: &str, files: &[&str], budget: usize) -> anyhow::Result<usize> {
    step(&format!("{view} transfer size (gzip by zopfli; brotli -q 11)"));
    let (mut total, mut total_br) = (0, 0);
    for file in files {
        // As served: the files compressed beside it by `widget`.
        let size = |path: String| std::fs::metadata(root.join(&path)).map(|m| m.len() as usize).with_context(|| format!("reading {path}"));
        let bytes = std::fs::read(root.join(file)).with_context(|| format!("reading {file}"))?;
        let (zipped, brotlied) = (size(format!("{file}.gz"))?, size(format!("{file}.br"))?);
        total += zipped;
        total_br += brotlied;
        println!("  {file:<30} {:>7} B raw {:>7} B gzip {:>7} B brotli", bytes.len(), zipped, brotlied);
    }
    println!(
        "  {:<30} {:>7}       {:>7} B gzip {:>7} B brotli  ({:.1} KB gzip of the {} KB budget)",
        "total",
        "",
        total,
        total_br,
        total as f64 / 1024.0,
        budget as f64 / 1024.0
    );
    if total > budget {
        bail!("the {view} loads {total} B gzipped, over the budget of {budget} B");
    }
    Ok(total)
}

/// Each language's file, gzipped, must fit in this (the issue's goal):
/// what a reader of that language downloads besides the English widget.
/// Checked exactly.
pub const LANGUAGE_BUDGET_BYTES: usize = 3 * 1024;

/// The widget's words in every language but English (which is compiled
/// in): from each `lang/{code}.json`, `pkg/lang/{FILES_DIGEST}/{code}.json`,
/// `{"code", "name", "dir", "intl"?, "texts": [...]}` with the widget section as an
/// array in the order of core's `WIDGET_KEYS` (each text's `Text::index`) (a counting text's plural forms as they
/// are, a text a file lacks as `null`, which the widget reads in English),
/// and `index.json`, `[{"code", "name", "dir", "offer"}]` for the language
/// control and the offer, English included (and `keys.json`, the keys in
/// the order of `texts`, for tests and tools). The folder is named by a
/// digest of every language file, so the server can let browsers keep
/// them for a year. Prints each file's size and checks the budget.
fn languages(root: &Path) -> anyhow::Result<()> {
    use serde_json::{json, Map, Value};
    step("language files (gzip by zopfli; brotli -q 11)");
    let lang = root.join("lang");
    let read = |path: &Path| -> anyhow::Result<Value> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
    };
    let english = read(&lang.join("en.json"))?;
    // In core's order, which `Text::index` gives the widget.
    let keys = petition_core::lang::text::WIDGET_KEYS;
    // The loader and the counter find their few words by place.
    for script in ["www/embed.js", "www/counter.js"] {
        let source = std::fs::read_to_string(root.join(script))?;
        let start = source.find("TEXTS = {").with_context(|| format!("{script} has no `TEXTS = {{…}}`"))? + 9;
        let end = start + source[start..].find('}').context("TEXTS is not closed")?;
        for pair in source[start..end].split(',').filter(|p| !p.trim().is_empty()) {
            let (key, at) = pair.split_once(':').with_context(|| format!("{script}: {pair:?} in TEXTS"))?;
            let (key, at) = (key.trim(), at.trim());
            let place = keys.iter().position(|k| *k == key);
            if place.map(|p| p.to_string()).as_deref() != Some(at) {
                bail!("{script}: TEXTS says {key} is text {at} of the widget's, but it is {place:?} (core's WIDGET_KEYS)");
            }
        }
    }
    let out = root.join("pkg/lang").join(petition_core::lang::text::FILES_DIGEST);
    std::fs::create_dir_all(&out)?;
    let mut index = vec![json!({
        "code": "en",
        "name": english["language"]["name"],
        "dir": "ltr",
        "offer": english["widget"]["offer"]["text"],
    })];
    let mut sizes = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&lang)?
        .map(|entry| Ok(entry?.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    files.sort();
    for path in files {
        let code = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        if path.extension().is_none_or(|e| e != "json") || code == "en" {
            continue;
        }
        // The same files core lists (a file that isn't JSON yet is skipped there too).
        if !petition_core::lang::codes().any(|c| c == code) {
            println!("  {code}: skipped (not in core's list of languages: rebuild, or fix the file)");
            continue;
        }
        let file = read(&path)?;
        let about = &file["language"];
        let widget = &file["widget"];
        let texts: Vec<Value> = keys.iter().map(|key| widget.get(*key).cloned().unwrap_or(Value::Null)).collect();
        let mut built = Map::new();
        built.insert("code".into(), Value::String(code.clone()));
        built.insert("name".into(), about["name"].clone());
        built.insert("dir".into(), about["dir"].clone());
        if let Some(intl) = about.get("intl").filter(|i| i.is_string()) {
            built.insert("intl".into(), intl.clone());
        }
        built.insert("texts".into(), Value::Array(texts));
        let bytes = serde_json::to_vec(&Value::Object(built))?;
        let (zipped, brotlied) = (gzip(&bytes)?, brotli(&bytes)?);
        std::fs::write(out.join(format!("{code}.json")), &bytes)?;
        std::fs::write(out.join(format!("{code}.json.gz")), &zipped)?;
        std::fs::write(out.join(format!("{code}.json.br")), &brotlied)?;
        sizes.push((code.clone(), bytes.len(), zipped.len(), brotlied.len()));
        index.push(json!({ "code": code, "name": about["name"], "dir": about["dir"], "offer": widget["offer"] }));
    }
    // The order of `texts`, for tests and tools (the widget knows it).
    std::fs::write(out.join("keys.json"), serde_json::to_vec(&keys[..])?)?;
    let bytes = serde_json::to_vec(&index)?;
    std::fs::write(out.join("index.json"), &bytes)?;
    std::fs::write(out.join("index.json.gz"), gzip(&bytes)?)?;
    std::fs::write(out.join("index.json.br"), brotli(&bytes)?)?;
    for (code, raw, zipped, brotlied) in &sizes {
        println!("  {:<30} {raw:>7} B raw {zipped:>7} B gzip {brotlied:>7} B brotli", format!("{code}.json"));
    }
    let (zipped, brotlied) = (gzip(&bytes)?.len(), brotli(&bytes)?.len());
    println!("  {:<30} {:>7} B raw {zipped:>7} B gzip {brotlied:>7} B brotli", "index.json", bytes.len());
    // Loaded with index.json when someone first reaches the language control.
    let control = std::fs::read(root.join("pkg/languages.js"))?;
    let (zipped, brotlied) = (gzip(&control)?.len(), brotli(&control)?.len());
    println!("  {:<30} {:>7} B raw {zipped:>7} B gzip {brotlied:>7} B brotli", "languages.js (the control)", control.len());
    let over: Vec<String> = sizes
        .iter()
        .filter(|(_, _, zipped, _)| *zipped > LANGUAGE_BUDGET_BYTES)
        .map(|(code, _, zipped, _)| format!("{code} ({zipped} B)"))
        .collect();
    if let Some((code, _, zipped, _)) = sizes.iter().max_by_key(|(_, _, zipped, _)| *zipped) {
        println!(
            "  {} languages; the largest is {code}.json, {zipped} B gzip, of the {} B budget",
            sizes.len(),
            LANGUAGE_BUDGET_BYTES
        );
    }
    if !over.is_empty() {
        bail!("language files over the budget of {LANGUAGE_BUDGET_BYTES} B gzipped: {}", over.join(", "));
    }
    Ok(())
}

/// Gzip by zopfli: the same format every browser reads, found by a long
/// search rather than zlib's quick one (about 6% smaller on the wasm). Done
/// once here, never by the server per visitor.
fn gzip(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    zopfli::compress(zopfli::Options::default(), zopfli::Format::Gzip, bytes, &mut out)?;
    Ok(out)
}

fn brotli(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = ::brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    ::brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMPORTS: &str = "function __wbg_get_imports() {
    const import0 = {
        b: function(arg0) {
            const ret = getObject(arg0).ok;
            return ret;
        },
        a: handleError(function (arg0, arg1) {
            const ret = getObject(arg0).call(getObject(arg1));
            return addHeapObject(ret);
        }),
        c: function(arg0) {
            const ret = getObject(arg0).ok;
            return ret;
        },
    };
    return { a: import0 };
}
";

    #[test]
    fn the_imports_are_sorted_by_their_code_and_each_keeps_all_its_lines() {
        let sorted = sort_imports(IMPORTS).unwrap();
        let (b, c, a) = (sorted.find("b: function").unwrap(), sorted.find("c: function").unwrap(), sorted.find("a: handle").unwrap());
        // The two alike entries side by side, in the order of their names.
        assert!(b < c && c < a, "{sorted}");
        let lines = |text: &str| {
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            lines.sort();
            lines
        };
        assert_eq!(lines(&sorted), lines(IMPORTS));
    }

    #[test]
    fn imports_of_another_shape_fail_the_build_rather_than_being_sorted_wrong() {
        let comment = IMPORTS.replace("        c: function", "        // a comment\n        c: function");
        assert!(sort_imports(&comment).unwrap_err().to_string().contains("part of no entry"));
        let last = IMPORTS.replacen("        },\n    };", "        }\n    };", 1);
        assert!(sort_imports(&last).unwrap_err().to_string().contains("c ends without a comma"));
        assert!(sort_imports("function __wbg_get_imports() {}").is_err());
    }
}
