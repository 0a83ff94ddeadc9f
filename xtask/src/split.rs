//! The widget's second part: the code only a person who has moved into the
//! form or signed needs (sending a signature and its proof of work, the
//! email suggestion, the full thank-you, sharing, "someone else wants to
//! sign"), split out of the wasm into `petition_widget_part.{digest}.wasm`,
//! which the widget asks for when it is first focused and awaits before it
//! starts the proof of work, sends, suggests an address or thanks anyone in
//! full (`Widget::with_part`).
//!
//! binaryen's `wasm-split` does the splitting: the functions moved go to a
//! second module that imports the first's memory, table, stack pointer and
//! whatever of its functions they call; the first calls them through table
//! slots that hold placeholders (imports from `ph`, which throw) until the
//! second module, once instantiated, writes its functions there. It is the
//! one tool of Debian's binaryen the build uses (`cargo xtask setup` unpacks
//! the package under `target/binaryen`; its wasm-opt is not used): the npm
//! `binaryen` package the build pins has no `wasm-split`.
//!
//! Which functions move is decided here, by name (the wasm keeps its names
//! until this step): those reachable from [`ROOTS`] and from nothing else.
//! A root called before the part has come would meet a placeholder, so every
//! root is reached only once the widget has awaited the part
//! (`Widget::with_part`, `with_part_or`, and `submit_request` before
//! `send_soon`), or from buttons only the part draws (the thank-you's, the
//! suggestion).

use std::{
    collections::{BTreeSet, HashMap},
    path::Path,
    process::Command,
};

use anyhow::{bail, Context};
use wasm_encoder::reencode::{self, Reencode};
use wasmparser::{ElementItems, ExternalKind, KnownCustom, Name, Operator, Parser, Payload, TypeRef};

/// The functions (by the end of their names) whose code, with what only
/// they reach, is the second part. Each is `#[inline(never)]` in
/// `src/widget.rs`, so that it stays a function of its own to move.
pub const ROOTS: [&str; 9] = [
    "::widget::Widget>::show_thanks",
    "::widget::Widget>::share_link",
    "::widget::Widget>::copy_link",
    "::widget::Widget>::native_share",
    "::widget::Widget>::again",
    "::widget::Widget>::suggest_email",
    "::widget::Widget>::accept_suggestion",
    "::widget::Widget>::send_soon",
    "::widget::Widget>::first_challenge",
];

/// What one widget loads only once someone moves into it (or a browser
/// that has signed is thanked), as the build writes it before naming it
/// (see [`name`]).
pub const PART: &str = "petition_widget_part.wasm";

/// How a named part's file name begins, `{PART_PREFIX}{digest}.wasm`
/// (see [`name`]; `crate::pkg` and [`named`] find parts by it).
pub const PART_PREFIX: &str = "petition_widget_part.";

/// What the glue says in place of the part's name until [`name`] puts it in.
pub const PART_NAME: &str = "PETITION_WIDGET_PART";

/// Names `part` (in `pkg/`) by a digest of its bytes,
/// `petition_widget_part.{digest}.wasm`, and puts that name in the glue in
/// place of [`PART_NAME`]. A first part asks only for its own second part,
/// never one built for another first part: a page loaded before a release
/// (its scripts cached for minutes, or the page simply left open) asks for
/// its own, which `pkg/` keeps (see `crate::pkg::clear`). Gives the name.
pub fn name(part: &Path, glue: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(part)?;
    let digest: String = petition_core::proof::sha256(&bytes)[..6].iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("{PART_PREFIX}{digest}.wasm");
    std::fs::rename(part, part.with_file_name(&name))?;
    let source = std::fs::read_to_string(glue)?;
    if source.matches(PART_NAME).count() != 1 {
        bail!("the glue names the second part other than once: see START in xtask/src/build.rs");
    }
    std::fs::write(glue, source.replace(PART_NAME, &name))?;
    Ok(name)
}

