//! The street collection permit: who allowed the collection, where, when, and when the return
//! is due. Last writer wins per field.

use automerge::Automerge;

use super::StreetCollection;
use crate::document;
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::timestamp::Timestamp;

/// A street collection permit. Dates are `YYYY-MM-DD` text as printed on the permit.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Permit {
    /// The licensing authority (council, police).
    pub authority: Option<String>,
    /// The authority's reference for the permit.
    pub reference: Option<String>,
    /// First permitted day.
    pub first_day: Option<String>,
    /// Last permitted day.
    pub last_day: Option<String>,
    /// Permitted hours, as printed.
    pub hours: Option<String>,
    /// Permitted sites, as printed.
    pub sites: Option<String>,
    /// The beneficiary printed on the tins.
    pub beneficiary: Option<String>,
    /// The permit holder's name.
    pub holder: Option<String>,
    /// Conditions of the permit.
    pub conditions: Option<String>,
    /// The day the return is due.
    pub return_due: Option<String>,
}

const FIELDS: [&str; 10] = [
    "authority",
    "reference",
    "first_day",
    "last_day",
    "hours",
    "sites",
    "beneficiary",
    "holder",
    "conditions",
    "return_due",
];

impl Permit {
    fn values(&self) -> [&Option<String>; 10] {
        [
            &self.authority,
            &self.reference,
            &self.first_day,
            &self.last_day,
            &self.hours,
            &self.sites,
            &self.beneficiary,
            &self.holder,
            &self.conditions,
            &self.return_due,
        ]
    }
}

impl StreetCollection {
    /// Writes the permit's fields that are `Some` (last writer wins per field).
    pub fn set_permit(&mut self, permit: &Permit, at: Timestamp) -> Result<(), RecordError> {
        for (key, value) in FIELDS.iter().zip(permit.values()) {
            let is_date_field = key.ends_with("_day") || *key == "return_due";
            if let Some(date) = value.as_deref().filter(|d| is_date_field && !is_date(d)) {
                return Err(RecordError::InvalidDate {
                    field: key,
                    value: date.to_owned(),
                });
            }
        }
        let obj = self.container("permit")?;
        let record = FIELDS
            .iter()
            .zip(permit.values())
            .fold(Record::new(), |r, (key, value)| {
                r.with_opt(key, value.clone())
            });
        document::write(&mut self.doc, at, |tx| record.put_into(tx, &obj))
    }

    /// The permit as last written.
    pub fn permit(&self) -> Result<Permit, SchemaError> {
        let p: MapReader<'_, Automerge> = self.reader("permit")?;
        Ok(Permit {
            authority: p.opt_str("authority")?,
            reference: p.opt_str("reference")?,
            first_day: p.opt_str("first_day")?,
            last_day: p.opt_str("last_day")?,
            hours: p.opt_str("hours")?,
            sites: p.opt_str("sites")?,
            beneficiary: p.opt_str("beneficiary")?,
            holder: p.opt_str("holder")?,
            conditions: p.opt_str("conditions")?,
            return_due: p.opt_str("return_due")?,
        })
    }
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}
