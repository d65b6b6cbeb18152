//! Reports as plain data, each with a CSV writer: the tin count sheet, the reconciliation,
//! totals by event and collector, the petition delivery list, and the sponsorship sheet.
//!
//! Amounts are written in major units with the currency's own number of decimals (`12.50`),
//! next to the currency code. Dates are `YYYY-MM-DD` in UTC.

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

/// Writes a header and rows of text as CSV.
pub(crate) fn write_rows<W: Write>(
    out: W,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<(), ReportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}