/// The second part's name in `pkg`, as [`name`] gave it and the glue asks
/// for it (`pkg/` also keeps earlier builds' parts).
pub fn named(pkg: &Path) -> anyhow::Result<String> {
    let glue = std::fs::read_to_string(pkg.join("petition_widget.js")).context("no widget in pkg/: run cargo xtask build")?;
    let from = glue.find(PART_PREFIX).context("the glue names no second part")?;
    let to = glue[from..].find(".wasm").context("the glue names no second part")?;
    Ok(glue[from..from + to + ".wasm".len()].to_owned())
}

/// The features the widget's wasm uses, for binaryen's tools once its
/// target-features section is gone (reference types are off: see `widget`
/// in build.rs).
pub const FEATURES: [&str; 5] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
];

/// Where `cargo xtask setup` unpacks Debian's binaryen.
pub fn binaryen(root: &Path) -> std::path::PathBuf {
    crate::target_dir(root).join("binaryen")
}

/// Splits `wasm` in place into itself and `part`.
pub fn split(root: &Path, wasm: &Path, part: &Path) -> anyhow::Result<()> {
    let module = std::fs::read(wasm)?;
    let moved = moved(&module)?;
    let list = crate::target_dir(root).join("split-functions.txt");
    std::fs::write(&list, moved.iter().map(|name| escape(name) + "\n").collect::<String>())?;
    let tools = binaryen(root);
    let output = Command::new(tools.join("usr/bin/wasm-split"))
        .env("LD_LIBRARY_PATH", tools.join("usr/lib/x86_64-linux-gnu"))
        .arg(wasm)
        .arg(format!("--split-funcs=@{}", list.display()))
        .arg("-o1")
        .arg(wasm)
        .arg("-o2")
        .arg(part)
        // Names as short as binaryen's minified ones: the first module's new
        // exports (`%a`…), the module the second imports them from (`p`),
        // the placeholders' module (`ph`).
        .args(["--export-prefix=%", "--import-namespace=p", "--placeholder-namespace=ph"])
        .args(FEATURES)
        .output()
        .context("running wasm-split (cargo xtask setup unpacks it)")?;
    let said = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() || said.contains("does not exist") || said.contains("not splitting") {
        bail!("wasm-split failed on {} functions: {said}", moved.len());
    }
    let (first, second) = through_the_table(&std::fs::read(wasm)?, &std::fs::read(part)?)?;
    let (first, second, bytes) = crate::part_data::move_data(&first, &second, &crate::part_data::statics())?;
    for (module, bytes) in [(wasm, first), (part, second)] {
        wasmparser::Validator::new()
            .validate_all(&bytes)
            .with_context(|| format!("{} does not validate after the split", module.display()))?;
        std::fs::write(module, bytes)?;
    }
    println!("  {} functions and {bytes} bytes of data only they read moved to {}", moved.len(), part.display());
    Ok(())
}

