//! The organiser's operations: petitions and their numbers, exports for
//! delivery and for partners, a signer's erasure, and the review of held
//! signatures. The command line (`petition-server admin …`) and the
//! organiser's HTTP API call these; what they read and change is in
//! [`crate::store`].

use std::io::Write;

pub use crate::store::{
    compact, erase, held, held_reasons, invalidate, list, review, review_reasons, Batch, Erased, Held, HeldReason,
    PartnerCount, Summary, Verdict,
};
use crate::store::{self, Db, ExportRow, StoreError};

/// Whom an export is for.
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    /// The campaign, delivering the petition: every counted signature.
    Organiser,
    /// A partner: only the people who signed on its pages and agreed to hear
    /// from it, and only what it needs to write to them.
    Partner(&'a str),
}

/// Rows fetched per query while exporting: the export never holds a read
/// open on the whole table, and reports progress between batches.
const EXPORT_BATCH: i64 = 1000;

/// Writes the petition's counted signatures as CSV to `out`, calling
/// `progress(done, total)` after each batch; returns how many rows.
///
/// Every cell is quoted, and one a spreadsheet would take for a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
/// prefixed with `'`, so opening the file runs nothing.
pub async fn export(
    db: &Db,
    slug: &str,
    audience: Audience<'_>,
    out: &mut impl Write,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, ExportError> {
    let partner = match audience {
        Audience::Organiser => None,
        Audience::Partner(partner) => Some(partner),
    };
    let (petition_id, total) = store::export_total(db, slug, partner).await?;
    let columns: &[&str] = match audience {
        Audience::Organiser => &[
            "signed_at", "first_name", "last_name", "email", "postcode", "outside_uk", "profession", "reason",
            "organiser_consent", "organiser_consent_text", "partner", "partner_consent", "partner_consent_text",
            "consent_at", "source", "confirmed_at",
        ],
        Audience::Partner(_) => {
            &["signed_at", "first_name", "last_name", "email", "postcode", "partner_consent_text", "consent_at"]
        }
    };
    write_row(out, columns.iter().copied())?;
    let mut after = 0i64;
    let mut done = 0u64;
    loop {
        let rows = store::export_page(db, petition_id, partner, after, EXPORT_BATCH).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in rows.iter().map(Cells::of) {
            let cells: Vec<&str> = match audience {
                Audience::Organiser => vec![
                    &row.created_at, &row.first_name, &row.last_name, &row.email, &row.postcode, &row.outside_uk,
                    &row.profession, &row.reason, &row.consent, &row.consent_text, &row.partner,
                    &row.partner_consent, &row.partner_consent_text, &row.consent_at, &row.source,
                    &row.confirmed_at,
                ],
                Audience::Partner(_) => vec![
                    &row.created_at, &row.first_name, &row.last_name, &row.email, &row.postcode,
                    &row.partner_consent_text, &row.consent_at,
                ],
            };
            write_row(out, cells.into_iter())?;
        }
        done += rows.len() as u64;
        progress(done, total);
    }
    out.flush()?;
    Ok(done)
}

/// Every cell of an exported row as text.
struct Cells {
    created_at: String,
    first_name: String,
    last_name: String,
    email: String,
    postcode: String,
    outside_uk: String,
    profession: String,
    reason: String,
    consent: String,
    consent_text: String,
    partner: String,
    partner_consent: String,
    partner_consent_text: String,
    consent_at: String,
    source: String,
    confirmed_at: String,
}

impl Cells {
    fn of(row: &ExportRow) -> Cells {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let yes_no = |value: bool| if value { "yes" } else { "no" }.to_owned();
        Cells {
            created_at: row.created_at.clone(),
            first_name: row.first_name.clone(),
            last_name: row.last_name.clone(),
            email: row.email.clone(),
            postcode: row.postcode.clone(),
            outside_uk: yes_no(row.outside_uk),
            profession: text(&row.profession),
            reason: row.reason.clone(),
            consent: yes_no(row.consent),
            consent_text: text(&row.consent_text),
            partner: text(&row.partner),
            partner_consent: yes_no(row.partner_consent),
            partner_consent_text: text(&row.partner_consent_text),
            consent_at: text(&row.consent_at),
            source: text(&row.source),
            confirmed_at: text(&row.confirmed_at),
        }
    }
}

/// What can go wrong writing an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the signatures failed, or there is no such petition.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the file failed.
    #[error("could not write the export: {0}")]
    Write(#[from] std::io::Error),
}

/// One CSV line (RFC 4180, CRLF), every cell quoted and made formula-safe.
fn write_row<'a>(out: &mut impl Write, cells: impl Iterator<Item = &'a str>) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push('"');
        if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            line.push('\'');
        }
        line.push_str(&cell.replace('"', "\"\""));
        line.push('"');
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> String {
        let mut out = Vec::new();
        write_row(&mut out, cells.iter().copied()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(row(&["Amara", "O\"Neil", "a,b"]), "\"Amara\",\"O\"\"Neil\",\"a,b\"\r\n");
        assert_eq!(row(&["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx"]), "\"'=HYPERLINK(\"\"x\"\")\",\"'+1\",\"'-2\",\"'@SUM(A1)\",\"'\tx\"\r\n");
        assert_eq!(row(&["line\nbreak", ""]), "\"line\nbreak\",\"\"\r\n");
    }
}
