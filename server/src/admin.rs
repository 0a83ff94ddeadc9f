//! The organiser's operations: petitions and their numbers, exports for
//! delivery and for partners, a signer's erasure, and the review of held
//! signatures. The command line (`petition-server admin …`), the
//! organiser's HTTP API and the dashboard call these; what they read and
//! change is in [`crate::store`].

use std::pin::Pin;

use axum::{
    body::Body,
    http::header,
    response::{IntoResponse, Response},
};
use futures_util::{stream, Stream, StreamExt};

pub use crate::store::{
    compact, erase, held, held_reasons, invalidate, list, review, review_reasons, Batch, Erased, Held, HeldReason,
    PartnerCount, Summary, Verdict,
};
use crate::{
    clock::Clock,
    store::{self, Db, ExportRow, StoreError},
};

/// Whom an export is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The campaign, delivering the petition: every counted signature.
    Organiser,
    /// A partner: only the people who signed on its pages and agreed to hear
    /// from it, and only what it needs to write to them.
    Partner(String),
}

impl Audience {
    /// The partner whose signers these are, if any.
    fn partner(&self) -> Option<&str> {
        match self {
            Audience::Organiser => None,
            Audience::Partner(partner) => Some(partner),
        }
    }
}

/// Rows fetched per query while exporting: the export never holds a read
/// open on the whole table (nor a connection while the reader is slow), and
/// each batch is one chunk of the file.
const EXPORT_BATCH: i64 = 1000;

/// An export under way.
pub struct Export {
    /// How many rows it holds, counted as it started.
    pub rows: u64,
    /// The name to save it under: `slug.csv`, or `slug-partner.csv`.
    pub file_name: String,
    /// The CSV, in order: the header line, then one chunk per batch of rows.
    /// An `Err` means the file is incomplete: whoever writes it out must
    /// not let it pass for a whole one.
    pub chunks: Pin<Box<dyn Stream<Item = Result<Chunk, StoreError>> + Send>>,
}

/// A piece of an export's CSV.
pub struct Chunk {
    /// Whole lines of CSV (RFC 4180, CRLF).
    pub csv: Vec<u8>,
    /// Rows written so far, this chunk's included (for a progress bar).
    pub done: u64,
}

/// The one way out for signers' personal data: the petition `slug`'s
/// counted signatures for `audience`, as CSV chunks read from the database
/// batch by batch while the caller writes them out, so that an export of
/// any size takes the memory of one batch.
///
/// The audit log records it as `export` by `actor` before the first row is
/// read: a download cut off half-way has still let personal data out.
///
/// Every cell is quoted, and one a spreadsheet would take for a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
/// prefixed with `'`, so opening the file runs nothing.
pub async fn export(db: &Db, clock: &Clock, actor: &str, slug: &str, audience: Audience) -> Result<Export, StoreError> {
    let (petition_id, rows) = store::export_total(db, slug, audience.partner()).await?;
    let (whom, file_name) = match &audience {
        Audience::Organiser => ("every counted signer".to_owned(), format!("{slug}.csv")),
        Audience::Partner(partner) => {
            (format!("the signers who agreed to hear from partner {partner}"), format!("{slug}-{partner}.csv"))
        }
    };
    store::audit(db, clock, actor, "export", Some(slug), &format!("started: {whom}, {rows} row(s)")).await?;
    let mut header = String::new();
    write_row(&mut header, columns(&audience).iter().copied());
    let header = Chunk { csv: header.into_bytes(), done: 0 };
    let db = db.clone();
    // After the header, each step reads the batch after the last row written.
    let batches = stream::try_unfold(Some((0i64, 0u64)), move |next| {
        let (db, audience) = (db.clone(), audience.clone());
        async move {
            let Some((after, done)) = next else { return Ok(None) };
            let batch = store::export_page(&db, petition_id, audience.partner(), after, EXPORT_BATCH).await?;
            let Some(last) = batch.last() else { return Ok(None) };
            let mut csv = String::with_capacity(batch.len() * 200);
            for row in &batch {
                write_record(&mut csv, row, &audience);
            }
            let done = done + batch.len() as u64;
            // A short batch is the last: no need to ask again.
            let next = (batch.len() as i64 == EXPORT_BATCH).then_some((last.id, done));
            Ok(Some((Chunk { csv: csv.into_bytes(), done }, next)))
        }
    });
    let chunks = Box::pin(stream::once(async { Ok(header) }).chain(batches));
    Ok(Export { rows, file_name, chunks })
}

