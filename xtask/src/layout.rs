//! The order of the wasm's functions, chosen for compression.
//!
//! A function's place in the code section changes nothing a browser does:
//! calls, exports and the closures' table name functions by index, and those
//! indices are renumbered to match. But gzip finds repeats only within its
//! last 32 KB, and the wasm's code is over 70 KB, so which functions sit near
//! each other decides which of their likenesses it can use. Functions of
//! about one size and one signature start alike (the same locals declared,
//! the same use of their parameters, the same prologue), so they go
//! together: by size class (powers of two), then signature, then size.
//! Measured on the widget at 45,541 B (issue 15, 2026-12-06): the wasm 314 B
//! smaller gzipped (45,227 B), 351 B brotli'd. Also measured, on the same
//! wasm (gzip): by size alone −183 B, by signature then size −204 B, the
//! reverse of binaryen's order −142 B, by call count (binaryen's
//! `--reorder-functions`) +223 B, greedy chains of the most alike next
//! (shared 3-, 4- or 6-byte sequences) −145 to −345 B depending on the
//! measure of likeness, and size classes of √2 or 4 rather than 2, or sizes
//! falling within a class, within 50 B of the rule: none better than it by
//! more than zopfli's own noise, and the chains less predictable.

use anyhow::{bail, Context};
use wasm_encoder::reencode::{self, Reencode};
use wasmparser::{Parser, Payload, TypeRef};

/// `wasm` with its functions in the order above, every reference to a
/// function renumbered. Fails on a custom section (a name section would
/// name the old numbers; the shipped wasm has none by now), and if what it
/// wrote does not validate: a call renumbered wrongly would most likely
/// meet the wrong signature there, not first in a visitor's browser.
pub fn lay_out(wasm: &[u8]) -> anyhow::Result<Vec<u8>> {
    let (mut imported, mut signatures, mut sizes) = (0u32, Vec::new(), Vec::new());
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import?.ty, TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::FunctionSection(functions) => {
                for signature in functions {
                    signatures.push(signature?);
                }
            }
            Payload::CodeSectionEntry(body) => sizes.push(body.range().len()),
            Payload::CustomSection(section) => bail!("the wasm has a custom section, {:?}", section.name()),
            _ => {}
        }
    }
    if sizes.len() != signatures.len() {
        bail!("the wasm declares {} functions and has {} bodies", signatures.len(), sizes.len());
    }
    let order = order(&signatures, &sizes);
    let mut place = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        place[old] = u32::try_from(new)?;
    }
    let mut module = wasm_encoder::Module::new();
    Renumber { imported, order, place, signatures }
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|error| anyhow::anyhow!("{error:?}"))
        .context("rewriting the wasm")?;
    let laid_out = module.finish();
    wasmparser::Validator::new().validate_all(&laid_out).context("the wasm, laid out, does not validate")?;
    Ok(laid_out)
}

/// The defined functions' old numbers (from 0, after the imports) in their
/// new order: by size class, signature, size, and where all three are equal,
/// as they were.
fn order(signatures: &[u32], sizes: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&f| (sizes[f].ilog2(), signatures[f], sizes[f]));
    order
}

struct Renumber {
    imported: u32,
    /// Old numbers in new order.
    order: Vec<usize>,
    /// New number by old.
    place: Vec<u32>,
    signatures: Vec<u32>,
}

