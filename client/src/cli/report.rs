//! `clubsync report`: core's CSV reports of documents on this device, to the screen or a file.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use clubsync_core::reports::catalog::{self, Report};
use clubsync_core::store::DocumentStore as _;

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
    /// The report in core's catalogue.
    fn report(self) -> Report {
        match self {
            Self::TinCountSheet => Report::TinCountSheet,
            Self::Reconciliation => Report::Reconciliation,
            Self::Totals => Report::Totals,
            Self::PetitionDelivery => Report::PetitionDelivery,
            Self::Sponsorship => Report::Sponsorship,
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
    let report = args.name.report();
    let kind = report.kind();
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
    if report.of_one_document() {
        let (what, lister) = pick::kind_name(kind);
        match ids.as_slice() {
            [_] => {}
            [] => bail!("name the {what} with --document ID (`{lister}` lists them)"),
            _ => bail!("this report is of one {what}: give --document once"),
        }
    }
    let documents = ids
        .iter()
        .map(|id| {
            home.store().load(id)?.with_context(|| {
                format!("document {id} is not on this device; run `clubsync sync`")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let club = if report.needs_club() {
        Some(home.club(&membership)?)
    } else {
        None
    };
    let csv = catalog::write(report, documents, club.as_ref())?.csv;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &csv)
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
            writeln!(
                context.out(),
                "Wrote {} ({} lines) to {}",
                args.name
                    .to_possible_value()
                    .map_or_else(String::new, |v| v.get_name().to_owned()),
                csv.iter().filter(|b| **b == b'\n').count(),
                path.display()
            )?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&csv)?;
            stdout.flush()?;
        }
    }
    Ok(())
}
