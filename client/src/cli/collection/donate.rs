//! `collection donate` and `collection import`: donations one by one, or from a CSV file.

use super::show::after_return_note;
use super::tins::check_tin;
use super::*;

pub(super) fn donate(context: &Context, args: DonateArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let collection: StreetCollection = home.load(&id)?;
    let currency = collection.currency()?;
    let amount = parse::amount(&args.amount, currency)?;
    if let Some(tin) = args.tin {
        check_tin(&collection, tin)?;
        if collection.active_custody(tin)?.is_none() {
            bail!(
                "tin {tin} is not out with a collector: issue it first with \
                 `clubsync collection issue-tin`, or leave out --tin"
            );
        }
    }
    let club = pick::club_if_synced(&home, &membership);
    let collector = pick::acting(&args.acting, &membership, club.as_ref())?;
    let at = now();
    let donation = NewDonation {
        id: DonationId::new_v7(at),
        source: match args.tin {
            Some(tin) => DonationSource::Tin(tin),
            None => args.source.donation_source(),
        },
        amount,
        at,
        collector,
        device: membership.device_id.clone(),
        note: args.note.filter(|n| !n.trim().is_empty()),
    };
    after_return_note(&collection)?;
    let saved = home.write(&id, |c: &mut StreetCollection| {
        Ok(c.record_donation(&donation)?)
    })?;
    println!("Saved donation {saved}: {amount}");
    Ok(())
}

/// One checked row of an import file.
pub(super) struct Row {
    line: u64,
    amount: Money,
    source: DonationSource,
    note: Option<String>,
}

pub(super) fn import(context: &Context, args: ImportArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let collection: StreetCollection = home.load(&id)?;
    let currency = collection.currency()?;
    let club = pick::club_if_synced(&home, &membership);
    let collector = pick::acting(&args.acting, &membership, club.as_ref())?;
    let file = args.file.display().to_string();
    let rows = read_import(&args.file, &collection, currency)
        .with_context(|| format!("{file}: nothing was recorded"))?;
    if rows.is_empty() {
        bail!("{file} has a header but no rows: nothing to record");
    }
    after_return_note(&collection)?;
    let at = now();
    let total: i64 = rows.iter().map(|r| r.amount.minor).sum();
    let count = rows.len();
    let device = membership.device_id.clone();
    let mut failed_line = None;
    home.write(&id, |c: &mut StreetCollection| {
        for row in &rows {
            failed_line = Some(row.line);
            c.record_donation(&NewDonation {
                id: DonationId::new_v7(at),
                source: row.source,
                amount: row.amount,
                at,
                collector,
                device: device.clone(),
                note: row.note.clone(),
            })?;
        }
        failed_line = None;
        Ok(())
    })
    .with_context(|| match failed_line {
        Some(line) => format!("{file}: line {line}: nothing was recorded"),
        None => format!("{file}: nothing was recorded"),
    })?;
    println!(
        "Saved {count} donations (total {})",
        Money::new(total, currency)
    );
    Ok(())
}

/// Reads and checks every row of an import file; the first problems found refuse it whole.
pub(super) fn read_import(
    path: &std::path::Path,
    collection: &StreetCollection,
    currency: Currency,
) -> anyhow::Result<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .context("cannot open the file")?;
    let header = reader
        .headers()
        .context("cannot read the header row")?
        .clone();
    let mut columns: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, name) in header.iter().enumerate() {
        let known = ["amount", "tin", "note", "source"]
            .into_iter()
            .find(|k| k.eq_ignore_ascii_case(name));
        match known {
            Some(k) if columns.insert(k, i).is_some() => {
                bail!("line 1: the column {name:?} appears twice")
            }
            Some(_) => {}
            None => bail!(
                "line 1: unknown column {name:?}: the columns are amount (required), tin, note \
                 and source"
            ),
        }
    }
    let Some(&amount_at) = columns.get("amount") else {
        bail!(
            "line 1: no `amount` column: the first line must be a header such as amount,tin,note"
        );
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
                if problems.len() >= 10 {
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
        let checked = (|| -> anyhow::Result<Row> {
            let amount = parse::amount(record.get(amount_at).unwrap_or_default(), currency)?;
            let source = match (cell("tin"), cell("source")) {
                (Some(tin), source) => {
                    if source.is_some_and(|s| !s.eq_ignore_ascii_case("tin")) {
                        bail!("a row with a tin has source tin (or none)");
                    }
                    let tin = parse::tin(tin).map_err(anyhow::Error::msg)?;
                    if !tins.contains(&tin) {
                        bail!("tin {tin} is not part of this collection");
                    }
                    if !issued.contains(&tin) {
                        bail!("tin {tin} is not out with a collector");
                    }
                    DonationSource::Tin(tin)
                }
                (None, None) => DonationSource::Other,
                (None, Some(source)) => match source.to_ascii_lowercase().as_str() {
                    "card" => DonationSource::Card,
                    "online" => DonationSource::Online,
                    "other" | "cash" => DonationSource::Other,
                    "tin" => bail!("source tin needs a tin number in the tin column"),
                    _ => bail!("unknown source {source:?}: write card, online or other"),
                },
            };
            Ok(Row {
                line,
                amount,
                source,
                note: cell("note").map(str::to_owned),
            })
        })();
        match checked {
            Ok(row) => rows.push(row),
            Err(e) => {
                problems.push(format!("line {line}: {e:#}"));
                if problems.len() >= 10 {
                    break;
                }
            }
        }
    }
    match problems.as_slice() {
        [] => Ok(rows),
        [one] => bail!("{one}"),
        several => bail!(
            "{} bad rows{}:\n  {}",
            several.len(),
            if several.len() >= 10 {
                " (the first 10)"
            } else {
                ""
            },
            several.join("\n  ")
        ),
    }
}

pub(super) fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields, but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text (save the file as UTF-8 CSV)".into(),
        _ => e.to_string(),
    }
}