impl IntoResponse for Export {
    /// A download of the file, streamed as it is read: never the whole file
    /// in memory. If reading fails half-way the connection is cut before the
    /// end of the body, so the browser reports a failed download rather than
    /// keeping a file that looks complete and is not.
    fn into_response(self) -> Response {
        let body = Body::from_stream(self.chunks.map(|chunk| match chunk {
            Ok(chunk) => Ok(chunk.csv),
            Err(error) => {
                tracing::error!(%error, "an export failed half-way; the download is cut off");
                Err(error)
            }
        }));
        let disposition = format!("attachment; filename=\"{}\"", self.file_name);
        let headers = [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ];
        (headers, body).into_response()
    }
}

/// The header line's cells for `audience`.
fn columns(audience: &Audience) -> &'static [&'static str] {
    match audience {
        Audience::Organiser => &[
            "signed_at", "first_name", "last_name", "email", "postcode", "outside_uk", "profession", "reason",
            "organiser_consent", "organiser_consent_text", "partner", "partner_consent", "partner_consent_text",
            "consent_at", "source", "confirmed_at", "language",
        ],
        Audience::Partner(_) => {
            &["signed_at", "first_name", "last_name", "email", "postcode", "partner_consent_text", "consent_at", "language"]
        }
    }
}

/// One signature's line for `audience`, in the order of [`columns`].
fn write_record(out: &mut String, row: &ExportRow, audience: &Audience) {
    fn text(value: &Option<String>) -> &str {
        value.as_deref().unwrap_or("")
    }
    let yes_no = |value: bool| if value { "yes" } else { "no" };
    match audience {
        Audience::Organiser => write_row(
            out,
            [
                row.created_at.as_str(), &row.first_name, &row.last_name, &row.email, &row.postcode, yes_no(row.outside_uk),
                text(&row.profession), &row.reason, yes_no(row.consent), text(&row.consent_text), text(&row.partner),
                yes_no(row.partner_consent), text(&row.partner_consent_text), text(&row.consent_at),
                text(&row.source), text(&row.confirmed_at), &row.lang,
            ]
            .into_iter(),
        ),
        Audience::Partner(_) => write_row(
            out,
            [
                row.created_at.as_str(), &row.first_name, &row.last_name, &row.email, &row.postcode,
                text(&row.partner_consent_text), text(&row.consent_at), &row.lang,
            ]
            .into_iter(),
        ),
    }
}

/// Appends one CSV line (RFC 4180, CRLF), every cell quoted and made formula-safe.
fn write_row<'a>(line: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push('"');
        if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            line.push('\'');
        }
        // Most cells hold no quote: copied as they are, not reallocated.
        if cell.contains('"') {
            line.push_str(&cell.replace('"', "\"\""));
        } else {
            line.push_str(cell);
        }
        line.push('"');
    }
    line.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> String {
        let mut out = String::new();
        write_row(&mut out, cells.iter().copied());
        out
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(row(&["Amara", "O\"Neil", "a,b"]), "\"Amara\",\"O\"\"Neil\",\"a,b\"\r\n");
        assert_eq!(row(&["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx"]), "\"'=HYPERLINK(\"\"x\"\")\",\"'+1\",\"'-2\",\"'@SUM(A1)\",\"'\tx\"\r\n");
        assert_eq!(row(&["line\nbreak", ""]), "\"line\nbreak\",\"\"\r\n");
    }
}
