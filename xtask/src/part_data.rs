//! The second part's words, moved out of the first part's data.
//!
//! `wasm-split` moves functions, not data: the words and records of the
//! texts only the second part shows (`petition_core::text::PART`, one
//! static: the texts' 12-byte records, then their words) would stay in the
//! first part, loaded by every visitor. Here they leave the first part's
//! data segments and become an active segment of the second part at the
//! same addresses, written into the memory it imports when it is
//! instantiated, before any of its code runs.
//!
//! Until then those bytes are zeros, so the build refuses to move them if
//! anything left in the first part could read them: a constant of its code
//! (an `i32.const`, either half of an `i64.const`, a load's or store's
//! offset, a global's value) inside the static or at its end, or a word of
//! its data that points into it (a record or table elsewhere that leads
//! there). The linker writes every address of a static as one constant of
//! its own (the static's plus an offset), so code reaching the static has
//! one of them.

use std::ops::Range;

use anyhow::{bail, Context};
use wasm_encoder::reencode::{self, Reencode};
use wasmparser::{DataKind, Operator, Parser, Payload};

/// The static as the host sees it: each text's words (as offsets into the
/// words) and the words. On wasm32 a text's record is 12 bytes, its words'
/// address and length first.
pub struct Static<'a> {
    pub texts: Vec<Range<usize>>,
    pub words: &'a [u8],
}

/// `petition_core::text::PART`, whose layout this reads from the host's copy.
pub fn part() -> Static<'static> {
    let part = &petition_core::lang::text::PART;
    let start = part.words.as_ptr() as usize;
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
    Static { texts, words: &part.words }
}

/// The size of a text's record in the wasm.
const RECORD: usize = 12;

/// `first` without the static's bytes, `second` with them, and how many
/// bytes moved.
pub fn move_data(first: &[u8], second: &[u8], part: &Static) -> anyhow::Result<(Vec<u8>, Vec<u8>, usize)> {
    let segments = active_segments(first)?;
    // The words, found once in the data; the records just before them.
    let mut found = segments.iter().flat_map(|(at, bytes)| {
        bytes.windows(part.words.len()).enumerate().filter(|(_, w)| *w == part.words).map(move |(i, _)| at + i)
    });
    let words = found.next().context("the second part's words (core's text::PART) are not in the first part's data")?;
    if found.next().is_some() {
        bail!("the second part's words (core's text::PART) are in the first part's data twice");
    }
    let start = words.checked_sub(RECORD * part.texts.len()).context("the second part's words have no room for their records")?;
    let end = words + part.words.len();
    let image = |address: usize| {
        segments.iter().find(|(at, bytes)| (*at..at + bytes.len()).contains(&address)).map_or(0, |(at, bytes)| bytes[address - at])
    };
    let bytes: Vec<u8> = (start..end).map(image).collect();
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    for (i, text) in part.texts.iter().enumerate() {
        if word(RECORD * i) != words + text.start || word(RECORD * i + 4) != text.len() {
            bail!("text {i} of core's text::PART has no record of its words just before them (has Text's layout changed?)");
        }
    }
    // What is left in the first part must not lead there.
    let inside = |value: u64| (start as u64..=end as u64).contains(&value);
    for value in constants(first)? {
        if inside(value) {
            bail!("the first part's code has the address {value}, inside core's text::PART ({start}..{end}), which moves to the second part: a text of it is shown without the part (see PART in core/build.rs)");
        }
    }
    for (at, data) in &segments {
        for address in (at.next_multiple_of(4)..at + data.len().saturating_sub(3)).step_by(4) {
            let value = u32::from_le_bytes(data[address - at..address - at + 4].try_into().unwrap()) as usize;
            if !(start..end).contains(&address) && (start..end).contains(&value) {
                bail!("the first part's data at {address} points into core's text::PART ({start}..{end}), which moves to the second part");
            }
        }
    }
    // As many segments as before, less those it splits or takes.
    let mut count = 0;
    for payload in Parser::new(0).parse_all(first) {
        if let Payload::DataSection(section) = payload? {
            count += section.count() as usize;
        }
    }
    for (at, data) in &segments {
        count = count - 1 + outside(*at..at + data.len(), &(start..end)).count();
    }
    let mut module = wasm_encoder::Module::new();
    Without { range: start..end, count: count as u32 }
        .parse_core_module(&mut module, Parser::new(0), first)
        .map_err(|error| anyhow::anyhow!("{error:?}"))
        .context("taking the second part's words out of the first part")?;
    let first = module.finish();

    let mut second = second.to_vec();
    for payload in Parser::new(0).parse_all(&second) {
        if let Payload::DataSection(_) | Payload::DataCountSection { .. } = payload? {
            bail!("the second part has data of its own");
        }
    }
    let mut data = wasm_encoder::DataSection::new();
    data.active(0, &wasm_encoder::ConstExpr::i32_const(start as i32), bytes.iter().copied());
    // (At the end, after any custom section: only custom sections may
    // follow data.)
    second.push(wasm_encoder::SectionId::Data as u8);
    wasm_encoder::Encode::encode(&data, &mut second);
    Ok((first, second, end - start))
}

