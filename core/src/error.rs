//! Why a record was refused, and why a document could not be read.

use crate::ids::{
    AssignmentId, CountId, CustodyId, DonationId, ItemId, LedgerEntryId, MemberId, PledgeId,
    ShiftId, TinNumber,
};
use crate::timestamp::Timestamp;

/// Why a record was refused. Nothing is written when one of these is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// An amount that must be positive was zero or negative.
    #[error("amount must be more than zero, got {0} minor units")]
    AmountNotPositive(i64),
    /// The currency code is not an active ISO 4217 code.
    #[error("{0:?} is not an ISO 4217 currency code")]
    UnknownCurrency(String),
    /// The amount is in another currency than the document keeps its accounts in.
    #[error("amount is in {given}, but this document keeps its accounts in {expected}")]
    CurrencyMismatch {
        /// The document's currency.
        expected: String,
        /// The currency given.
        given: String,
    },
    /// Not a tin number (tins are numbered from 1).
    #[error("{0}")]
    InvalidTin(String),
    /// A consent names a person who is not one of the petition's signatures.
    #[error("no signature {0} on this petition")]
    UnknownSignature(String),
    /// No tin with this number was added to the collection.
    #[error("tin {0} is not part of this collection")]
    UnknownTin(TinNumber),
    /// The tin exists but is not with a collector now.
    #[error("tin {0} is not issued to a collector")]
    TinNotIssued(TinNumber),
    /// The tin is already with a collector; return it first.
    #[error("tin {0} is already issued to a collector")]
    TinAlreadyIssued(TinNumber),
    /// The seal was used on an earlier issue (of this tin or another): every issue of a tin gets
    /// a new seal, so a seal that turns up again on a returned tin proves nothing. Two devices
    /// that use one seal concurrently, offline, are flagged after the merge instead
    /// (`Flag::SealUsedTwice`).
    #[error("seal {seal} was already used on tin {tin}: each issue of a tin gets a new seal")]
    SealReused {
        /// The seal number, trimmed.
        seal: String,
        /// The tin it was used on.
        tin: TinNumber,
    },
    /// The tin number already exists in this collection.
    #[error("tin {0} already exists in this collection")]
    TinExists(TinNumber),
    /// No custody entry has this id.
    #[error("no custody entry {0}")]
    UnknownCustody(CustodyId),
    /// The custody entry already records the tin's return.
    #[error("custody entry {0} already records the tin's return")]
    AlreadyReturned(CustodyId),
    /// A tin must be returned (sealed) before it is opened and counted.
    #[error("the tin of custody entry {0} has not been returned yet")]
    TinNotReturned(CustodyId),
    /// Both counters of a count are the same person.
    #[error("counter {0} cannot count twice: a count needs two different people")]
    SameCounterTwice(MemberId),
    /// A counter is not recorded as 16 or over.
    #[error("member {0} is not recorded as 16 or over and may not count money")]
    CounterUnder16(MemberId),
    /// A collector is not recorded as 16 or over.
    #[error("member {0} is not recorded as 16 or over and may not collect money")]
    CollectorUnder16(MemberId),
    /// The member is not in the club's member list.
    #[error("member {0} is not a member of the club")]
    UnknownMember(MemberId),
    /// No count record has this id.
    #[error("no count record {0}")]
    UnknownCount(CountId),
    /// The custody entry already has an active count; supersede it with a reason instead.
    #[error("custody entry {custody} already has count {count}; supersede it with a reason")]
    CountExists {
        /// The custody entry.
        custody: CustodyId,
        /// Its active count.
        count: CountId,
    },
    /// Only the two counters named on a count may sign it.
    #[error("member {0} is not a counter of this count")]
    NotACounter(MemberId),
    /// A count of nothing, or a denomination or quantity that is zero or negative.
    #[error("invalid denominations: {0}")]
    InvalidDenominations(String),
    /// No donation entry has this id.
    #[error("no donation {0}")]
    UnknownDonation(DonationId),
    /// No ledger entry has this id.
    #[error("no ledger entry {0}")]
    UnknownLedgerEntry(LedgerEntryId),
    /// The donation was already reversed.
    #[error("donation {0} was already reversed")]
    AlreadyReversed(DonationId),
    /// A record with this id already exists (ids are made once, on the device).
    #[error("a record with id {0} already exists")]
    DuplicateId(String),
    /// A date field is not a `YYYY-MM-DD` date.
    #[error("{field} must be a YYYY-MM-DD date, got {value:?}")]
    InvalidDate {
        /// The field.
        field: &'static str,
        /// The text given.
        value: String,
    },
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    EmptyField(&'static str),
    /// A time zone is not one of the tz database's names.
    #[error(
        "{0:?} is not a time zone: give a name of the tz database, such as Asia/Seoul or Europe/London"
    )]
    UnknownTimeZone(String),
    /// A signature came in after the petition's deadline.
    #[error("the petition closed at {deadline}; signature made at {at}")]
    PastDeadline {
        /// The petition's deadline.
        deadline: Timestamp,
        /// When the signature was made.
        at: Timestamp,
    },
    /// The petition text is frozen because signing has started.
    #[error("the petition text is frozen: signing has started")]
    PetitionTextFrozen,
    /// A signature must give a postcode or a town.
    #[error("a signature needs a postcode or a town")]
    NoPostcodeOrTown,
    /// The return cannot be submitted while flags that block it are open.
    #[error("the return is blocked: {0}")]
    ReturnBlocked(String),
    /// Banked differs from the cash to bank, and no reasoned difference was recorded.
    #[error(
        "not reconciled: {cash} to bank (counted from tins and cash outside them), {banked} banked; \
         bank the rest, or record the difference with a reason"
    )]
    NotReconciled {
        /// The cash to bank.
        cash: crate::money::Money,
        /// What was banked.
        banked: crate::money::Money,
    },
    /// A flag that only a correcting record resolves (two active counts of one tin).
    #[error("a {0} flag is resolved by a count that supersedes the others, not by a note")]
    FlagNotResolvable(&'static str),
    /// The document was made before this container existed, and the server has not yet added
    /// it: sync the document, then try again.
    #[error(
        "this document was made by an earlier version and has no {0} yet: sync it with the server, then try again"
    )]
    NotUpgradedYet(&'static str),
    /// No shift has this id.
    #[error("no shift {0}")]
    UnknownShift(ShiftId),
    /// A shift must end after it starts, and need at least one person.
    #[error("invalid shift: {0}")]
    InvalidShift(String),
    /// No assignment has this id.
    #[error("no assignment {0}")]
    UnknownAssignment(AssignmentId),
    /// No pledge has this id.
    #[error("no pledge {0}")]
    UnknownPledge(PledgeId),
    /// A pledge cannot change once a payment was recorded against it.
    #[error("pledge {0} is frozen: a payment was recorded against it")]
    PledgeFrozen(PledgeId),
    /// No stock item has this id.
    #[error("no stock item {0}")]
    UnknownItem(ItemId),
    /// A stock quantity must be more than zero (the movement kind gives the sign).
    #[error("quantity must be more than zero, got {0}")]
    QuantityNotPositive(i64),
    /// The document does not have the shape this version of clubsync writes.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// Automerge refused an operation: a fault in clubsync, not in the input.
    #[error("automerge refused the write: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

/// Why a document could not be read as a clubsync document of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The document's `kind` is not the one expected.
    #[error("document is a {found:?} document, expected {expected:?}")]
    WrongKind {
        /// The kind the caller asked for.
        expected: String,
        /// The kind the document says it is (empty if none).
        found: String,
    },
    /// The document was written by a newer schema than this build knows.
    #[error("document schema version {0} is newer than this build understands")]
    TooNew(i64),
    /// A required field is missing.
    #[error("{path}: missing")]
    Missing {
        /// Where the field was expected, e.g. `donations/<id>/amount_minor`.
        path: String,
    },
    /// A field has the wrong type or an invalid value.
    #[error("{path}: {problem}")]
    Invalid {
        /// Where the field is.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
}