/// `first` and `second` (wasm-split's two modules) with the second calling
/// the first's functions through the table rather than through exports:
/// wasm-split exports from the first every function the second calls
/// (`%a`…, some 70, 5 or 6 bytes each, their numbers compressing badly), and
/// the first is what every visitor loads. Here each becomes a slot at the
/// end of the table (its size grown by as many; an element segment fills
/// them), and each call of one in the second, `call_indirect` through its
/// slot, with the function's own type. The first part −186 B gzipped when
/// measured; the second, loaded by those who move into the widget, grows a
/// little.
fn through_the_table(first: &[u8], second: &[u8]) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    // The first's function exports that wasm-split made, in order; the
    // table's size.
    let (mut exported, mut size) = (Vec::new(), None);
    for payload in Parser::new(0).parse_all(first) {
        match payload? {
            Payload::ExportSection(exports) => {
                for export in exports {
                    let export = export?;
                    if export.kind == ExternalKind::Func && export.name.starts_with('%') {
                        exported.push((export.name.to_owned(), export.index));
                    }
                }
            }
            Payload::TableSection(tables) => {
                for table in tables {
                    let ty = table?.ty;
                    if size.is_some() || ty.maximum != Some(ty.initial) {
                        bail!("the first part has other than one table of a fixed size");
                    }
                    size = Some(u32::try_from(ty.initial)?);
                }
            }
            _ => {}
        }
    }
    let base = size.context("the first part has no table")?;
    let grown = u64::from(base) + exported.len() as u64;
    let slot: HashMap<&str, u32> = exported.iter().zip(base..).map(|((name, _), slot)| (name.as_str(), slot)).collect();
    let mut module = wasm_encoder::Module::new();
    let mut rewrite = Exported { functions: exported.iter().map(|(_, f)| *f).collect(), base, grown, appended: false };
    rewrite
        .parse_core_module(&mut module, Parser::new(0), first)
        .map_err(|error| anyhow::anyhow!("{error:?}"))
        .context("rewriting the first part")?;
    if !rewrite.appended {
        bail!("the first part has no element section to add the slots to");
    }
    let first = module.finish();

    // The second's function imports: kept ones renumbered, the first's
    // exported functions by slot and type.
    let mut function = 0u32;
    let (mut renumbered, mut slots) = (Vec::new(), HashMap::new());
    for payload in Parser::new(0).parse_all(second) {
        if let Payload::ImportSection(imports) = payload? {
            for import in imports.into_imports() {
                let import = import?;
                if let TypeRef::Func(ty) = import.ty {
                    match slot.get(import.name).filter(|_| import.module == "p") {
                        Some(&slot) => {
                            slots.insert(function, (slot, ty));
                        }
                        None => renumbered.push(function),
                    }
                    function += 1;
                }
            }
        }
    }
    if slots.len() != exported.len() {
        bail!("the second part imports {} of the first's {} new exports", slots.len(), exported.len());
    }
    let mut module = wasm_encoder::Module::new();
    Imported { imported: function, kept: renumbered, slots, grown }
        .parse_core_module(&mut module, Parser::new(0), second)
        .map_err(|error| anyhow::anyhow!("{error:?}"))
        .context("rewriting the second part")?;
    Ok((first, module.finish()))
}

/// The first part, rewritten: without the function exports wasm-split made,
/// its table grown by as many slots, filled by one more element segment.
struct Exported {
    functions: Vec<u32>,
    base: u32,
    grown: u64,
    /// Whether the segment was added (there was an element section).
    appended: bool,
}

/// The table `ty`, its size now `size` (both modules' tables grown by the
/// slots that stand for the first part's exports).
fn grown<R: Reencode>(r: &mut R, ty: wasmparser::TableType, size: u64) -> Result<wasm_encoder::TableType, reencode::Error<R::Error>> {
    let ty = reencode::utils::table_type(r, ty)?;
    Ok(wasm_encoder::TableType { minimum: size, maximum: Some(size), ..ty })
}

impl Reencode for Exported {
    type Error = std::convert::Infallible;

    fn table_type(&mut self, ty: wasmparser::TableType) -> Result<wasm_encoder::TableType, reencode::Error<Self::Error>> {
        let size = self.grown;
        grown(self, ty, size)
    }

    fn parse_export(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        export: wasmparser::Export<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        if export.kind == ExternalKind::Func && export.name.starts_with('%') {
            return Ok(());
        }
        reencode::utils::parse_export(self, exports, export)
    }

    fn parse_element_section(
        &mut self,
        elements: &mut wasm_encoder::ElementSection,
        section: wasmparser::ElementSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        reencode::utils::parse_element_section(self, elements, section)?;
        let offset = wasm_encoder::ConstExpr::i32_const(self.base as i32);
        elements.active(Some(0), &offset, wasm_encoder::Elements::Functions(self.functions.as_slice().into()));
        self.appended = true;
        Ok(())
    }
}

/// The second part, rewritten: the first's exported functions no longer
/// imported, each call of one through its slot.
struct Imported {
    /// How many functions it imported.
    imported: u32,
    /// The imports it keeps, by their old numbers (their new ones are
    /// their places here).
    kept: Vec<u32>,
    /// Old number → slot and type, for the imports that go.
    slots: HashMap<u32, (u32, u32)>,
    grown: u64,
}

