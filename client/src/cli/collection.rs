//! `clubsync collection`: street collections on this device: tins and who has them, donations,
//! counts, and the return. Every record is saved on this device before the command says so.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use clubsync_client::{DeviceHome, Membership, now};
use clubsync_core::collection::{
    Count, CountStatus, DonationSource, IssueTin, NewCollection, NewCount, NewDonation, NewReturn,
    StreetCollection, Supersede, TinReturn,
};
use clubsync_core::currency::Currency;
use clubsync_core::document::DocumentKind;
use clubsync_core::ids::{CountId, CustodyId, DonationId, MemberId, ReturnId, TinNumber};
use clubsync_core::money::Money;
use clubsync_core::reports::Reconciliation;
use clubsync_core::stage::Stage;
use clubsync_protocol::DocumentId;

use super::Context;
use super::parse;
use super::pick::{self, Acting};

const KIND: DocumentKind = DocumentKind::StreetCollection;

#[derive(Subcommand, Debug)]
pub enum CollectionCommand {
    /// Start a new street collection, optionally with its numbered tins
    ///
    /// Amounts of a collection are all in one currency: the club's, unless --currency says
    /// otherwise. The first line printed is `Created collection <ID> "<title>"`.
    ///
    /// Examples:
    ///   clubsync collection create "High Street, Sat 5 Dec" --tins 1-20
    ///   clubsync collection create "Marché de Noël" --currency EUR
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),

    /// List the street collections on this device: id, title, status and total so far
    ///
    /// The total is the money counted from tins plus donations outside tins (card, online,
    /// other); money in a tin counts once its tin is counted.
    List,

    /// Show one collection: its tins and who has them, counts, totals, and anything flagged
    ///
    /// COLLECTION is its id, the start of its id, or part of its title.
    Show {
        /// The collection: its id, the start of its id, or part of its title.
        collection: String,
    },

    /// Add numbered tins to a collection
    ///
    /// Examples:
    ///   clubsync collection add-tins "High Street" 1-20
    ///   clubsync collection add-tins "High Street" 21,25-30
    #[command(verbatim_doc_comment)]
    AddTins {
        /// The collection: its id, the start of its id, or part of its title.
        collection: String,
        /// The tin numbers: 7, 1-20, or a list like 1-5,9.
        tins: String,
    },

    /// Hand a sealed tin to a collector (16 or over)
    ///
    /// Examples:
    ///   clubsync collection issue-tin "High Street" 7 --seal A-1043 --collector "Min-ji"
    ///   clubsync collection issue-tin "High Street" 8 --seal A-1044     (to yourself)
    #[command(verbatim_doc_comment)]
    IssueTin(IssueArgs),

    /// Take a tin back from its collector (record whether the seal was intact)
    ///
    /// Example:
    ///   clubsync collection return-tin "High Street" 7
    ///   clubsync collection return-tin "High Street" 8 --seal-broken
    #[command(verbatim_doc_comment)]
    ReturnTin(ReturnArgs),

    /// Record one donation, saved on this device when the command returns
    ///
    /// AMOUNT is in the collection's currency: 5, 5.00 or 0.50 (never more decimals than the
    /// currency has). With --tin it is the collector's tally of a tin donation (the tin's money
    /// counts once the tin is counted); without, it is money outside tins (--source).
    ///
    /// Examples:
    ///   clubsync collection donate "High Street" 5.00
    ///   clubsync collection donate "High Street" 10 --source card --note "QR code"
    ///   clubsync collection donate "High Street" 2.50 --tin 7
    #[command(verbatim_doc_comment)]
    Donate(DonateArgs),

    /// Record many donations from a CSV file, all or none
    ///
    /// The file has a header row with an `amount` column and optional `tin`, `note` and
    /// `source` (card, online, other) columns. Every row is checked first: one bad row refuses
    /// the whole file, naming its line, and nothing is recorded. Otherwise each row becomes its
    /// own donation, all saved together.
    ///
    /// Example file:
    ///   amount,tin,note
    ///   5.00,,
    ///   2.50,7,
    ///   20,,cheque 0012
    ///
    ///   clubsync collection import "High Street" donations.csv
    #[command(verbatim_doc_comment)]
    Import(ImportArgs),

    /// Record the count of a returned tin, signed off by its two counters
    ///
    /// Two counters (16 or over, not the same person) count the coins and notes together and
    /// both sign the count at once. The count is of the tin's latest issue, which must have been returned. Each
    /// --denomination is VALUE:COUNT, the value in the collection's currency.
    ///
    /// Example (three £2 coins, one £5 note, four 50p coins = £13.00):
    ///   clubsync collection count "High Street" 7 --place "Church hall" \
    ///     --counter "Min-ji" --counter "Ben" \
    ///     --denomination 2.00:3 --denomination 5:1 --denomination 0.50:4
    ///
    /// A count is never changed. To correct one, count again with --correction "why".
    #[command(verbatim_doc_comment)]
    Count(CountArgs),

    /// Move a collection to its next stage, up to submitting its return
    ///
    /// The stages: planned, held, counted, reconciled, and return submitted, which closes the
    /// ledger. Without --stage, goes one stage forward. A status never goes back. Submitting the return
    /// records exactly what it covers; anything recorded after it is shown as a post-close
    /// adjustment. Two active counts of one tin block the return.
    ///
    /// Examples:
    ///   clubsync collection close "High Street"                     (next stage)
    ///   clubsync collection close "High Street" --stage return-submitted --reference LCC/123
    #[command(verbatim_doc_comment)]
    Close(CloseArgs),
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// The title, e.g. "High Street, Sat 5 Dec".
    title: String,
    /// The currency of every amount (ISO 4217, e.g. GBP): defaults to the club's currency.
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
    /// Tins to add at once: 1-20, 7, or a list like 1-5,9.
    #[arg(long, value_name = "RANGE")]
    tins: Option<String>,
}

