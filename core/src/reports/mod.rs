//! Reports as plain data, each with a CSV writer: the tin count sheet, the reconciliation,
//! totals by event and collector, the petition delivery list, and the sponsorship sheet.
//! [`catalog`] lists them by name and makes any of them from its documents.
//!
//! Amounts are written in major units with the currency's own number of decimals (`12.50`),
//! next to the currency code. Dates are `YYYY-MM-DD` in UTC.

pub mod catalog;
mod petition_delivery;
mod reconciliation;
mod sponsorship_sheet;
mod tin_sheet;
mod totals;

use std::io::Write;

use crate::error::SchemaError;

pub use petition_delivery::{DeliveryRow, PetitionDelivery};
pub use reconciliation::Reconciliation;
pub use sponsorship_sheet::{SponsorshipRow, SponsorshipSheet};
pub use tin_sheet::{TinCountSheet, TinSheetRow};
pub use totals::{Totals, TotalsRow};

/// Why a report could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A document the report reads does not have the expected shape.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// Writing the CSV failed (the output refused the bytes).
    #[error("writing CSV failed: {0}")]
    Csv(#[from] csv::Error),
    /// Flushing the output failed.
    #[error("writing the report failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes a header and rows of text as CSV, every cell made safe for spreadsheets.
pub(crate) fn write_rows<W: Write>(
    out: W,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| spreadsheet_safe(cell).into_owned()))?;
    }
    writer.flush()?;
    Ok(())
}

/// A cell a spreadsheet will show as text, never run as a formula.
///
/// Names and notes are typed by volunteers and signers; a cell such as `=HYPERLINK(...)` would
/// run as a formula when a coordinator opens the export. Such cells get a leading `'`, which
/// spreadsheets read as "this is text". Numbers (`-12.50`) are left as they are.
fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_typed_by_people_become_text_and_numbers_stay_numbers() {
        let mut out = Vec::new();
        let rows = vec![vec![
            "=HYPERLINK(\"http://evil\")".to_owned(),
            "@SUM(A1)".to_owned(),
            "-12.50".to_owned(),
            "Kim Min-ji".to_owned(),
        ]];
        write_rows(&mut out, &["a", "b", "c", "d"], rows).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            "a,b,c,d\n\"'=HYPERLINK(\"\"http://evil\"\")\",'@SUM(A1),-12.50,Kim Min-ji\n"
        );
    }
}
