//! The tin count sheet: one row per issue of a tin, with its active count, and a grand total.

use std::io::Write;

use super::{ReportError, write_rows};
use crate::club::Club;
use crate::collection::StreetCollection;
use crate::ids::MemberId;
use crate::money::Money;

/// One issue of a tin and its count.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TinSheetRow {
    /// Tin number.
    pub tin: u32,
    /// Seal number.
    pub seal: String,
    /// Collector's name.
    pub collector: String,
    /// Issue date and time.
    pub issued: String,
    /// Return date and time, if returned.
    pub returned: Option<String>,
    /// Whether the seal was intact on return.
    pub seal_intact: Option<bool>,
    /// Coins and notes, e.g. `3x2.00; 5x0.50`.
    pub denominations: String,
    /// The counted total, if counted.
    pub total: Option<Money>,
    /// The two counters' names.
    pub counters: Option<(String, String)>,
    /// Where it was counted.
    pub place: Option<String>,
}

/// The tin count sheet of a collection.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TinCountSheet {
    /// The club's name.
    pub club: String,
    /// The collection's title.
    pub collection: String,
    /// The permit reference.
    pub permit: Option<String>,
    /// One row per issue of a tin.
    pub rows: Vec<TinSheetRow>,
    /// Sum of the active counts (post-close adjustments left out).
    pub grand_total: Money,
}

fn name(club: &Club, id: MemberId) -> String {
    match club.member(id) {
        Ok(Some(m)) => m.display_name,
        _ => id.to_string(),
    }
}

impl TinCountSheet {
    /// Builds the sheet from the collection and the club's member names.
    pub fn build(collection: &StreetCollection, club: &Club) -> Result<Self, ReportError> {
        let currency = collection.currency()?;
        let counts = collection.counts()?;
        let mut rows = Vec::new();
        let mut grand = 0i64;
        for c in collection.custody_log()? {
            let count = counts.iter().find(|k| k.custody == c.id && k.active);
            if let Some(k) = count.filter(|k| !k.post_close) {
                grand += k.total.minor;
            }
            rows.push(TinSheetRow {
                tin: c.tin.0,
                seal: c.seal.clone(),
                collector: name(club, c.collector),
                issued: c.issued_at.to_string(),
                returned: c.returned.as_ref().map(|r| r.at.to_string()),
                seal_intact: c.returned.as_ref().map(|r| r.seal_intact),
                denominations: count.map_or_else(String::new, |k| {
                    k.denominations
                        .iter()
                        .map(|d| {
                            format!(
                                "{}x{}",
                                d.quantity,
                                Money::new(d.value_minor, currency).decimal()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                }),
                total: count.map(|k| k.total),
                counters: count.map(|k| (name(club, k.counter1), name(club, k.counter2))),
                place: count.map(|k| k.place.clone()),
            });
        }
        rows.sort_by(|a, b| (a.tin, &a.issued).cmp(&(b.tin, &b.issued)));
        Ok(Self {
            club: club.profile()?.name,
            collection: collection.title()?,
            permit: collection.permit()?.reference,
            rows,
            grand_total: Money::new(grand, currency),
        })
    }

    /// Writes the sheet as CSV: a header, one row per tin issue, and a grand total row.
    pub fn write_csv<W: Write>(&self, out: W) -> Result<(), ReportError> {
        let currency = self.grand_total.currency.code().to_owned();
        let mut rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let (c1, c2) = r.counters.clone().unwrap_or_default();
                vec![
                    r.tin.to_string(),
                    r.seal.clone(),
                    r.collector.clone(),
                    r.issued.clone(),
                    r.returned.clone().unwrap_or_default(),
                    r.seal_intact
                        .map_or(String::new(), |b| if b { "yes" } else { "no" }.into()),
                    r.denominations.clone(),
                    r.total.map_or(String::new(), |t| t.decimal()),
                    currency.clone(),
                    c1,
                    c2,
                    r.place.clone().unwrap_or_default(),
                ]
            })
            .collect();
        let mut total = vec![String::new(); 12];
        total[0] = "TOTAL".into();
        total[7] = self.grand_total.decimal();
        total[8] = currency;
        rows.push(total);
        write_rows(
            out,
            &[
                "tin",
                "seal",
                "collector",
                "issued",
                "returned",
                "seal_intact",
                "denominations",
                "total",
                "currency",
                "counter_1",
                "counter_2",
                "place",
            ],
            rows,
        )
    }
}