impl Reencode for Imported {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, function: u32) -> Result<u32, reencode::Error<Self::Error>> {
        // (A call of a function that goes is written by `parse_code_section`,
        // and nothing else names one: were something to, the module would
        // not validate.)
        Ok(match function.checked_sub(self.imported) {
            Some(defined) => self.kept.len() as u32 + defined,
            None => self.kept.iter().position(|&f| f == function).map_or(u32::MAX, |at| at as u32),
        })
    }

    fn table_type(&mut self, ty: wasmparser::TableType) -> Result<wasm_encoder::TableType, reencode::Error<Self::Error>> {
        let size = self.grown;
        grown(self, ty, size)
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        let mut function = 0u32;
        for import in section.into_imports() {
            let import = import?;
            if let TypeRef::Func(_) = import.ty {
                function += 1;
                if self.slots.contains_key(&(function - 1)) {
                    continue;
                }
            }
            let ty = self.entity_type(import.ty)?;
            imports.import(import.module, import.name, ty);
        }
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        for body in section {
            let body = body?;
            let mut function = self.new_function_with_parsed_locals(&body)?;
            let mut reader = body.get_operators_reader()?;
            while !reader.eof() {
                let op = reader.read()?;
                match op {
                    Operator::Call { function_index } if self.slots.contains_key(&function_index) => {
                        let (slot, type_index) = self.slots[&function_index];
                        function.instruction(&wasm_encoder::Instruction::I32Const(slot as i32));
                        function.instruction(&wasm_encoder::Instruction::CallIndirect { type_index, table_index: 0 });
                    }
                    op => {
                        function.instruction(&self.instruction(op)?);
                    }
                }
            }
            code.function(&function);
        }
        Ok(())
    }
}

