//! The data only the second part reads, moved out of the first part's.
//!
//! `wasm-split` moves functions, not data: what only the moved code reads
//! would stay in the first part, loaded by every visitor. Three statics of
//! core's hold such data as bytes (see [`statics`]): the texts only the
//! second part shows (`petition_core::lang::text::PART`: their 12-byte
//! records, then their words), the common email domains and the share
//! links' targets. Here they leave the first part's data segments and
//! become active segments of the second part at the same addresses,
//! written into the memory it imports when it is instantiated, before any
//! of its code runs.
//!
//! Until then those bytes are zeros, so the build refuses to move them if
//! anything left in the first part has an address inside them: a constant
//! of its code (an `i32.const`, either half of an `i64.const`, a load's or
//! store's offset, a load's offset added to the constant just before it, a
//! global's value), or a 4-aligned word of its data (a record or table
//! elsewhere that leads there), and a constant of its code up to 4 bytes
//! below a static (LLVM folds an index's constant into the address:
//! `S[i - 3]` is `S - 3` plus `i`). An address made from a constant further
//! below a static and a number computed at run time the check would not
//! see; the e2e tests that draw what moved are the other net. Each static
//! moved ends in a zero that moves with it (`petition_core::Bytes`), so an
//! address just past its words, where a loop over them stops, is inside it
//! too and not the start of another.

use std::ops::Range;

use anyhow::{bail, Context};
use wasm_encoder::reencode::{self, Reencode};
use wasmparser::{DataKind, Operator, Parser, Payload};

/// A static as the host sees it: its text records' words (as offsets into
/// the words), if it has records, and its words (without the zero after
/// them). On wasm32 a text's record is 12 bytes, its words' address and
/// length first, and the records come just before the words.
pub struct Static<'a> {
    pub texts: Vec<Range<usize>>,
    pub words: &'a [u8],
}

/// The statics to move: `petition_core::lang::text::PART` (whose layout
/// this reads from the host's copy), the common email domains and the share
/// links' targets.
pub fn statics() -> Vec<Static<'static>> {
    let part = &petition_core::lang::text::PART;
    let start = part.words.as_str().as_ptr() as usize;
    let texts = part
        .texts
        .iter()
        .map(|text| {
            let (first, last) = match text.english() {
                petition_core::lang::Words::Plain(words) => (words, words),
                petition_core::lang::Words::Plural { one, other } => (one, other),
            };
            first.as_ptr() as usize - start..last.as_ptr() as usize + last.len() - start
        })
        .collect();
    vec![
        Static { texts, words: part.words.as_str().as_bytes() },
        Static { texts: Vec::new(), words: petition_core::fields::COMMON_DOMAINS.as_str().as_bytes() },
        Static { texts: Vec::new(), words: petition_core::links::SHARE_TARGETS.as_str().as_bytes() },
    ]
}

/// How far below a static a constant of code is taken as an address in it.
const BELOW: usize = 4;

/// The size of a text's record in the wasm.
const RECORD: usize = 12;

