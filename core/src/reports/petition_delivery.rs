//! The petition delivery list: the text, the number of signatures, and for each signature only
//! the name, postcode or town, and date. Email and phone are never part of it: the row type
//! has no field for them.

use std::io::Write;

use super::{ReportError, write_rows};
use crate::petition::Petition;
use crate::time_zone::ClubTimeZone;

/// One signature as delivered to the target.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DeliveryRow {
    /// The signer's name.
    pub name: String,
    /// Postcode, or town when no postcode was given.
    pub postcode_or_town: String,
    /// Date signed, `YYYY-MM-DD`.
    pub date: String,
}

/// What is delivered to a petition's targets.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PetitionDelivery {
    /// The petition text.
    pub text: String,
    /// Its SHA-256 hash.
    pub text_hash: String,
    /// How many signatures.
    pub count: usize,
    /// One row per signature, in time order.
    pub rows: Vec<DeliveryRow>,
}

impl PetitionDelivery {
    /// Builds the delivery list, with each signature's date on the club's clock.
    pub fn build(petition: &Petition, zone: &ClubTimeZone) -> Result<Self, ReportError> {
        let rows: Vec<DeliveryRow> = petition
            .signatures()?
            .into_iter()
            .map(|s| DeliveryRow {
                name: s.name,
                postcode_or_town: s.postcode.or(s.town).unwrap_or_default(),
                date: zone.date(s.at),
            })
            .collect();
        Ok(Self {
            text: petition.text()?,
            text_hash: petition.text_hash()?,
            count: rows.len(),
            rows,
        })
    }

    /// Writes the signatures as CSV (name, postcode or town, date).
    pub fn write_csv<W: Write>(&self, out: W) -> Result<(), ReportError> {
        let rows = self
            .rows
            .iter()
            .map(|r| vec![r.name.clone(), r.postcode_or_town.clone(), r.date.clone()]);
        write_rows(out, &["name", "postcode_or_town", "date"], rows)
    }
}
