//! Every report by name, and one dispatch from a name and its documents to the CSV: what the
//! device's `clubsync report` and the coordinators' API (`/api/club/reports/{name}.csv`) both
//! offer, so the list, the kind each reads and the way each is made are written once.

use automerge::Automerge;

use super::{
    PetitionDelivery, Reconciliation, ReportError, SponsorshipSheet, TinCountSheet, Totals,
};
use crate::club::Club;
use crate::collection::StreetCollection;
use crate::document::{DocumentKind, TypedDocument};
use crate::error::SchemaError;
use crate::petition::Petition;
use crate::sponsorship::SponsoredActivity;

/// A report.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Report {
    /// One row per tin issue with its count, and a grand total (a street collection).
    TinCountSheet,
    /// Counted vs banked vs remitted (a street collection).
    Reconciliation,
    /// Totals by collection and by collector (street collections: one, several or all).
    Totals,
    /// Name, postcode or town, and date of each signature: never email or phone (a petition).
    PetitionDelivery,
    /// Pledges, payments and Gift Aid (a sponsored activity).
    Sponsorship,
}

impl Report {
    /// Every report, in the order they are listed.
    pub const ALL: [Self; 5] = [
        Self::TinCountSheet,
        Self::Reconciliation,
        Self::Totals,
        Self::PetitionDelivery,
        Self::Sponsorship,
    ];

    /// Its name, as a command line and a path write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::TinCountSheet => "tin-count-sheet",
            Self::Reconciliation => "reconciliation",
            Self::Totals => "totals",
            Self::PetitionDelivery => "petition-delivery",
            Self::Sponsorship => "sponsorship",
        }
    }

    /// The report of this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The kind of document it is made from.
    pub fn kind(self) -> DocumentKind {
        match self {
            Self::TinCountSheet | Self::Reconciliation | Self::Totals => {
                DocumentKind::StreetCollection
            }
            Self::PetitionDelivery => DocumentKind::Petition,
            Self::Sponsorship => DocumentKind::SponsoredActivity,
        }
    }

    /// True when it is made from exactly one document (all but [`Report::Totals`]).
    pub fn of_one_document(self) -> bool {
        self != Self::Totals
    }

    /// True when it needs the club document (for members' names, or for its time zone: the
    /// dates of a report are on the club's clock).
    pub fn needs_club(self) -> bool {
        matches!(
            self,
            Self::TinCountSheet | Self::Totals | Self::PetitionDelivery | Self::Sponsorship
        )
    }
}

/// A report made: its CSV, and a title to name a file by (the document's, when it has one).
#[derive(Debug)]
pub struct Written {
    /// The CSV bytes.
    pub csv: Vec<u8>,
    /// The title of the document reported on, if one is.
    pub title: Option<String>,
}

/// Why a report could not be made from the documents given.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// Document `index` of those given does not read as the report's kind.
    #[error("document {index} of the report cannot be read: {source}")]
    Unreadable {
        /// Its position in the list given.
        index: usize,
        /// Why.
        source: SchemaError,
    },
    /// The report is of one document, and not one was given.
    #[error("the {0} report is of one document: give exactly one")]
    NotOneDocument(&'static str),
    /// The report needs the club document, and none was given.
    #[error("the {0} report needs the club document")]
    NeedsClub(&'static str),
    /// The report could not be made or written.
    #[error(transparent)]
    Report(#[from] ReportError),
}

fn typed<T: TypedDocument>(index: usize, doc: Automerge) -> Result<T, CatalogError> {
    T::from_automerge(doc).map_err(|source| CatalogError::Unreadable { index, source })
}

/// Makes `report` from `documents` (of its kind; exactly one unless it is [`Report::Totals`])
/// and, where it needs it, the club document.
pub fn write(
    report: Report,
    documents: Vec<Automerge>,
    club: Option<&Club>,
) -> Result<Written, CatalogError> {
    if report.of_one_document() && documents.len() != 1 {
        return Err(CatalogError::NotOneDocument(report.name()));
    }
    let club = || club.ok_or(CatalogError::NeedsClub(report.name()));
    let mut csv = Vec::new();
    let mut documents = documents.into_iter();
    let mut one = || {
        documents
            .next()
            .ok_or(CatalogError::NotOneDocument(report.name()))
    };
    let title = match report {
        Report::TinCountSheet => {
            let sheet = TinCountSheet::build(&typed(0, one()?)?, club()?)?;
            sheet.write_csv(&mut csv)?;
            Some(sheet.collection)
        }
        Report::Reconciliation => {
            let figures = Reconciliation::build(&typed(0, one()?)?)?;
            figures.write_csv(&mut csv)?;
            Some(figures.collection)
        }
        Report::Totals => {
            let collections = documents
                .enumerate()
                .map(|(i, doc)| typed::<StreetCollection>(i, doc))
                .collect::<Result<Vec<_>, _>>()?;
            let title = match collections.as_slice() {
                [one] => one.title().ok(),
                _ => None,
            };
            let refs: Vec<&StreetCollection> = collections.iter().collect();
            Totals::build(&refs, club()?)?.write_csv(&mut csv)?;
            title
        }
        Report::PetitionDelivery => {
            let zone = club()?.time_zone();
            PetitionDelivery::build(&typed::<Petition>(0, one()?)?, &zone)?.write_csv(&mut csv)?;
            None
        }
        Report::Sponsorship => {
            let zone = club()?.time_zone();
            let sheet = SponsorshipSheet::build(&typed::<SponsoredActivity>(0, one()?)?, &zone)?;
            sheet.write_csv(&mut csv)?;
            Some(sheet.title)
        }
    };
    Ok(Written { csv, title })
}
