//! Turning loaded documents into a report's CSV, with `clubsync-core`'s report builders, and
//! naming the file.

use automerge::Automerge;
use axum::http::StatusCode;
use clubsync_core::club::Club;
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::TypedDocument;
use clubsync_core::error::SchemaError;
use clubsync_core::petition::Petition;
use clubsync_core::reports::{
    PetitionDelivery, Reconciliation, ReportError, SponsorshipSheet, TinCountSheet, Totals,
};
use clubsync_core::sponsorship::SponsoredActivity;
use clubsync_protocol::DocumentId;

use super::Report;
use crate::api::{ApiError, ErrorCode};

/// Builds the report's CSV and a title to name the file by.
pub(super) fn build(
    report: Report,
    documents: Vec<(DocumentId, Automerge)>,
    club: Option<&Club>,
) -> Result<(Vec<u8>, Option<String>), ApiError> {
    let mut out = Vec::new();
    let club = || club.ok_or_else(|| ApiError::internal("a report needs the club", report.name()));
    let first = || {
        documents
            .first()
            .cloned()
            .ok_or_else(|| ApiError::internal("a report of one document got none", report.name()))
    };
    let title = match report {
        Report::TinCountSheet => {
            let (id, doc) = first()?;
            let sheet = TinCountSheet::build(&typed(id, doc)?, club()?).map_err(report_error)?;
            sheet.write_csv(&mut out).map_err(report_error)?;
            Some(sheet.collection)
        }
        Report::Reconciliation => {
            let (id, doc) = first()?;
            let figures = Reconciliation::build(&typed(id, doc)?).map_err(report_error)?;
            figures.write_csv(&mut out).map_err(report_error)?;
            Some(figures.collection)
        }
        Report::Totals => {
            let collections = documents
                .into_iter()
                .map(|(id, doc)| typed::<StreetCollection>(id, doc))
                .collect::<Result<Vec<_>, _>>()?;
            let title = match collections.as_slice() {
                [one] => one.title().ok(),
                _ => None,
            };
            let refs: Vec<&StreetCollection> = collections.iter().collect();
            let totals = Totals::build(&refs, club()?).map_err(report_error)?;
            totals.write_csv(&mut out).map_err(report_error)?;
            title
        }
        Report::PetitionDelivery => {
            let (id, doc) = first()?;
            let delivery =
                PetitionDelivery::build(&typed::<Petition>(id, doc)?).map_err(report_error)?;
            delivery.write_csv(&mut out).map_err(report_error)?;
            None
        }
        Report::Sponsorship => {
            let (id, doc) = first()?;
            let sheet = SponsorshipSheet::build(&typed::<SponsoredActivity>(id, doc)?)
                .map_err(report_error)?;
            sheet.write_csv(&mut out).map_err(report_error)?;
            Some(sheet.title)
        }
    };
    Ok((out, title))
}

/// A stored document read as its type; a document that does not read is a 422 that says why.
pub(super) fn typed<T: TypedDocument>(id: DocumentId, doc: Automerge) -> Result<T, ApiError> {
    T::from_automerge(doc).map_err(|e| unreadable(id, &e))
}

fn unreadable(id: DocumentId, e: &SchemaError) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::UnreadableDocument,
        format!("document {id} cannot be read for this report: {e}"),
    )
}

fn report_error(e: ReportError) -> ApiError {
    match e {
        ReportError::Schema(e) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnreadableDocument,
            format!("the report cannot be made from this document: {e}"),
        ),
        other => ApiError::internal("writing a report failed", other),
    }
}

/// A file-name-safe form of a title: ASCII letters and digits, words joined by `-`.
pub(super) fn slug(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut out = String::new();
    for word in words {
        if out.len() + word.len() > 48 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_names_round_trip_and_titles_become_safe_file_names() {
        for report in Report::ALL {
            assert_eq!(
                Report::from_file(&format!("{}.csv", report.name())),
                Some(report)
            );
        }
        assert_eq!(Report::from_file("totals"), None);
        assert_eq!(Report::from_file("../etc.csv"), None);
        assert_eq!(slug("High Street, Saturday!"), "high-street-saturday");
        assert_eq!(slug("\"; rm -rf /"), "rm-rf");
        assert_eq!(slug("서울 거리 모금"), "");
    }
}