/// `first` without the statics' bytes, `second` with them, and how many
/// bytes moved.
pub fn move_data(first: &[u8], second: &[u8], statics: &[Static]) -> anyhow::Result<(Vec<u8>, Vec<u8>, usize)> {
    let First { segments, mut count, constants } = read(first)?;
    let image = |address: usize| {
        segments.iter().find(|(at, bytes)| (*at..at + bytes.len()).contains(&address)).map_or(0, |(at, bytes)| bytes[address - at])
    };
    let mut ranges = Vec::new();
    for (n, part) in statics.iter().enumerate() {
        // The words, found once in the data; the records just before them.
        let mut found = segments.iter().flat_map(|(at, bytes)| {
            bytes.windows(part.words.len()).enumerate().filter(|(_, w)| *w == part.words).map(move |(i, _)| at + i)
        });
        let words = found.next().with_context(|| format!("static {n} to move to the second part is not in the first part's data"))?;
        if found.next().is_some() {
            bail!("static {n} to move to the second part is in the first part's data twice");
        }
        let start = words.checked_sub(RECORD * part.texts.len()).context("a static's words have no room for their records")?;
        let word = |at: usize| u32::from_le_bytes([0, 1, 2, 3].map(|i| image(at + i))) as usize;
        for (i, text) in part.texts.iter().enumerate() {
            if word(start + RECORD * i) != words + text.start || word(start + RECORD * i + 4) != text.len() {
                bail!("text {i} of static {n} has no record of its words just before them (has Text's layout changed?)");
            }
        }
        let end = words + part.words.len();
        if image(end) != 0 {
            bail!("static {n} to move to the second part has no zero after its words");
        }
        // (With the zero.)
        ranges.push(start..end + 1);
    }
    ranges.sort_by_key(|range| range.start);
    if ranges.windows(2).any(|pair| pair[0].end > pair[1].start) {
        bail!("two statics to move overlap");
    }
    // What is left in the first part must not lead there.
    let inside = |value: usize| ranges.iter().find(|range| range.contains(&value));
    // (Code's constants a few bytes below a static too: LLVM folds a
    // constant of an index into the address, `S[i - 3]` being `S - 3` plus
    // `i`. Further below, the check does not see it.)
    let near = |value: usize| ranges.iter().find(|range| (range.start.saturating_sub(BELOW)..range.end).contains(&value));
    for value in constants {
        if let Some(range) = usize::try_from(value).ok().and_then(near) {
            bail!("the first part's code has the address {value}, in or just below {range:?}, which moves to the second part: something moved is read without the part (see xtask/src/part_data.rs)");
        }
    }
    // (Every aligned word of the memory as the data leaves it, zeros
    // between segments included: binaryen cuts runs of zeros out of the
    // segments, a pointer's high zero byte among them.)
    let low = segments.iter().map(|(at, _)| *at).min().unwrap_or(0);
    let high = segments.iter().map(|(at, bytes)| at + bytes.len()).max().unwrap_or(0);
    for address in (low - low % 4..high).step_by(4) {
        let value = u32::from_le_bytes([0, 1, 2, 3].map(|i| image(address + i))) as usize;
        if let Some(range) = inside(value).filter(|_| inside(address).is_none()) {
            bail!("the first part's data at {address} points into {range:?}, which moves to the second part");
        }
    }
    // As many segments as before, less those it splits or takes.
    for (at, data) in &segments {
        count = count - 1 + outside(*at..at + data.len(), &ranges).len();
    }
    let mut module = wasm_encoder::Module::new();
    Without { ranges: ranges.clone(), count: count as u32 }
        .parse_core_module(&mut module, Parser::new(0), first)
        .map_err(|error| anyhow::anyhow!("{error:?}"))
        .context("taking the second part's data out of the first part")?;
    let first = module.finish();

    let mut second = second.to_vec();
    for payload in Parser::new(0).parse_all(&second) {
        if let Payload::DataSection(_) | Payload::DataCountSection { .. } = payload? {
            bail!("the second part has data of its own");
        }
    }
    let mut data = wasm_encoder::DataSection::new();
    for range in &ranges {
        data.active(0, &wasm_encoder::ConstExpr::i32_const(range.start as i32), range.clone().map(image));
    }
    // (At the end, after any custom section: only custom sections may
    // follow data.)
    second.push(wasm_encoder::SectionId::Data as u8);
    wasm_encoder::Encode::encode(&data, &mut second);
    Ok((first, second, ranges.iter().map(ExactSizeIterator::len).sum()))
}

/// What the check reads of the first part: its active segments of memory
/// 0 (by address), how many segments it has in all, and every constant of
/// its code and globals that could be an address.
struct First {
    segments: Vec<(usize, Vec<u8>)>,
    count: usize,
    constants: Vec<u64>,
}