#[derive(Args, Debug)]
pub struct IssueArgs {
    /// The collection: its id, the start of its id, or part of its title.
    collection: String,
    /// The tin's number.
    #[arg(value_parser = parse::tin)]
    tin: TinNumber,
    /// The number of the seal put on the tin.
    #[arg(long)]
    seal: String,
    /// Who takes the tin (a member id or part of the name): defaults to you.
    #[arg(long, value_name = "MEMBER")]
    collector: Option<String>,
    #[command(flatten)]
    acting: Acting,
}

#[derive(Args, Debug)]
pub struct ReturnArgs {
    /// The collection: its id, the start of its id, or part of its title.
    collection: String,
    /// The tin's number.
    #[arg(value_parser = parse::tin)]
    tin: TinNumber,
    /// The seal was broken or missing when the tin came back.
    #[arg(long)]
    seal_broken: bool,
    #[command(flatten)]
    acting: Acting,
}

/// Where money outside a tin came in.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// By card on a reader.
    Card,
    /// Online (a QR code on the tin or stall).
    Online,
    /// Cash handed over outside a tin, or anything else.
    Other,
}

impl Source {
    fn donation_source(self) -> DonationSource {
        match self {
            Source::Card => DonationSource::Card,
            Source::Online => DonationSource::Online,
            Source::Other => DonationSource::Other,
        }
    }
}

#[derive(Args, Debug)]
pub struct DonateArgs {
    /// The collection: its id, the start of its id, or part of its title.
    collection: String,
    /// How much, in the collection's currency: 5, 5.00, 0.50.
    #[arg(allow_hyphen_values = true)]
    amount: String,
    /// The tin it went into (a tally for its collector; the tin's money counts when counted).
    #[arg(long, value_parser = parse::tin, conflicts_with = "source")]
    tin: Option<TinNumber>,
    /// Where money outside a tin came in.
    #[arg(long, value_enum, default_value_t = Source::Other)]
    source: Source,
    /// A note kept with the donation.
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    acting: Acting,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The collection: its id, the start of its id, or part of its title.
    collection: String,
    /// The CSV file: a header with `amount` and optional `tin`, `note`, `source` columns.
    file: PathBuf,
    #[command(flatten)]
    acting: Acting,
}

