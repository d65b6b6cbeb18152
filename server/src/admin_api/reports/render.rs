//! Turning loaded documents into a report's CSV, with `clubsync-core`'s report builders, and
//! naming the file.

use crate::api::{ApiError, ErrorCode};
use automerge::Automerge;
use axum::http::StatusCode;
use clubsync_core::club::Club;
use clubsync_core::document::TypedDocument;
use clubsync_core::error::SchemaError;
use clubsync_core::reports::ReportError;
use clubsync_core::reports::catalog::{self, CatalogError, Report};
use clubsync_protocol::DocumentId;

/// Builds the report's CSV (core's `reports::catalog`) and a title to name the file by.
pub(super) fn build(
    report: Report,
    documents: Vec<(DocumentId, Automerge)>,
    club: Option<&Club>,
) -> Result<(Vec<u8>, Option<String>), ApiError> {
    let (ids, docs): (Vec<DocumentId>, Vec<Automerge>) = documents.into_iter().unzip();
    match catalog::write(report, docs, club) {
        Ok(written) => Ok((written.csv, written.title)),
        Err(CatalogError::Unreadable { index, source }) => match ids.get(index) {
            Some(id) => Err(unreadable(*id, &source)),
            None => Err(ApiError::internal("a report's document", source)),
        },
        Err(CatalogError::Report(e)) => Err(report_error(e)),
        Err(other) => Err(ApiError::internal("a report could not be made", other)),
    }
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
                super::super::from_file(&format!("{}.csv", report.name())),
                Some(report)
            );
        }
        assert_eq!(super::super::from_file("totals"), None);
        assert_eq!(super::super::from_file("../etc.csv"), None);
        assert_eq!(slug("High Street, Saturday!"), "high-street-saturday");
        assert_eq!(slug("\"; rm -rf /"), "rm-rf");
        assert_eq!(slug("서울 거리 모금"), "");
    }
}