/// The first part, read once.
fn read(wasm: &[u8]) -> anyhow::Result<First> {
    let mut first = First { segments: Vec::new(), count: 0, constants: Vec::new() };
    // (The first reason to refuse the operators give, if any.)
    let (mut last, mut refused) = (None, None);
    let mut op = |op: Operator| {
        match op {
            Operator::I32Const { value } => first.constants.push(u64::from(value as u32)),
            Operator::I64Const { value } => first.constants.extend([value as u64 & 0xffff_ffff, value as u64 >> 32]),
            Operator::MemoryInit { .. } | Operator::DataDrop { .. } => {
                refused.get_or_insert_with(|| "the first part names its data segments by number (memory.init, data.drop), which taking the words out would change".to_owned());
            }
            ref op => {
                if let Some((offset, load)) = memarg(op) {
                    first.constants.push(offset);
                    // A load from a constant address, split between the two.
                    if let (true, Some(base)) = (load, last) {
                        first.constants.push(base + offset);
                    }
                } else if format!("{op:?}").contains("memarg") {
                    // (A memory instruction `memarg` does not know, SIMD's
                    // or atomics', has an offset the check would miss.)
                    refused.get_or_insert_with(|| format!("the first part has a memory instruction the check does not know: {op:?} (see memarg in xtask/src/part_data.rs)"));
                }
            }
        }
        last = if let Operator::I32Const { value } = op { Some(u64::from(value as u32)) } else { None };
    };
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::DataSection(section) => {
                first.count += section.count() as usize;
                for segment in section {
                    let segment = segment?;
                    if let Some(at) = address(&segment.kind)? {
                        first.segments.push((at, segment.data.to_vec()));
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                for operator in body.get_operators_reader()? {
                    op(operator?);
                }
            }
            Payload::GlobalSection(globals) => {
                for global in globals {
                    for operator in global?.init_expr.get_operators_reader() {
                        op(operator?);
                    }
                }
            }
            _ => {}
        }
    }
    match refused {
        Some(reason) => bail!(reason),
        None => Ok(first),
    }
}

/// Where an active segment of memory 0 is (`None` for any other segment);
/// an error if not at a constant address (one `i32.const`, not a sum).
fn address(kind: &DataKind) -> anyhow::Result<Option<usize>> {
    let DataKind::Active { memory_index: 0, offset_expr } = kind else { return Ok(None) };
    let mut operators = offset_expr.get_operators_reader();
    let (Ok(Operator::I32Const { value }), Ok(Operator::End)) = (operators.read(), operators.read()) else {
        bail!("a data segment of the first part is at an address not a constant");
    };
    Ok(Some(value as u32 as usize))
}

/// A load's or store's offset, and whether it is a load (whose address is
/// the operand just before it).
fn memarg(op: &Operator) -> Option<(u64, bool)> {
    use Operator::*;
    match op {
        I32Load { memarg } | I64Load { memarg } | F32Load { memarg } | F64Load { memarg } | I32Load8S { memarg }
        | I32Load8U { memarg } | I32Load16S { memarg } | I32Load16U { memarg } | I64Load8S { memarg }
        | I64Load8U { memarg } | I64Load16S { memarg } | I64Load16U { memarg } | I64Load32S { memarg }
        | I64Load32U { memarg } | V128Load { memarg } => Some((memarg.offset, true)),
        I32Store { memarg } | I64Store { memarg } | F32Store { memarg } | F64Store { memarg } | I32Store8 { memarg }
        | I32Store16 { memarg } | I64Store8 { memarg } | I64Store16 { memarg } | I64Store32 { memarg }
        | V128Store { memarg } => Some((memarg.offset, false)),
        _ => None,
    }
}

/// The pieces of `segment` (addresses) outside `ranges` (in order, apart).
fn outside(segment: Range<usize>, ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let (mut pieces, mut from) = (Vec::new(), segment.start);
    for range in ranges {
        let (start, end) = (range.start.clamp(from, segment.end), range.end.clamp(from, segment.end));
        pieces.push(from..start);
        from = end;
    }
    pieces.push(from..segment.end);
    pieces.retain(|piece| !piece.is_empty());
    pieces
}

/// The first part, rewritten: its active segments without `ranges`, and
/// `count` of them in all.
struct Without {
    ranges: Vec<Range<usize>>,
    count: u32,
}

impl Reencode for Without {
    type Error = std::convert::Infallible;