#[derive(Args, Debug)]
pub struct CountArgs {
    /// The collection: its id, the start of its id, or part of its title.
    collection: String,
    /// The tin's number.
    #[arg(value_parser = parse::tin)]
    tin: TinNumber,
    /// A counter (a member id or part of the name): give exactly two different people.
    #[arg(long = "counter", value_name = "MEMBER", required = true)]
    counters: Vec<String>,
    /// Coins or notes as VALUE:COUNT, e.g. 2.00:3 (repeat for each value).
    #[arg(long = "denomination", value_name = "VALUE:COUNT")]
    denominations: Vec<String>,
    /// The tin was empty: record a count of nothing.
    #[arg(long, conflicts_with = "denominations")]
    empty: bool,
    /// Where the tin was opened and counted.
    #[arg(long)]
    place: String,
    /// Anything in the tin that is not cash (a cheque, foreign coins).
    #[arg(long, value_name = "TEXT")]
    non_cash: Option<String>,
    /// Why the counters are related, if they are (they should not be).
    #[arg(long, value_name = "TEXT")]
    related_reason: Option<String>,
    /// This count corrects the tin's current count: why.
    #[arg(long, value_name = "REASON")]
    correction: Option<String>,
}

/// A stage to move a collection to.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageArg {
    /// The collection took place.
    Held,
    /// All tins are counted.
    Counted,
    /// Counted, banked and remitted agree (or their differences are explained).
    Reconciled,
    /// The return to the licensing authority was submitted: closes the ledger.
    ReturnSubmitted,
}

impl StageArg {
    fn stage(self) -> Stage {
        match self {
            StageArg::Held => Stage::Held,
            StageArg::Counted => Stage::Counted,
            StageArg::Reconciled => Stage::Reconciled,
            StageArg::ReturnSubmitted => Stage::ReturnSubmitted,
        }
    }
}

#[derive(Args, Debug)]
pub struct CloseArgs {
    /// The collection: its id, the start of its id, or part of its title.
    collection: String,
    /// The stage to move to (default: the next one).
    #[arg(long, value_enum)]
    stage: Option<StageArg>,
    /// The licensing authority's reference, recorded with a submitted return.
    #[arg(long)]
    reference: Option<String>,
    #[command(flatten)]
    acting: Acting,
}

pub fn run(context: &Context, command: CollectionCommand) -> anyhow::Result<()> {
    match command {
        CollectionCommand::Create(args) => create(context, args),
        CollectionCommand::List => list(context),
        CollectionCommand::Show { collection } => show(context, &collection),
        CollectionCommand::AddTins { collection, tins } => add_tins(context, &collection, &tins),
        CollectionCommand::IssueTin(args) => issue_tin(context, args),
        CollectionCommand::ReturnTin(args) => return_tin(context, args),
        CollectionCommand::Donate(args) => donate(context, args),
        CollectionCommand::Import(args) => import(context, args),
        CollectionCommand::Count(args) => count(context, args),
        CollectionCommand::Close(args) => close(context, args),
    }
}

/// The device directory, the club, and the collection named, for a write (observers refused).
fn for_writing(
    context: &Context,
    query: &str,
) -> anyhow::Result<(DeviceHome, Membership, DocumentId)> {
    let (home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let id = pick::document(&home, &membership, KIND, query)?;
    Ok((home, membership, id))
}

fn create(context: &Context, args: CreateArgs) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let currency = match &args.currency {
        Some(code) => Currency::new(&code.trim().to_uppercase()).map_err(|_| {
            anyhow::anyhow!("{code:?} is not an ISO 4217 currency code: write it like GBP or EUR")
        })?,
        None => {
            let club = home.club(&membership).map_err(|_| {
                anyhow::anyhow!(
                    "the club's currency is not known on this device yet (the club's details \
                     arrive with the first `clubsync sync`): give --currency, e.g. --currency GBP"
                )
            })?;
            club.profile()?.currency
        }
    };
    let tins = args.tins.as_deref().map(parse::tin_list).transpose()?;
    let at = now();
    let new = NewCollection {
        club: membership.club_document,
        title: args.title.trim().to_owned(),
        currency,
    };
    let mut collection =
        StreetCollection::create(None, &new, at).context("could not create the collection")?;
    for tin in tins.iter().flatten() {
        collection.add_tin(*tin, None, at)?;
    }
    let id = DocumentId::random();
    home.create(&membership.club_id, id, &collection)?;
    println!("Created collection {id} \"{}\"", new.title);
    println!("Amounts are in {currency}.");
    if let Some(tins) = tins {
        println!("Tins {} added.", parse::tin_ranges(&tins));
    }
    Ok(())
}

/// A stage as people say it: "return submitted".
fn stage_name(stage: Stage) -> String {
    stage.as_str().replace('_', " ")
}