impl Reencode for Renumber {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, function: u32) -> Result<u32, reencode::Error<Self::Error>> {
        Ok(match function.checked_sub(self.imported) {
            Some(defined) => self.imported + self.place[defined as usize],
            None => function,
        })
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        _: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        for &old in &self.order {
            functions.function(self.signatures[old]);
        }
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        let mut bodies = Vec::new();
        for body in section {
            let body = body?;
            let mut function = self.new_function_with_parsed_locals(&body)?;
            let mut reader = body.get_operators_reader()?;
            while !reader.eof() {
                function.instruction(&self.parse_instruction(&mut reader)?);
            }
            bodies.push(function.into_raw_body());
        }
        for &old in &self.order {
            code.raw(&bodies[old]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use wasm_encoder::{
        CodeSection, ConstExpr, ElementSection, Elements, ExportKind, ExportSection, Function, FunctionSection,
        ImportSection, Instruction, Module, TableSection, TableType, TypeSection, ValType,
    };
    use wasmparser::{Operator, Validator};

    use super::*;

    /// A module importing one function, with three of its own that call
    /// each other, one exported and two in a table, the largest first.
    fn module() -> Vec<u8> {
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], [ValType::I32]);
        module.section(&types);
        let mut imports = ImportSection::new();
        imports.import("a", "a", wasm_encoder::EntityType::Function(0));
        module.section(&imports);
        let mut functions = FunctionSection::new();
        for _ in 0..3 {
            functions.function(0);
        }
        module.section(&functions);
        let mut tables = TableSection::new();
        tables.table(TableType {
            element_type: wasm_encoder::RefType::FUNCREF,
            table64: false,
            minimum: 2,
            maximum: None,
            shared: false,
        });
        module.section(&tables);
        let mut exports = ExportSection::new();
        exports.export("big", ExportKind::Func, 1);
        module.section(&exports);
        let mut elements = ElementSection::new();
        elements.active(Some(0), &ConstExpr::i32_const(0), Elements::Functions([2, 3].as_slice().into()));
        module.section(&elements);
        let mut code = CodeSection::new();
        // 1: large, calls 2 and 3 and the import; 2: calls 3; 3: returns 7.
        let mut big = Function::new([]);
        for _ in 0..40 {
            big.instruction(&Instruction::Nop);
        }
        big.instructions()
            .call(2)
            .call(3)
            .i32_add()
            .call(0)
            .i32_add()
            .end();
        code.function(&big);
        let mut middle = Function::new([]);
        middle.instructions().call(3).i32_const(1).i32_add().end();
        code.function(&middle);
        let mut small = Function::new([]);
        small.instructions().i32_const(7).end();
        code.function(&small);
        module.section(&code);
        module.finish()
    }

    /// Each function's calls (as the numbers they call), by its number.
    fn calls(wasm: &[u8]) -> Vec<Vec<u32>> {
        let mut all = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::CodeSectionEntry(body) = payload.unwrap() {
                let mut calls = Vec::new();
                for op in body.get_operators_reader().unwrap() {
                    if let Operator::Call { function_index } = op.unwrap() {
                        calls.push(function_index);
                    }
                }
                all.push(calls);
            }
        }
        all
    }

    #[test]
    fn smallest_first_and_every_reference_follows_its_function() {
        let wasm = lay_out(&module()).unwrap();
        Validator::new().validate_all(&wasm).expect("a valid module");
        // Now 1: returns 7, 2: calls it, 3: the large one, calling both
        // and the import, which keeps its number.
        assert_eq!(calls(&wasm), [vec![], vec![1], vec![2, 1, 0]]);
        let (mut exported, mut tabled) = (None, Vec::new());
        for payload in Parser::new(0).parse_all(&wasm) {
            match payload.unwrap() {
                Payload::ExportSection(exports) => exported = Some(exports.into_iter().next().unwrap().unwrap().index),
                Payload::ElementSection(elements) => {
                    let element = elements.into_iter().next().unwrap().unwrap();
                    let wasmparser::ElementItems::Functions(functions) = element.items else { panic!("functions") };
                    tabled = functions.into_iter().map(Result::unwrap).collect();
                }
                _ => {}
            }
        }
        assert_eq!(exported, Some(3), "the export names the large function, moved last");
        assert_eq!(tabled, [2, 1], "the table holds the same two functions, renumbered");
    }

    #[test]
    fn laid_out_twice_is_laid_out_once() {
        let once = lay_out(&module()).unwrap();
        assert_eq!(lay_out(&once).unwrap(), once);
    }
}
