//! Totals by event (collection) and by collector, across several collections.

use std::collections::BTreeMap;
use std::io::Write;

use super::{ReportError, write_rows};
use crate::club::Club;
use crate::collection::{DonationSource, StreetCollection};

/// One line of totals: an event or a collector, in one currency.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TotalsRow {
    /// `"event"` or `"collector"`.
    pub group: &'static str,
    /// The event's title or the collector's name.
    pub name: String,
    /// Cash counted from tins.
    pub counted_minor: i64,
    /// Donations outside tins.
    pub other_minor: i64,
    /// The currency.
    pub currency: String,
}

/// Totals by event and by collector.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Totals {
    /// Rows by event, then by collector.
    pub rows: Vec<TotalsRow>,
}

impl Totals {
    /// Totals of these collections, with collectors named from the club.
    pub fn build(collections: &[&StreetCollection], club: &Club) -> Result<Self, ReportError> {
        let mut rows = Vec::new();
        let mut by_collector: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        for c in collections {
            let currency = c.currency()?.code().to_owned();
            let custody = c.custody_log()?;
            let mut counted = 0;
            for count in c.counts()?.iter().filter(|k| k.active && !k.post_close) {
                counted += count.total.minor;
                if let Some(entry) = custody.iter().find(|e| e.id == count.custody) {
                    by_collector
                        .entry((entry.collector.to_string(), currency.clone()))
                        .or_default()
                        .0 += count.total.minor;
                }
            }
            let mut other = 0;
            for d in c
                .donations()?
                .iter()
                .filter(|d| !d.reversed && !d.post_close)
            {
                if !matches!(d.source, DonationSource::Tin(_)) {
                    other += d.amount.minor;
                    by_collector
                        .entry((d.collector.to_string(), currency.clone()))
                        .or_default()
                        .1 += d.amount.minor;
                }
            }
            rows.push(TotalsRow {
                group: "event",
                name: c.title()?,
                counted_minor: counted,
                other_minor: other,
                currency,
            });
        }
        for ((collector, currency), (counted, other)) in by_collector {
            let name = collector
                .parse()
                .ok()
                .and_then(|id| club.member(id).ok().flatten())
                .map_or(collector, |m| m.display_name);
            rows.push(TotalsRow {
                group: "collector",
                name,
                counted_minor: counted,
                other_minor: other,
                currency,
            });
        }
        Ok(Self { rows })
    }

    /// Writes the totals as CSV.
    pub fn write_csv<W: Write>(&self, out: W) -> Result<(), ReportError> {
        let rows = self.rows.iter().map(|r| {
            let money = |minor| {
                crate::currency::Currency::new(&r.currency)
                    .map(|c| crate::money::Money::new(minor, c).decimal())
                    .unwrap_or_else(|_| minor.to_string())
            };
            vec![
                r.group.into(),
                r.name.clone(),
                money(r.counted_minor),
                money(r.other_minor),
                money(r.counted_minor + r.other_minor),
                r.currency.clone(),
            ]
        });
        write_rows(
            out,
            &["group", "name", "counted", "other", "total", "currency"],
            rows,
        )
    }
}