/// The active data segments of memory 0, by address.
fn active_segments(wasm: &[u8]) -> anyhow::Result<Vec<(usize, Vec<u8>)>> {
    let mut segments = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::DataSection(section) => {
                for segment in section {
                    let segment = segment?;
                    if let DataKind::Active { memory_index: 0, offset_expr } = segment.kind {
                        let Operator::I32Const { value } = offset_expr.get_operators_reader().read()? else {
                            bail!("a data segment of the first part is at an address not a constant");
                        };
                        segments.push((value as u32 as usize, segment.data.to_vec()));
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                for op in body.get_operators_reader()? {
                    if let Operator::MemoryInit { .. } | Operator::DataDrop { .. } = op? {
                        bail!("the first part names its data segments by number (memory.init, data.drop), which taking the words out would change");
                    }
                }
            }
            _ => {}
        }
    }
    Ok(segments)
}

/// Every constant of `wasm`'s code and globals that could be an address.
fn constants(wasm: &[u8]) -> anyhow::Result<Vec<u64>> {
    let mut values = Vec::new();
    let mut read = |op: Operator| match op {
        Operator::I32Const { value } => values.push(u64::from(value as u32)),
        Operator::I64Const { value } => values.extend([value as u64 & 0xffff_ffff, value as u64 >> 32]),
        op => {
            if let Some(memarg) = memarg(&op) {
                values.push(memarg);
            }
        }
    };
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::CodeSectionEntry(body) => {
                for op in body.get_operators_reader()? {
                    read(op?);
                }
            }
            Payload::GlobalSection(globals) => {
                for global in globals {
                    for op in global?.init_expr.get_operators_reader() {
                        read(op?);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(values)
}

/// A load's or store's offset.
fn memarg(op: &Operator) -> Option<u64> {
    use Operator::*;
    match op {
        I32Load { memarg } | I64Load { memarg } | F32Load { memarg } | F64Load { memarg } | I32Load8S { memarg }
        | I32Load8U { memarg } | I32Load16S { memarg } | I32Load16U { memarg } | I64Load8S { memarg }
        | I64Load8U { memarg } | I64Load16S { memarg } | I64Load16U { memarg } | I64Load32S { memarg }
        | I64Load32U { memarg } | I32Store { memarg } | I64Store { memarg } | F32Store { memarg } | F64Store { memarg }
        | I32Store8 { memarg } | I32Store16 { memarg } | I64Store8 { memarg } | I64Store16 { memarg }
        | I64Store32 { memarg } | V128Load { memarg } | V128Store { memarg } => Some(memarg.offset),
        _ => None,
    }
}

/// The pieces of `segment` (addresses) outside `range`: none, one or two.
fn outside(segment: Range<usize>, range: &Range<usize>) -> impl Iterator<Item = Range<usize>> {
    let (start, end) = (range.start.clamp(segment.start, segment.end), range.end.clamp(segment.start, segment.end));
    [segment.start..start, end..segment.end].into_iter().filter(|piece| !piece.is_empty())
}

/// The first part, rewritten: its active segments without `range`, and
/// `count` of them in all.
struct Without {
    range: Range<usize>,
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
            let DataKind::Active { memory_index: 0, offset_expr } = &segment.kind else {
                reencode::utils::parse_data(self, data, segment)?;
                continue;
            };
            let Ok(Operator::I32Const { value }) = offset_expr.get_operators_reader().read() else {
                reencode::utils::parse_data(self, data, segment)?;
                continue;
            };
            let at = value as u32 as usize;
            for piece in outside(at..at + segment.data.len(), &self.range) {
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
        CodeSection, ConstExpr, DataCountSection, DataSection, EntityType, Function, FunctionSection, ImportSection,
        Instruction, MemArg, MemorySection, MemoryType, Module, TypeSection,
    };

    use super::*;

    const MEMORY: MemoryType = MemoryType { minimum: 1, maximum: None, memory64: false, shared: false, page_size_log2: None };
    /// Where the test's data starts, and the static in it (after 8 bytes).
    const AT: usize = 1024;
    const START: usize = AT + 8;
    const WORDS: &[u8] = b"Link copied.Did you mean {email}?";

    fn part() -> Static<'static> {
        Static { texts: vec![0..12, 12..WORDS.len()], words: WORDS }
    }

    /// The data: 8 bytes, the static's two records and words, then `after`.
    fn data(after: &[u8]) -> Vec<u8> {
        let mut data = b"before..".to_vec();
        let words = (START + 2 * RECORD) as u32;
        for (at, len) in [(0, 12), (12, WORDS.len() as u32 - 12)] {
            data.extend((words + at).to_le_bytes());
            data.extend(len.to_le_bytes());
            data.extend([0, 7, 0, 0]);
        }
        data.extend(WORDS);
        data.extend(after);
        data
    }

    /// A first part: one function running `code`, the data, counted.
    fn first(code: &[Instruction], after: &[u8]) -> Vec<u8> {
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
        module.section(&DataCountSection { count: 1 });
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
        module.section(&segments);
        module.finish()
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
        active_segments(wasm).unwrap()
    }

    /// Code reading the data before the static, as the first part may.
    const BEFORE: [Instruction; 3] =
        [Instruction::I32Const(AT as i32), Instruction::I32Load(MemArg { offset: 4, align: 2, memory_index: 0 }), Instruction::Drop];

    #[test]
    fn the_static_leaves_the_first_part_for_the_second() {
        let (first, second, moved) = move_data(&first(&BEFORE, b"after"), &second(), &part()).unwrap();
        assert_eq!(moved, 2 * RECORD + WORDS.len());
        assert_eq!(segments(&first), [(AT, b"before..".to_vec()), (START + moved, b"after".to_vec())]);
        assert_eq!(segments(&second), [(START, data(b"")[8..].to_vec())]);
    }

    #[test]
    fn the_first_part_keeps_its_words_if_its_code_reads_one() {
        let word = (START + 2 * RECORD + 12) as i32;
        for code in [
            vec![Instruction::I32Const(word), Instruction::Drop],
            vec![Instruction::I64Const(i64::from(word) << 32 | 21), Instruction::Drop],
            vec![Instruction::I32Const(0), Instruction::I32Load8U(MemArg { offset: word as u64, align: 0, memory_index: 0 }), Instruction::Drop],
            // A record's address, and the static's end.
            vec![Instruction::I32Const((START + RECORD) as i32), Instruction::Drop],
            vec![Instruction::I32Const((START + 2 * RECORD + WORDS.len()) as i32), Instruction::Drop],
        ] {
            let error = move_data(&first(&code, b""), &second(), &part()).unwrap_err().to_string();
            assert!(error.contains("the first part's code has the address"), "{code:?}: {error}");
        }
    }

    #[test]
    fn the_first_part_keeps_its_words_if_its_data_points_at_one() {
        let pointer = ((START + 2 * RECORD) as u32).to_le_bytes();
        // (The static ends at an address 4 bytes apart from the next
        // aligned one: pad to it.)
        let pad = (4 - (START + 2 * RECORD + WORDS.len()) % 4) % 4;
        let after = [&[0u8; 4][..pad], &pointer[..]].concat();
        let error = move_data(&first(&BEFORE, &after), &second(), &part()).unwrap_err().to_string();
        assert!(error.contains("the first part's data at"), "{error}");
    }

    #[test]
    fn words_not_found_once_are_not_moved() {
        let error = move_data(&first(&BEFORE, WORDS), &second(), &part()).unwrap_err().to_string();
        assert!(error.contains("twice"), "{error}");
        let other = Static { texts: vec![0..5], words: b"Share" };
        let error = move_data(&first(&BEFORE, b""), &second(), &other).unwrap_err().to_string();
        assert!(error.contains("are not in the first part's data"), "{error}");
    }

    #[test]
    fn records_that_do_not_match_the_words_are_refused() {
        let wrong = Static { texts: vec![0..11, 11..WORDS.len()], words: WORDS };
        let error = move_data(&first(&BEFORE, b""), &second(), &wrong).unwrap_err().to_string();
        assert!(error.contains("has no record of its words"), "{error}");
    }
}