    fn data_count(&mut self, _: u32) -> Result<u32, reencode::Error<Self::Error>> {
        Ok(self.count)
    }

    fn parse_data_section(
        &mut self,
        data: &mut wasm_encoder::DataSection,
        section: wasmparser::DataSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        for segment in section {
            let segment = segment?;
            // (Passive segments and other memories' go through as they
            // are; `read` refused an active one not at a constant address.)
            let Ok(Some(at)) = address(&segment.kind) else {
                reencode::utils::parse_data(self, data, segment)?;
                continue;
            };
            for piece in outside(at..at + segment.data.len(), &self.ranges) {
                let offset = wasm_encoder::ConstExpr::i32_const(piece.start as i32);
                data.active(0, &offset, segment.data[piece.start - at..piece.end - at].iter().copied());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use wasm_encoder::{
        CodeSection, ConstExpr, DataCountSection, DataSection, EntityType, Function, FunctionSection, GlobalSection,
        GlobalType, ImportSection, Instruction, MemArg, MemorySection, MemoryType, Module, TypeSection, ValType,
    };

    use super::*;

    const MEMORY: MemoryType = MemoryType { minimum: 1, maximum: None, memory64: false, shared: false, page_size_log2: None };
    /// Where the test's data starts, and the static in it (after 8 bytes).
    const AT: usize = 1024;
    const START: usize = AT + 8;
    const WORDS: &[u8] = b"Link copied.Did you mean {email}?";
    /// The static's zero, after its records and words: the last byte moved.
    const ZERO: usize = START + 2 * RECORD + WORDS.len();

    fn part() -> Static<'static> {
        Static { texts: vec![0..12, 12..WORDS.len()], words: WORDS }
    }

    /// The data: 8 bytes, the static's two records, words and zero, then
    /// `after`.
    fn data(after: &[u8]) -> Vec<u8> {
        let mut data = b"before..".to_vec();
        let words = (START + 2 * RECORD) as u32;
        for (at, len) in [(0, 12), (12, WORDS.len() as u32 - 12)] {
            data.extend((words + at).to_le_bytes());
            data.extend(len.to_le_bytes());
            data.extend([0, 7, 0, 0]);
        }
        data.extend(WORDS);
        data.push(0);
        data.extend(after);
        data
    }

    /// A first part: one function running `code`, a global of `global`'s
    /// value, and the data with these segments after it, counted.
    fn first_with(code: &[Instruction], after: &[u8], more: &[(usize, &[u8])], global: i32) -> Vec<u8> {
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        module.section(&types);
        let mut functions = FunctionSection::new();
        functions.function(0);
        module.section(&functions);
        let mut memories = MemorySection::new();
        memories.memory(MEMORY);
        module.section(&memories);
        let mut globals = GlobalSection::new();
        globals.global(GlobalType { val_type: ValType::I32, mutable: true, shared: false }, &ConstExpr::i32_const(global));
        module.section(&globals);
        module.section(&DataCountSection { count: 1 + more.len() as u32 });
        let mut body = Function::new([]);
        for instruction in code {
            body.instruction(instruction);
        }
        body.instruction(&Instruction::End);
        let mut bodies = CodeSection::new();
        bodies.function(&body);
        module.section(&bodies);
        let mut segments = DataSection::new();
        segments.active(0, &ConstExpr::i32_const(AT as i32), data(after));
        for (at, bytes) in more {
            segments.active(0, &ConstExpr::i32_const(*at as i32), bytes.iter().copied());
        }
        module.section(&segments);
        module.finish()
    }

    fn first(code: &[Instruction], after: &[u8]) -> Vec<u8> {
        first_with(code, after, &[], 0)
    }

    /// A second part: the memory, imported.
    fn second() -> Vec<u8> {
        let mut module = Module::new();
        let mut imports = ImportSection::new();
        imports.import("a", "memory", EntityType::Memory(MEMORY));
        module.section(&imports);
        module.finish()
    }

    /// The active segments, validated.
    fn segments(wasm: &[u8]) -> Vec<(usize, Vec<u8>)> {
        wasmparser::Validator::new().validate_all(wasm).expect("valid");
        read(wasm).unwrap().segments
    }

    /// Code reading the data before the static, as the first part may.
    const BEFORE: [Instruction; 3] =
        [Instruction::I32Const(AT as i32), Instruction::I32Load(MemArg { offset: 0, align: 2, memory_index: 0 }), Instruction::Drop];

    fn load(offset: usize) -> Instruction<'static> {
        Instruction::I32Load8U(MemArg { offset: offset as u64, align: 0, memory_index: 0 })
    }

    #[test]
    fn the_static_leaves_the_first_part_for_the_second() {
        let (first, second, moved) = move_data(&first(&BEFORE, b"after"), &second(), &[part()]).unwrap();
        assert_eq!(moved, ZERO + 1 - START);
        assert_eq!(segments(&first), [(AT, b"before..".to_vec()), (ZERO + 1, b"after".to_vec())]);
        assert_eq!(segments(&second), [(START, data(b"")[8..].to_vec())]);
    }

    #[test]
    fn statics_without_records_move_too() {
        let domains = Static { texts: Vec::new(), words: b"after" };
        let (first, second, moved) = move_data(&first(&BEFORE, b"..after\0"), &second(), &[domains, part()]).unwrap();
        assert_eq!(moved, ZERO + 1 - START + 6);
        assert_eq!(segments(&first), [(AT, b"before..".to_vec()), (ZERO + 1, b"..".to_vec())]);
        assert_eq!(segments(&second), [(START, data(b"")[8..].to_vec()), (ZERO + 3, b"after\0".to_vec())]);
    }

    #[test]
    fn addresses_next_to_the_static_are_no_reason_to_keep_it() {
        let code = [
            Instruction::I32Const((START - BELOW) as i32 - 1),
            Instruction::Drop,
            Instruction::I32Const(0),
            load(ZERO + 1),
            Instruction::Drop,
        ];
        assert!(move_data(&first(&code, b"after"), &second(), &[part()]).is_ok());
    }

    #[test]
    fn the_first_part_keeps_its_words_if_its_code_reads_one() {
        let word = (START + 2 * RECORD + 12) as i32;
        for code in [
            vec![Instruction::I32Const(word), Instruction::Drop],
            vec![Instruction::I64Const(i64::from(word) << 32 | 21), Instruction::Drop],
            vec![Instruction::I64Const(21 << 32 | i64::from(word)), Instruction::Drop],
            vec![Instruction::I32Const(0), load(word as usize), Instruction::Drop],
            // A constant before the static, and an offset that reaches into it.
            vec![Instruction::I32Const(START as i32 - 4), load(8), Instruction::Drop],
            // An address a little below, with an index's constant folded in.
            vec![Instruction::I32Const(START as i32 - 3), Instruction::Drop],
            // A record's address, and the address just past the words.
            vec![Instruction::I32Const((START + RECORD) as i32), Instruction::Drop],
            vec![Instruction::I32Const(ZERO as i32), Instruction::Drop],
        ] {
            let error = move_data(&first(&code, b""), &second(), &[part()]).unwrap_err().to_string();
            assert!(error.contains("the first part's code has the address"), "{code:?}: {error}");
        }
        let error = move_data(&first_with(&BEFORE, b"", &[], word), &second(), &[part()]).unwrap_err().to_string();
        assert!(error.contains("the first part's code has the address"), "a global: {error}");
        let splat = [Instruction::I32Const(0), Instruction::V128Load8Splat(MemArg { offset: 0, align: 0, memory_index: 0 }), Instruction::Drop];
        let error = move_data(&first(&splat, b""), &second(), &[part()]).unwrap_err().to_string();
        assert!(error.contains("a memory instruction the check does not know"), "{error}");
    }

    #[test]
    fn segments_named_by_number_or_at_a_sum_are_refused() {
        let init = [Instruction::I32Const(0), Instruction::I32Const(0), Instruction::I32Const(0), Instruction::MemoryInit { mem: 0, data_index: 0 }];
        for code in [&init[..], &[Instruction::DataDrop(0)]] {
            let error = move_data(&first(code, b""), &second(), &[part()]).unwrap_err().to_string();
            assert!(error.contains("names its data segments by number"), "{code:?}: {error}");
        }
        // An extended constant: `i32.const`, `i32.const`, `i32.add`.
        let mut module = Module::new();
        module.section(&{
            let mut memories = MemorySection::new();
            memories.memory(MEMORY);
            memories
        });
        module.section(&{
            let mut segments = DataSection::new();
            let sum = ConstExpr::extended([Instruction::I32Const(AT as i32), Instruction::I32Const(8), Instruction::I32Add]);
            segments.active(0, &sum, data(b""));
            segments
        });
        let error = move_data(&module.finish(), &second(), &[part()]).unwrap_err().to_string();
        assert!(error.contains("at an address not a constant"), "{error}");
    }

    #[test]
    fn a_static_across_segments_moves_whole() {
        // As binaryen leaves it: the records' zeros cut out, so the static
        // spans several segments, one of them taken whole.
        let whole = data(b"after");
        let cut = |from: usize, to: usize| (AT + from, &whole[from..to]);
        let pieces = [cut(0, 13), cut(17, 18), cut(20, whole.len())];
        let mut module = Module::new();
        let mut memories = MemorySection::new();
        memories.memory(MEMORY);
        module.section(&memories);
        module.section(&DataCountSection { count: 3 });
        let mut segments_of = DataSection::new();
        for (at, bytes) in pieces {
            segments_of.active(0, &ConstExpr::i32_const(at as i32), bytes.iter().copied());
        }
        module.section(&segments_of);
        let (first, second, moved) = move_data(&module.finish(), &second(), &[part()]).unwrap();
        assert_eq!(moved, ZERO + 1 - START);
        assert_eq!(segments(&first), [(AT, b"before..".to_vec()), (ZERO + 1, b"after".to_vec())]);
        assert_eq!(segments(&second), [(START, data(b"")[8..].to_vec())]);
    }

    #[test]
    fn the_first_part_keeps_its_words_if_its_data_points_at_one() {
        let pointer = ((START + 2 * RECORD) as u32).to_le_bytes();
        // (The static may end off a 4-byte boundary: pad to the next one.)
        let pad = (4 - (ZERO + 1) % 4) % 4;
        let after = [&[1u8; 4][..pad], &pointer[..]].concat();
        let error = move_data(&first(&BEFORE, &after), &second(), &[part()]).unwrap_err().to_string();
        assert!(error.contains("the first part's data at"), "{error}");
        // A pointer whose high zero byte binaryen left out of its segment.
        let error = move_data(&first_with(&BEFORE, b"", &[(4096, &pointer[..3])], 0), &second(), &[part()]).unwrap_err().to_string();
        assert!(error.contains("the first part's data at 4096"), "{error}");
    }

    #[test]
    fn words_not_found_once_or_without_their_zero_are_not_moved() {
        let error = move_data(&first(&BEFORE, &[WORDS, b"\0"].concat()), &second(), &[part()]).unwrap_err().to_string();
        assert!(error.contains("static 0 to move to the second part is in the first part's data twice"), "{error}");
        let other = Static { texts: vec![Range { start: 0, end: 5 }], words: b"Share" };
        let error = move_data(&first(&BEFORE, b""), &second(), &[other]).unwrap_err().to_string();
        assert!(error.contains("static 0 to move to the second part is not in the first part's data"), "{error}");
        let cut = Static { texts: Vec::new(), words: b"Link copied." };
        let error = move_data(&first(&BEFORE, b""), &second(), &[cut]).unwrap_err().to_string();
        assert!(error.contains("has no zero after its words"), "{error}");
    }

    #[test]
    fn records_that_do_not_match_the_words_are_refused() {
        let wrong = Static { texts: vec![0..11, 11..WORDS.len()], words: WORDS };
        let error = move_data(&first(&BEFORE, b""), &second(), &[wrong]).unwrap_err().to_string();
        assert!(error.contains("has no record of its words"), "{error}");
    }
}
