//! Donations from a CSV file (a sheet of card payments, a stall's cash book): every row read and
//! checked against the collection before anything is written, so an import is all or nothing
//! and its refusal names each bad line (the first ten).
//!
//! The header names the columns, in any order and any case: `amount` (required, in the
//! collection's currency), `tin` (a tin out with a collector), `source` (`card`, `online`,
//! `other` or `cash`; `tin` with a tin number), `note`.

use std::collections::BTreeMap;

use super::{DonationSource, StreetCollection};
use crate::amount_text::parse_amount;
use crate::error::SchemaError;
use crate::ids::TinNumber;
use crate::money::Money;

/// The most bad lines a refusal lists.
const MAX_PROBLEMS: usize = 10;

/// One checked row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// The amount.
    pub amount: Money,
    /// Where the money went.
    pub source: DonationSource,
    /// The note, if any.
    pub note: Option<String>,
}

/// Why a file was refused; nothing of it is to be recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file cannot be read as CSV at all.
    #[error("cannot read the header row: {0}")]
    Unreadable(String),
    /// The header row is wrong.
    #[error("line 1: {0}")]
    Header(String),
    /// Rows are wrong: each problem with its line.
    #[error("{}", rows_problem(.0))]
    Rows(Vec<String>),
    /// The collection itself cannot be read.
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

fn rows_problem(problems: &[String]) -> String {
    match problems {
        [one] => one.clone(),
        several => format!(
            "{} bad rows{}:\n  {}",
            several.len(),
            if several.len() >= MAX_PROBLEMS {
                " (the first 10)"
            } else {
                ""
            },
            several.join("\n  ")
        ),
    }
}

/// Reads and checks every row of an import file for `collection`.
pub fn read_donation_rows(
    file: impl std::io::Read,
    collection: &StreetCollection,
) -> Result<Vec<ImportRow>, ImportError> {
    let currency = collection.currency()?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let header = reader
        .headers()
        .map_err(|e| ImportError::Unreadable(csv_problem(&e)))?
        .clone();
    let mut columns: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, name) in header.iter().enumerate() {
        let known = ["amount", "tin", "note", "source"]
            .into_iter()
            .find(|k| k.eq_ignore_ascii_case(name));
        match known {
            Some(k) if columns.insert(k, i).is_some() => {
                return Err(ImportError::Header(format!(
                    "the column {name:?} appears twice"
                )));
            }
            Some(_) => {}
            None => {
                return Err(ImportError::Header(format!(
                    "unknown column {name:?}: the columns are amount (required), tin, note \
                     and source"
                )));
            }
        }
    }
    let Some(&amount_at) = columns.get("amount") else {
        return Err(ImportError::Header(
            "no `amount` column: the first line must be a header such as amount,tin,note".into(),
        ));
    };
    let tins: Vec<TinNumber> = collection.tins()?.into_iter().map(|t| t.number).collect();
    let mut issued: Vec<TinNumber> = Vec::new();
    for tin in &tins {
        if collection.active_custody(*tin)?.is_some() {
            issued.push(*tin);
        }
    }
    let mut rows = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(format!("line {line}: {}", csv_problem(&e)));
                if problems.len() >= MAX_PROBLEMS {
                    break;
                }
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let cell = |name: &str| {
            columns
                .get(name)
                .and_then(|&i| record.get(i))
                .filter(|v| !v.is_empty())
        };
        let checked = (|| -> Result<ImportRow, String> {
            let amount = parse_amount(record.get(amount_at).unwrap_or_default(), currency)
                .map_err(|e| e.to_string())?;
            let source = match (cell("tin"), cell("source")) {
                (Some(tin), source) => {
                    if source.is_some_and(|s| !s.eq_ignore_ascii_case("tin")) {
                        return Err("a row with a tin has source tin (or none)".into());
                    }
                    let tin = TinNumber::parse(tin)?;
                    if !tins.contains(&tin) {
                        return Err(format!("tin {tin} is not part of this collection"));
                    }
                    if !issued.contains(&tin) {
                        return Err(format!("tin {tin} is not out with a collector"));
                    }
                    DonationSource::Tin(tin)
                }
                (None, None) => DonationSource::Other,
                (None, Some(source)) => match source.to_ascii_lowercase().as_str() {
                    "card" => DonationSource::Card,
                    "online" => DonationSource::Online,
                    "cash" => DonationSource::Cash,
                    "other" => DonationSource::Other,
                    "tin" => return Err("source tin needs a tin number in the tin column".into()),
                    _ => {
                        return Err(format!(
                            "unknown source {source:?}: write card, online, cash or other"
                        ));
                    }
                },
            };
            Ok(ImportRow {
                line,
                amount,
                source,
                note: cell("note").map(str::to_owned),
            })
        })();
        match checked {
            Ok(row) => rows.push(row),
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                if problems.len() >= MAX_PROBLEMS {
                    break;
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(ImportError::Rows(problems))
    }
}

/// A CSV reading problem, said for a person.
fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields, but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text (save the file as UTF-8 CSV)".into(),
        _ => e.to_string(),
    }
}
