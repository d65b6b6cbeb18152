//! The sponsorship sheet of a participant: each sponsor's pledge, payments and Gift Aid tick,
//! with totals pledged, paid and outstanding.

use std::io::Write;

use super::{ReportError, write_rows};
use crate::money::Money;
use crate::sponsorship::SponsoredActivity;
use crate::time_zone::ClubTimeZone;

/// One sponsor's line.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SponsorshipRow {
    /// Sponsor's name.
    pub sponsor: String,
    /// House number or name.
    pub house: String,
    /// Postcode.
    pub postcode: String,
    /// Pledged (flat, or rate x units).
    pub pledged: Money,
    /// Paid.
    pub paid: Money,
    /// Date of the last payment.
    pub date_paid: Option<String>,
    /// Gift Aid ticked.
    pub gift_aid: bool,
}

/// The sheet of one sponsored activity.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SponsorshipSheet {
    /// The activity's title.
    pub title: String,
    /// One row per pledge.
    pub rows: Vec<SponsorshipRow>,
    /// Total pledged.
    pub pledged: Money,
    /// Total paid.
    pub paid: Money,
    /// Total outstanding.
    pub outstanding: Money,
}

impl SponsorshipSheet {
    /// Builds the sheet, with payment dates on the club's clock.
    pub fn build(activity: &SponsoredActivity, zone: &ClubTimeZone) -> Result<Self, ReportError> {
        let currency = activity.currency()?;
        let pledges = activity.pledges()?;
        let sum = |f: fn(&crate::sponsorship::Pledge) -> i64| {
            Money::new(pledges.iter().map(f).sum(), currency)
        };
        Ok(Self {
            title: activity.title()?,
            pledged: sum(|p| p.pledged.minor),
            paid: sum(|p| p.paid.minor),
            outstanding: sum(|p| p.outstanding.minor),
            rows: pledges
                .iter()
                .map(|p| SponsorshipRow {
                    sponsor: p.pledge.sponsor_name.clone(),
                    house: p.pledge.house.clone().unwrap_or_default(),
                    postcode: p.pledge.postcode.clone().unwrap_or_default(),
                    pledged: p.pledged,
                    paid: p.paid,
                    date_paid: p.last_paid_at.map(|t| zone.date(t)),
                    gift_aid: p.pledge.gift_aid,
                })
                .collect(),
        })
    }

    /// Writes the sheet as CSV with a totals row.
    pub fn write_csv<W: Write>(&self, out: W) -> Result<(), ReportError> {
        let code = self.pledged.currency.code().to_owned();
        let mut rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.sponsor.clone(),
                    r.house.clone(),
                    r.postcode.clone(),
                    r.pledged.decimal(),
                    r.paid.decimal(),
                    r.date_paid.clone().unwrap_or_default(),
                    if r.gift_aid { "yes" } else { "no" }.into(),
                    code.clone(),
                ]
            })
            .collect();
        rows.push(vec![
            "TOTAL".into(),
            String::new(),
            String::new(),
            self.pledged.decimal(),
            self.paid.decimal(),
            format!("outstanding {}", self.outstanding.decimal()),
            String::new(),
            code,
        ]);
        write_rows(
            out,
            &[
                "sponsor",
                "house",
                "postcode",
                "pledged",
                "paid",
                "date_paid",
                "gift_aid",
                "currency",
            ],
            rows,
        )
    }
}
