//! `clubsync collection`: street collections on this device: tins and who has them, donations,
//! counts, and the return. Every record is saved on this device before the command says so.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use clubsync_client::{DeviceHome, Membership, now};
use clubsync_core::collection::{
    Count, CountStatus, DonationSource, IssueTin, LedgerKind, NewCollection, NewCount, NewDonation,
    NewLedgerEntry, NewReturn, StreetCollection, Supersede, TinReturn,
};
use clubsync_core::currency::Currency;
use clubsync_core::document::DocumentKind;
use clubsync_core::ids::{
    CountId, CustodyId, DonationId, LedgerEntryId, MemberId, ReturnId, TinNumber,
};
use clubsync_core::money::Money;
use clubsync_core::reports::Reconciliation;
use clubsync_core::stage::Stage;
use clubsync_protocol::DocumentId;

use super::Context;
use super::parse;
use super::pick::{self, Acting};

mod bank;
mod count;
mod donate;
mod permit;
mod reverse;
mod show;
mod tins;

use count::{close, count};
use donate::{donate, import};
use reverse::{donations, reverse};
use show::{list, show};
use tins::{add_tins, issue_tin, return_tin};

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
    /// cash, other); money in a tin counts once its tin is counted.
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

    /// List every donation of a collection with its id, reversed ones marked
    Donations {
        /// The collection: its id, the start of its id, or part of its title.
        collection: String,
    },

    /// Reverse a donation recorded in error, with a reason (it stays listed, out of every total)
    ///
    /// DONATION is its id, or its end as `collection donations` lists it (8 characters or
    /// more).
    ///
    /// Example (a card payment typed as 500.00 instead of 5.00):
    ///   clubsync collection reverse "High Street" 9b6e2f0c4a1d --reason "typed 500.00 for 5.00"
    #[command(verbatim_doc_comment)]
    Reverse(ReverseArgs),

    /// Record many donations from a CSV file, all or none
    ///
    /// The file has a header row with an `amount` column and optional `tin`, `note` and
    /// `source` (card, online, cash, other) columns. Every row is checked first: one bad row refuses
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

    /// Show the permit, or enter it from the paper one (only the fields given change)
    ///
    /// Example:
    ///   clubsync collection permit "High Street" --authority "Leeds City Council" \
    ///     --reference SC/2026/114 --first-day 2026-03-14 --last-day 2026-03-14 \
    ///     --hours 10:00-16:00 --sites "Briggate" --return-due 2026-04-14
    #[command(verbatim_doc_comment)]
    Permit(permit::PermitArgs),

    /// Record cash paid into the bank: the amount, the paying-in slip, who paid it in
    ///
    /// Example:
    ///   clubsync collection bank "High Street" 105.50 --reference "slip 004512" --member "Min-ji"
    #[command(verbatim_doc_comment)]
    Bank(bank::LedgerArgs),

    /// Record money spent for the collection: what for, and the receipt
    ///
    /// Example:
    ///   clubsync collection expense "High Street" 12.00 --for "permit fee" --reference "LCC-R-88"
    #[command(verbatim_doc_comment)]
    Expense(bank::LedgerArgs),

    /// Record money sent on to the NGO, with its transfer reference
    ///
    /// Example:
    ///   clubsync collection remit "High Street" 93.50 --reference "NGO-2026-031"
    #[command(verbatim_doc_comment)]
    Remit(bank::LedgerArgs),

    /// Show the ledger (deposits, expenses, remittances) and the reconciliation: what there is
    /// to bank, what is banked, what is due to the NGO
    Ledger {
        /// The collection: its id, the start of its id, or part of its title.
        collection: String,
    },

    /// Move a collection to its next stage, up to submitting its return
    ///
    /// The stages: planned, held, counted, reconciled (only once the cash counted is banked,
    /// or with --difference "why"), and return submitted, which closes the ledger. Without --stage, goes one stage forward. A status never goes back. Submitting the return
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
    /// Cash handed over outside a tin.
    Cash,
    /// Anything else (a cheque, a bank transfer).
    Other,
}

impl Source {
    fn donation_source(self) -> DonationSource {
        match self {
            Source::Card => DonationSource::Card,
            Source::Online => DonationSource::Online,
            Source::Cash => DonationSource::Cash,
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
pub struct ReverseArgs {
    /// The collection: its id, the start of its id, or part of its title.
    collection: String,
    /// The donation: its id, or its end as `collection donations` lists it.
    donation: String,
    /// Why (required), e.g. "typed 500.00 for 5.00".
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    acting: Acting,
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
    /// Reconcile although the bank holds another amount than the cash counted, saying why
    /// (recorded as a difference, and flagged for the head office).
    #[arg(long, value_name = "REASON")]
    difference: Option<String>,
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
        CollectionCommand::Donations { collection } => donations(context, &collection),
        CollectionCommand::Reverse(args) => reverse(context, args),
        CollectionCommand::Count(args) => count(context, args),
        CollectionCommand::Close(args) => close(context, args),
        CollectionCommand::Bank(args) => bank::record(context, LedgerKind::Deposit, args),
        CollectionCommand::Expense(args) => bank::record(context, LedgerKind::Expense, args),
        CollectionCommand::Remit(args) => bank::record(context, LedgerKind::Remittance, args),
        CollectionCommand::Ledger { collection } => bank::ledger(context, &collection),
        CollectionCommand::Permit(args) => permit::permit(context, args),
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

pub(super) fn create(context: &Context, args: CreateArgs) -> anyhow::Result<()> {
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
    writeln!(context.out(), "Created collection {id} \"{}\"", new.title)?;
    writeln!(context.out(), "Amounts are in {currency}.")?;
    if let Some(tins) = tins {
        writeln!(context.out(), "Tins {} added.", parse::tin_ranges(&tins))?;
    }
    Ok(())
}