/// A note when records made now come after the submitted return (they stay out of its figures).
fn after_return_note(collection: &StreetCollection) -> anyhow::Result<()> {
    if let Some(first) = collection.returns()?.first() {
        eprintln!(
            "note: the return of this collection was submitted on {}: what is recorded now is a \
             post-close adjustment, kept apart from the submitted figures",
            first.at
        );
    }
    Ok(())
}

/// Counted from tins, donations outside tins, and their sum: the figures of core's
/// reconciliation report, so the screen and the report never disagree.
struct Figures {
    counted: Money,
    outside: Money,
    total: Money,
}

fn figures(collection: &StreetCollection) -> anyhow::Result<Figures> {
    let reconciliation = Reconciliation::build(collection)?;
    let total = Money::new(
        reconciliation.counted.minor + reconciliation.outside_tins.minor,
        reconciliation.counted.currency,
    );
    Ok(Figures {
        counted: reconciliation.counted,
        outside: reconciliation.outside_tins,
        total,
    })
}

fn list(context: &Context) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let listed = pick::documents_of_kind(&home, &membership, KIND)?;
    if listed.is_empty() {
        println!(
            "No street collections on this device yet: `clubsync collection create TITLE` \
             starts one (`clubsync sync` fetches the club's)."
        );
        return Ok(());
    }
    println!("{:<28}  {:<16}  {:>14}  title", "id", "status", "total");
    for d in listed {
        let collection: StreetCollection = home.load(&d.id)?;
        let total = figures(&collection)?.total;
        println!(
            "{:<28}  {:<16}  {:>14}  {}",
            d.id,
            stage_name(collection.status()?),
            total.to_string(),
            d.title
        );
    }
    Ok(())
}

fn show(context: &Context, query: &str) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let id = pick::document(&home, &membership, KIND, query)?;
    let collection: StreetCollection = home.load(&id)?;
    let club = pick::club_if_synced(&home, &membership);
    let club = club.as_ref();
    let currency = collection.currency()?;
    let name = |m: MemberId| pick::member_name(club, m);
    println!(
        "Collection {id} \"{}\": {}, amounts in {currency}",
        collection.title()?,
        stage_name(collection.status()?)
    );

    let custody = collection.custody_log()?;
    let donations = collection.donations()?;
    let counts = collection.counts()?;
    let tins = collection.tins()?;
    let mut tally: BTreeMap<TinNumber, (usize, i64)> = BTreeMap::new();
    for d in donations.iter().filter(|d| !d.reversed) {
        if let DonationSource::Tin(tin) = d.source {
            let entry = tally.entry(tin).or_default();
            entry.0 += 1;
            entry.1 += d.amount.minor;
        }
    }
    println!();
    if tins.is_empty() {
        println!("No tins yet: `clubsync collection add-tins {id} 1-20` adds them.");
    } else {
        println!("Tins ({}):", tins.len());
        println!(
            "  {:>4}  {:<24}  {:<12}  {:<22}  tally",
            "tin", "with", "seal", "since"
        );
        for tin in &tins {
            let latest = custody.iter().rev().find(|c| c.tin == tin.number);
            let (with, seal, since) = match latest {
                None => ("(not issued)".to_owned(), String::new(), String::new()),
                Some(c) => match &c.returned {
                    None => (name(c.collector), c.seal.clone(), c.issued_at.to_string()),
                    Some(r) => {
                        let counted = counts.iter().any(|k| k.custody == c.id && k.active);
                        let state = match (counted, r.seal_intact) {
                            (true, _) => "returned, counted",
                            (false, true) => "returned, to count",
                            (false, false) => "returned, SEAL BROKEN",
                        };
                        (state.to_owned(), c.seal.clone(), r.at.to_string())
                    }
                },
            };
            let tally = tally
                .get(&tin.number)
                .map(|(n, minor)| format!("{n} ({})", Money::new(*minor, currency).decimal()))
                .unwrap_or_default();
            println!(
                "  {:>4}  {:<24}  {:<12}  {:<22}  {tally}",
                tin.number.0, with, seal, since
            );
        }
    }

    if !counts.is_empty() {
        println!();
        println!("Counts:");
        for c in &counts {
            println!("  {}", describe_count(c, &name));
        }
    }

    let figures = figures(&collection)?;
    let outside = donations
        .iter()
        .filter(|d| !matches!(d.source, DonationSource::Tin(_)))
        .count();
    let reversed = donations.iter().filter(|d| d.reversed).count();
    let post_close = donations.iter().filter(|d| d.post_close).count();
    println!();
    println!(
        "Donations: {} recorded ({outside} outside tins, {} tin tallies){}{}",
        donations.len(),
        donations.len() - outside,
        if reversed > 0 {
            format!(", {reversed} reversed")
        } else {
            String::new()
        },
        if post_close > 0 {
            format!(", {post_close} after the return (not in the totals)")
        } else {
            String::new()
        },
    );
    println!("Counted from tins:      {}", figures.counted);
    println!("Donations outside tins: {}", figures.outside);
    println!("Total:                  {}", figures.total);
    let flags = collection.flags()?;
    println!();
    if flags.is_empty() {
        println!("Flags: none");
    } else {
        println!("Flags (for a coordinator to resolve):");
        for flag in flags {
            let blocks = if flag.blocks_return() {
                " (blocks the return)"
            } else {
                ""
            };
            println!("  - {flag}{blocks}");
        }
    }
    Ok(())
}

