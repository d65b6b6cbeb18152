//! `clubsync report`: core's CSV reports of documents on this device, to the screen or a file.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::DocumentKind;
use clubsync_core::petition::Petition;
use clubsync_core::reports::{
    PetitionDelivery, Reconciliation, SponsorshipSheet, TinCountSheet, Totals,
};
use clubsync_core::sponsorship::SponsoredActivity;

use super::Context;
use super::pick;

/// A report.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportName {
    /// A street collection's tins: seal, collector, issue and return, coins and notes, counted
    /// total and counters, with a grand total.
    TinCountSheet,
    /// A street collection's counted, banked and remitted figures and their differences.
    Reconciliation,
    /// Totals by collection and by collector (all collections unless --document is given).
    Totals,
    /// A petition's signatures as delivered: name, postcode or town, date (never email or
    /// phone).
    PetitionDelivery,
    /// A sponsored activity's pledges, payments and Gift Aid ticks, with totals.
    Sponsorship,
}

impl ReportName {
    fn kind(self) -> DocumentKind {
        match self {
            Self::TinCountSheet | Self::Reconciliation | Self::Totals => {
                DocumentKind::StreetCollection
            }
            Self::PetitionDelivery => DocumentKind::Petition,
            Self::Sponsorship => DocumentKind::SponsoredActivity,
        }
    }
}

/// How to call `clubsync report`, shown under its help.
const EXAMPLES: &str = "\
Amounts are in major units with the currency's decimals (12.50) next to the currency code;
dates are UTC. Cells that would start a spreadsheet formula are written as text.

Examples:
  clubsync report tin-count-sheet --document \"High Street\" --out tins.csv
  clubsync report reconciliation --document \"High Street\"
  clubsync report totals                                   (every collection)
  clubsync report petition-delivery --document \"Free Them All\" --out delivery.csv";

/// Write a report as CSV, to the screen or a file.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct ReportArgs {
    /// The report.
    #[arg(value_enum)]
    name: ReportName,
    /// The document reported on: its id, the start of its id, or part of its title. For
    /// totals, repeat it for several collections (default: all of them).
    #[arg(long = "document", value_name = "ID")]
    documents: Vec<String>,
    /// Write the CSV to this file instead of the screen (replacing it).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(context: &Context, args: ReportArgs) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let kind = args.name.kind();
    let all = pick::documents(&home, &membership)?;
    let mut ids = args
        .documents
        .iter()
        .map(|q| pick::resolve(&all, kind, q).map(|d| d.id))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if args.name == ReportName::Totals && ids.is_empty() {
        ids = all
            .iter()
            .filter(|d| d.kind == kind)
            .map(|d| d.id)
            .collect();
        if ids.is_empty() {
            bail!("no street collections on this device to total: `clubsync collection list`");
        }
    }
    let one = || -> anyhow::Result<_> {
        let (what, lister) = pick::kind_name(kind);
        match ids.as_slice() {
            [id] => Ok(*id),
            [] => bail!("name the {what} with --document ID (`{lister}` lists them)"),
            _ => bail!("this report is of one {what}: give --document once"),
        }
    };
    let mut csv = Vec::new();
    match args.name {
        ReportName::TinCountSheet => {
            let collection: StreetCollection = home.load(&one()?)?;
            let club = home.club(&membership)?;
            TinCountSheet::build(&collection, &club)?.write_csv(&mut csv)?;
        }
        ReportName::Reconciliation => {
            let collection: StreetCollection = home.load(&one()?)?;
            Reconciliation::build(&collection)?.write_csv(&mut csv)?;
        }
        ReportName::Totals => {
            let club = home.club(&membership)?;
            let collections = ids
                .iter()
                .map(|id| home.load::<StreetCollection>(id))
                .collect::<Result<Vec<_>, _>>()?;
            let refs: Vec<&StreetCollection> = collections.iter().collect();
            Totals::build(&refs, &club)?.write_csv(&mut csv)?;
        }
        ReportName::PetitionDelivery => {
            let petition: Petition = home.load(&one()?)?;
            PetitionDelivery::build(&petition)?.write_csv(&mut csv)?;
        }
        ReportName::Sponsorship => {
            let activity: SponsoredActivity = home.load(&one()?)?;
            SponsorshipSheet::build(&activity)?.write_csv(&mut csv)?;
        }
    }
    match &args.out {
        Some(path) => {
            std::fs::write(path, &csv)
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
            println!(
                "Wrote {} ({} lines) to {}",
                args.name
                    .to_possible_value()
                    .map_or_else(String::new, |v| v.get_name().to_owned()),
                csv.iter().filter(|b| **b == b'\n').count(),
                path.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&csv)?;
            stdout.flush()?;
        }
    }
    Ok(())
}