/// The names of the functions reachable from [`ROOTS`] and from nothing
/// else: not from an export, the table or the start, other than through a
/// root.
fn moved(wasm: &[u8]) -> anyhow::Result<Vec<String>> {
    let (mut imported, mut defined) = (0u32, 0u32);
    let (mut calls, mut names): (Vec<Vec<u32>>, HashMap<u32, String>) = (Vec::new(), HashMap::new());
    let mut entries = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import?.ty, TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::FunctionSection(functions) => defined = functions.count(),
            Payload::ExportSection(exports) => {
                for export in exports {
                    let export = export?;
                    if export.kind == ExternalKind::Func {
                        entries.push(export.index);
                    }
                }
            }
            Payload::StartSection { func, .. } => entries.push(func),
            Payload::ElementSection(elements) => {
                for element in elements {
                    if let ElementItems::Functions(functions) = element?.items {
                        for function in functions {
                            entries.push(function?);
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut called = Vec::new();
                for op in body.get_operators_reader()? {
                    if let Operator::Call { function_index } | Operator::RefFunc { function_index } = op? {
                        called.push(function_index);
                    }
                }
                calls.push(called);
            }
            Payload::CustomSection(section) => {
                if let KnownCustom::Name(reader) = section.as_known() {
                    for name in reader {
                        if let Name::Function(map) = name? {
                            for naming in map {
                                let naming = naming?;
                                names.insert(naming.index, naming.name.to_owned());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if calls.len() != defined as usize || names.is_empty() {
        bail!("the wasm to split has {defined} functions, {} bodies and {} names", calls.len(), names.len());
    }
    let roots: Vec<u32> = (imported..imported + defined)
        .filter(|f| names.get(f).is_some_and(|name| is_root(name)))
        .collect();
    for root in ROOTS {
        if !roots.iter().any(|f| names.get(f).is_some_and(|name| name.ends_with(root))) {
            bail!("no function of the wasm is named …{root} (inlined?): see ROOTS in xtask/src/split.rs");
        }
    }
    // From `starts`, never entering `blocked`.
    let reach = |starts: &[u32], blocked: &[u32]| {
        let (mut seen, mut stack) = (BTreeSet::new(), starts.to_vec());
        while let Some(f) = stack.pop() {
            if f < imported || !seen.insert(f) {
                continue;
            }
            stack.extend(calls[(f - imported) as usize].iter().filter(|c| !blocked.contains(c)));
        }
        seen
    };
    let kept = reach(&entries.iter().copied().filter(|f| !roots.contains(f)).collect::<Vec<_>>(), &roots);
    let moved = reach(&roots, &[]).difference(&kept).copied().collect::<BTreeSet<u32>>();
    // What stays may call the roots themselves (the widget awaits the
    // part first), but nothing else that moves: not a closure of theirs,
    // which only they should make (were one merged with kept code, or
    // called from it, the call would meet a placeholder).
    for caller in (imported..imported + defined).filter(|f| !moved.contains(f)) {
        for callee in &calls[(caller - imported) as usize] {
            let name = |f: &u32| names.get(f).map_or("(unnamed)", String::as_str);
            if moved.contains(callee) && !ROOTS.iter().any(|root| name(callee).ends_with(root)) {
                bail!("{} stays but calls {}, which would move: see ROOTS in xtask/src/split.rs", name(&caller), name(callee));
            }
        }
    }
    moved
        .iter()
        .map(|f| names.get(f).cloned().with_context(|| format!("function {f} has no name")))
        .collect()
}

/// A root, or a closure made in one (an async block's poll, in the table
/// but run only once the root has made it), but not a drop of such a
/// closure's type, which is tiny and could be named in other code.
fn is_root(name: &str) -> bool {
    ROOTS.iter().any(|root| name.ends_with(root) || name.contains(&format!("{root}::{{closure")))
        && !name.contains("drop_in_place")
}

/// `name` as binaryen 108 spells it after reading it from a name section:
/// a byte that may not stand in a text-format name as `\` and two hex digits.
fn escape(name: &str) -> String {
    let mut out = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$%&'*+-./:<=>?@^_`|~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("\\{byte:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use wasm_encoder::{
        CodeSection, ConstExpr, ElementSection, Elements, EntityType, ExportKind, ExportSection, Function,
        FunctionSection, ImportSection, Module, NameMap, NameSection, TableSection, TableType, TypeSection,
    };
    use wasmparser::{ElementItems, Parser, Payload};

    use super::*;

    /// A module importing one function, with these of its own (by name,
    /// each calling those numbered), `mount` exported and two in the table.
    fn module(functions: &[(&str, &[u32])]) -> Vec<u8> {
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        module.section(&types);
        let mut imports = ImportSection::new();
        imports.import("a", "a", EntityType::Function(0));
        module.section(&imports);
        let mut declared = FunctionSection::new();
        for _ in functions {
            declared.function(0);
        }
        module.section(&declared);
        let mut tables = TableSection::new();
        tables.table(TableType { element_type: wasm_encoder::RefType::FUNCREF, table64: false, minimum: 2, maximum: None, shared: false });
        module.section(&tables);
        let number = |name: &str| 1 + functions.iter().position(|(n, _)| n.ends_with(name)).unwrap() as u32;
        let mut exports = ExportSection::new();
        exports.export("mount", ExportKind::Func, number("mount"));
        module.section(&exports);
        let mut elements = ElementSection::new();
        let tabled = [number("copy_link::{closure#2}"), number("in_table")];
        elements.active(Some(0), &ConstExpr::i32_const(0), Elements::Functions(tabled.as_slice().into()));
        module.section(&elements);
        let mut code = CodeSection::new();
        for (_, calls) in functions {
            let mut body = Function::new([]);
            for &call in *calls {
                body.instructions().call(call);
            }
            body.instructions().end();
            code.function(&body);
        }
        module.section(&code);
        let mut names = NameMap::new();
        for (n, (name, _)) in functions.iter().enumerate() {
            names.append(1 + n as u32, name);
        }
        let mut section = NameSection::new();
        section.functions(&names);
        module.section(&section);
        module.finish()
    }

    #[test]
    fn what_only_the_roots_reach_moves_and_what_anything_else_reaches_stays() {
        let wasm = module(&[
            ("mount", &[6, 0]),
            ("<w::widget::Widget>::show_thanks", &[5, 6, 0]),
            ("<w::widget::Widget>::share_link", &[6]),
            ("<w::widget::Widget>::copy_link", &[3]),
            ("thanks_only", &[]),
            ("shared_with_mount", &[]),
            ("<w::widget::Widget>::native_share", &[]),
            ("<w::widget::Widget>::again", &[]),
            ("<w::widget::Widget>::copy_link::{closure#2}", &[5]),
            ("in_table", &[]),
            ("<w::widget::Widget>::suggest_email", &[]),
            ("<w::widget::Widget>::accept_suggestion", &[]),
            ("<w::widget::Widget>::send_soon", &[]),
            ("<w::widget::Widget>::first_challenge", &[]),
        ]);
        let mut moved = moved(&wasm).unwrap();
        moved.sort();
        assert_eq!(
            moved,
            [
                "<w::widget::Widget>::accept_suggestion",
                "<w::widget::Widget>::again",
                "<w::widget::Widget>::copy_link",
                "<w::widget::Widget>::copy_link::{closure#2}",
                "<w::widget::Widget>::first_challenge",
                "<w::widget::Widget>::native_share",
                "<w::widget::Widget>::send_soon",
                "<w::widget::Widget>::share_link",
                "<w::widget::Widget>::show_thanks",
                "<w::widget::Widget>::suggest_email",
                "thanks_only",
            ]
        );
    }

    /// wasm-split's two modules in small: the first exports its function
    /// `%a` and its table; the second imports both, and its function calls
    /// `%a` and an import of the glue's.
    fn split_pair() -> (Vec<u8>, Vec<u8>) {
        let table = TableType { element_type: wasm_encoder::RefType::FUNCREF, table64: false, minimum: 2, maximum: Some(2), shared: false };
        let mut first = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([wasm_encoder::ValType::I32], [wasm_encoder::ValType::I32]);
        types.ty().function([], []);
        first.section(&types);
        let mut functions = FunctionSection::new();
        functions.function(0).function(1);
        first.section(&functions);
        let mut tables = TableSection::new();
        tables.table(table);
        first.section(&tables);
        let mut exports = ExportSection::new();
        exports.export("%a", ExportKind::Func, 0).export("%table", ExportKind::Table, 0).export("start", ExportKind::Func, 1);
        first.section(&exports);
        let mut elements = ElementSection::new();
        elements.active(Some(0), &ConstExpr::i32_const(1), Elements::Functions([1].as_slice().into()));
        first.section(&elements);
        let mut code = CodeSection::new();
        let mut double = Function::new([]);
        double.instructions().local_get(0).i32_const(2).i32_mul().end();
        code.function(&double);
        let mut nothing = Function::new([]);
        nothing.instructions().end();
        code.function(&nothing);
        first.section(&code);

        let mut second = Module::new();
        second.section(&types);
        let mut imports = ImportSection::new();
        imports.import("a", "glue", EntityType::Function(1));
        imports.import("p", "%table", EntityType::Table(table));
        imports.import("p", "%a", EntityType::Function(0));
        second.section(&imports);
        let mut functions = FunctionSection::new();
        functions.function(0);
        second.section(&functions);
        let mut elements = ElementSection::new();
        elements.active(Some(0), &ConstExpr::i32_const(0), Elements::Functions([2].as_slice().into()));
        second.section(&elements);
        let mut code = CodeSection::new();
        let mut twice = Function::new([]);
        twice.instructions().call(0).local_get(0).call(1).call(1).end();
        code.function(&twice);
        second.section(&code);
        (first.finish(), second.finish())
    }

    #[test]
    fn the_second_part_calls_the_firsts_functions_through_the_table_not_exports() {
        let (first, second) = split_pair();
        let (first, second) = through_the_table(&first, &second).unwrap();
        for module in [&first, &second] {
            wasmparser::Validator::new().validate_all(module).expect("valid");
        }
        let (mut exports, mut tables, mut segments) = (Vec::new(), Vec::new(), Vec::new());
        for payload in Parser::new(0).parse_all(&first) {
            match payload.unwrap() {
                Payload::ExportSection(section) => exports = section.into_iter().map(|e| e.unwrap().name.to_owned()).collect(),
                Payload::TableSection(section) => tables = section.into_iter().map(|t| t.unwrap().ty.initial).collect(),
                Payload::ElementSection(section) => {
                    for element in section {
                        let ElementItems::Functions(functions) = element.unwrap().items else { panic!("functions") };
                        segments.push(functions.into_iter().map(Result::unwrap).collect::<Vec<_>>());
                    }
                }
                _ => {}
            }
        }
        assert_eq!(exports, ["%table", "start"], "the function export wasm-split made is gone, the others stay");
        assert_eq!(tables, [3], "the table has one slot more");
        assert_eq!(segments, [vec![1], vec![0]], "the slot holds the function that was exported");
        let (mut imports, mut ops) = (Vec::new(), Vec::new());
        for payload in Parser::new(0).parse_all(&second) {
            match payload.unwrap() {
                Payload::ImportSection(section) => {
                    imports = section.into_imports().map(|i| i.unwrap().name.to_owned()).collect();
                }
                Payload::CodeSectionEntry(body) => {
                    ops = body.get_operators_reader().unwrap().into_iter().map(|op| format!("{:?}", op.unwrap())).collect();
                }
                _ => {}
            }
        }
        assert_eq!(imports, ["glue", "%table"]);
        assert_eq!(
            ops,
            [
                "Call { function_index: 0 }",
                "LocalGet { local_index: 0 }",
                "I32Const { value: 2 }",
                "CallIndirect { type_index: 0, table_index: 0 }",
                "I32Const { value: 2 }",
                "CallIndirect { type_index: 0, table_index: 0 }",
                "End"
            ],
            "the glue's import is called as before, the first part's function through slot 2"
        );
    }

    #[test]
    fn kept_code_calling_a_roots_closure_fails_the_build() {
        let wasm = module(&[
            ("mount", &[9]),
            ("<w::widget::Widget>::show_thanks", &[]),
            ("<w::widget::Widget>::share_link", &[]),
            ("<w::widget::Widget>::copy_link", &[]),
            ("x", &[]),
            ("y", &[]),
            ("<w::widget::Widget>::native_share", &[]),
            ("<w::widget::Widget>::again", &[]),
            ("<w::widget::Widget>::copy_link::{closure#2}", &[]),
            ("in_table", &[]),
            ("<w::widget::Widget>::suggest_email", &[]),
            ("<w::widget::Widget>::accept_suggestion", &[]),
            ("<w::widget::Widget>::send_soon", &[]),
            ("<w::widget::Widget>::first_challenge", &[]),
        ]);
        let error = moved(&wasm).unwrap_err().to_string();
        assert!(error.contains("mount stays but calls <w::widget::Widget>::copy_link::{closure#2}"), "{error}");
    }

    #[test]
    fn a_root_missing_from_the_wasm_fails_the_build() {
        let wasm = module(&[("mount", &[]), ("<w::widget::Widget>::copy_link::{closure#2}", &[]), ("in_table", &[])]);
        assert!(moved(&wasm).unwrap_err().to_string().contains("show_thanks"));
    }

    #[test]
    fn names_are_escaped_as_binaryen_reads_them() {
        assert_eq!(
            escape("<petition_widget[a4]::widget::Widget>::again::{closure#0}"),
            "<petition_widget\\5ba4\\5d::widget::Widget>::again::\\7bclosure#0\\7d"
        );
        assert_eq!(escape("<&str as core::cmp::PartialEq<(a, b)>>"), "<&str\\20as\\20core::cmp::PartialEq<\\28a\\2c\\20b\\29>>");
        assert_eq!(escape("a\\b\"c"), "a\\5cb\\22c");
    }
}