fn describe_count(c: &Count, name: &impl Fn(MemberId) -> String) -> String {
    let status = match c.status {
        CountStatus::Draft => "not signed",
        CountStatus::SignedByOne => "signed by one counter",
        CountStatus::Locked => "signed by both",
    };
    let mut text = format!(
        "tin {}: {} by {} and {} at {} on {}, {status}",
        c.tin,
        c.total,
        name(c.counter1),
        name(c.counter2),
        c.place,
        c.at
    );
    if !c.active {
        text.push_str(" (superseded)");
    }
    if c.post_close {
        text.push_str(" (after the return)");
    }
    text
}

fn add_tins(context: &Context, query: &str, tins: &str) -> anyhow::Result<()> {
    let tins = parse::tin_list(tins)?;
    let (mut home, _membership, id) = for_writing(context, query)?;
    let existing = tin_numbers(&home.load(&id)?)?;
    let taken: Vec<TinNumber> = tins
        .iter()
        .filter(|t| existing.contains(t))
        .copied()
        .collect();
    if !taken.is_empty() {
        bail!(
            "tin(s) {} already exist in this collection (it has {}); nothing added",
            parse::tin_ranges(&taken),
            parse::tin_ranges(&existing)
        );
    }
    let at = now();
    home.write(&id, |c: &mut StreetCollection| {
        for tin in &tins {
            c.add_tin(*tin, None, at)?;
        }
        Ok(())
    })?;
    println!("Tins {} added.", parse::tin_ranges(&tins));
    Ok(())
}

/// The collection's tin numbers, in order.
fn tin_numbers(c: &StreetCollection) -> anyhow::Result<Vec<TinNumber>> {
    Ok(c.tins()?.into_iter().map(|t| t.number).collect())
}

/// Refuses a tin the collection does not have, listing the ones it has.
fn check_tin(c: &StreetCollection, tin: TinNumber) -> anyhow::Result<()> {
    let tins = tin_numbers(c)?;
    if tins.contains(&tin) {
        return Ok(());
    }
    if tins.is_empty() {
        bail!(
            "tin {tin} is not part of this collection: it has no tins yet (add them with \
             `clubsync collection add-tins`)"
        );
    }
    bail!(
        "tin {tin} is not part of this collection (its tins are {}): add it with \
         `clubsync collection add-tins`",
        parse::tin_ranges(&tins)
    )
}

fn issue_tin(context: &Context, args: IssueArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let club = home.club(&membership)?;
    let issued_by = pick::acting(&args.acting, &membership, Some(&club))?;
    let collector = match &args.collector {
        Some(query) => pick::member(Some(&club), query)?,
        None => issued_by,
    };
    let collection: StreetCollection = home.load(&id)?;
    check_tin(&collection, args.tin)?;
    if let Some(out) = collection.active_custody(args.tin)? {
        bail!(
            "tin {} is already out with {} (seal {}): return it first with \
             `clubsync collection return-tin {id} {}`",
            args.tin,
            pick::member_name(Some(&club), out.collector),
            out.seal,
            args.tin
        );
    }
    if let Some(used) = collection
        .custody_log()?
        .into_iter()
        .find(|c| c.seal.trim() == args.seal.trim())
    {
        bail!(
            "seal {} was already used on tin {} (issued {}): each issue of a tin gets a new seal",
            used.seal,
            used.tin,
            used.issued_at
        );
    }
    let at = now();
    let issue = IssueTin {
        id: CustodyId::new_v7(at),
        tin: args.tin,
        collector,
        seal: args.seal.clone(),
        issued_by,
        at,
    };
    home.write(&id, |c: &mut StreetCollection| {
        Ok(c.issue_tin(&issue, &club)?)
    })?;
    println!(
        "Tin {} issued to {} with seal {}.",
        args.tin,
        pick::member_name(Some(&club), collector),
        issue.seal.trim()
    );
    Ok(())
}

fn return_tin(context: &Context, args: ReturnArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let club = pick::club_if_synced(&home, &membership);
    let to = pick::acting(&args.acting, &membership, club.as_ref())?;
    let collection: StreetCollection = home.load(&id)?;
    check_tin(&collection, args.tin)?;
    let Some(out) = collection.active_custody(args.tin)? else {
        bail!("tin {} is not out with anyone: nothing to return", args.tin);
    };
    let ret = TinReturn {
        at: now(),
        to,
        seal_intact: !args.seal_broken,
    };
    home.write(&id, |c: &mut StreetCollection| {
        Ok(c.return_tin(out.id, &ret)?)
    })?;
    println!(
        "Tin {} returned by {}, seal {}.",
        args.tin,
        pick::member_name(club.as_ref(), out.collector),
        if args.seal_broken { "BROKEN" } else { "intact" }
    );
    Ok(())
}

fn donate(context: &Context, args: DonateArgs) -> anyhow::Result<()> {
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
struct Row {
    line: u64,
    amount: Money,
    source: DonationSource,
    note: Option<String>,
}

fn import(context: &Context, args: ImportArgs) -> anyhow::Result<()> {
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
fn read_import(
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

fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields, but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text (save the file as UTF-8 CSV)".into(),
        _ => e.to_string(),
    }
}

fn count(context: &Context, args: CountArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let club = home.club(&membership)?;
    let [first, second] = args.counters.as_slice() else {
        bail!(
            "a count needs exactly two counters, {} given: give --counter twice",
            args.counters.len()
        );
    };
    let counter1 = pick::member(Some(&club), first)?;
    let counter2 = pick::member(Some(&club), second)?;
    if counter1 == counter2 {
        bail!(
            "both counters are {}: a count needs two different people",
            pick::member_name(Some(&club), counter1)
        );
    }
    let collection: StreetCollection = home.load(&id)?;
    let currency = collection.currency()?;
    if args.denominations.is_empty() && !args.empty {
        bail!(
            "no coins or notes given: add --denomination VALUE:COUNT (e.g. 2.00:3), or --empty for an empty tin"
        );
    }
    let denominations = args
        .denominations
        .iter()
        .map(|d| parse::denomination(d, currency))
        .collect::<anyhow::Result<Vec<_>>>()?;
    check_tin(&collection, args.tin)?;
    let tin = args.tin;
    let Some(latest) = collection
        .custody_log()?
        .into_iter()
        .rfind(|e| e.tin == tin)
    else {
        bail!("tin {tin} was never issued: nothing to count");
    };
    if latest.returned.is_none() {
        bail!(
            "tin {tin} is still out with {} (seal {}): record its return first with \
             `clubsync collection return-tin {id} {tin}`",
            pick::member_name(Some(&club), latest.collector),
            latest.seal
        );
    }
    let active: Vec<CountId> = collection
        .counts()?
        .iter()
        .filter(|k| k.custody == latest.id && k.active)
        .map(|k| k.id)
        .collect();
    let supersedes = match (&args.correction, active.is_empty()) {
        (None, true) => None,
        (None, false) => bail!(
            "tin {tin} is already counted: to correct its count, count again with \
             --correction \"why\""
        ),
        (Some(_), true) => bail!("tin {tin} has no count to correct: leave out --correction"),
        (Some(reason), false) => Some(Supersede {
            counts: active,
            reason: reason.clone(),
        }),
    };
    let at = now();
    let count_id = CountId::new_v7(at);
    let new = NewCount {
        id: count_id,
        custody: latest.id,
        place: args.place.trim().to_owned(),
        at,
        counter1,
        counter2,
        related_reason: args.related_reason.clone(),
        denominations,
        non_cash: args.non_cash.clone(),
        supersedes,
    };
    let (status, total) = home.write(&id, |c: &mut StreetCollection| {
        c.record_count(&new, &club)?;
        c.sign_count(count_id, counter1, at)?;
        let status = c.sign_count(count_id, counter2, at)?;
        Ok((status, c.count(count_id)?.map(|k| k.total)))
    })?;
    let total = total.unwrap_or_else(|| Money::zero(currency));
    println!(
        "Saved count {count_id} of tin {tin}: {total}, counted by {} and {}{}",
        pick::member_name(Some(&club), counter1),
        pick::member_name(Some(&club), counter2),
        if status == CountStatus::Locked {
            ", signed by both"
        } else {
            ""
        }
    );
    Ok(())
}

fn close(context: &Context, args: CloseArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let collection: StreetCollection = home.load(&id)?;
    let current = collection.status()?;
    let target = match args.stage {
        Some(stage) => stage.stage(),
        None => match Stage::ALL.into_iter().find(|s| *s > current) {
            Some(next) => next,
            None => {
                let returns = collection.returns()?;
                let when = returns
                    .first()
                    .map(|r| format!(" on {}", r.at))
                    .unwrap_or_default();
                println!(
                    "The return of this collection was already submitted{when}: its ledger is closed."
                );
                return Ok(());
            }
        },
    };
    if target <= current {
        println!(
            "Collection \"{}\" is already {}: a status never goes back.",
            collection.title()?,
            stage_name(current)
        );
        return Ok(());
    }
    if args.reference.is_some() && target != Stage::ReturnSubmitted {
        bail!("--reference is recorded with the return: use it with --stage return-submitted");
    }
    for warning in warnings(&collection, target)? {
        eprintln!("warning: {warning}");
    }
    let at = now();
    let reached = if target == Stage::ReturnSubmitted {
        let club = pick::club_if_synced(&home, &membership);
        let by = pick::acting(&args.acting, &membership, club.as_ref())?;
        let new = NewReturn {
            id: ReturnId::new_v7(at),
            reference: args.reference.clone(),
            by,
            at,
        };
        home.write(&id, |c: &mut StreetCollection| {
            c.submit_return(&new)?;
            Ok(c.status()?)
        })
        .context("the return was not submitted")?
    } else {
        home.write(&id, |c: &mut StreetCollection| {
            Ok(c.advance_status(target, at)?)
        })?
    };
    println!(
        "Collection \"{}\" is now {}.",
        collection.title()?,
        stage_name(reached)
    );
    match Stage::ALL.into_iter().find(|s| *s > reached) {
        Some(Stage::ReturnSubmitted) => println!(
            "Next: `clubsync collection close {id}` submits the return and closes the ledger \
             (add --reference with the authority's reference)."
        ),
        Some(next) => println!(
            "Next: `clubsync collection close {id}` moves it to {}.",
            stage_name(next)
        ),
        None => println!("The ledger is closed: anything recorded now is a post-close adjustment."),
    }
    Ok(())
}

/// What is unusual about moving to `target` now (the move is still allowed).
fn warnings(collection: &StreetCollection, target: Stage) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    if target < Stage::Counted {
        return Ok(out);
    }
    let custody = collection.custody_log()?;
    let counts = collection.counts()?;
    let mut out_now: Vec<TinNumber> = custody
        .iter()
        .filter(|c| c.returned.is_none())
        .map(|c| c.tin)
        .collect();
    out_now.sort();
    out_now.dedup();
    if !out_now.is_empty() {
        out.push(format!(
            "tin(s) {} are still out with collectors",
            parse::tin_ranges(&out_now)
        ));
    }
    let mut uncounted: Vec<TinNumber> = custody
        .iter()
        .filter(|c| c.returned.is_some())
        .filter(|c| !counts.iter().any(|k| k.custody == c.id && k.active))
        .map(|c| c.tin)
        .collect();
    uncounted.sort();
    uncounted.dedup();
    if !uncounted.is_empty() {
        out.push(format!(
            "tin(s) {} came back but are not counted",
            parse::tin_ranges(&uncounted)
        ));
    }
    let unsigned = counts
        .iter()
        .filter(|k| k.active && k.status != CountStatus::Locked)
        .count();
    if unsigned > 0 {
        out.push(format!(
            "{unsigned} count(s) are not signed by both counters"
        ));
    }
    Ok(out)
}
