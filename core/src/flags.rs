//! Flags: what a CRDT merge cannot prevent, found after the merge and shown to a human.
//!
//! Nothing here changes a record. Two devices offline can each issue tin 7, each count it, or
//! each book the last place on a shift; both records survive the merge and a flag says so. A
//! coordinator who has dealt with a flag records a resolution (`resolution`): a flag is named by
//! its [`Flag::kind`] and [`Flag::records`], and a resolution naming them hides it; a flag that
//! later names more (a third tin issue, one more acceptance) shows again.

use std::fmt;

use crate::ids::{CountId, CustodyId, ItemId, MemberId, ShiftId, SignatureId, TinNumber};

/// A problem found after a merge, for a coordinator to resolve.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Flag {
    /// A tin is with two collectors at once: custody periods overlap.
    TinIssuedTwice {
        /// The tin.
        tin: TinNumber,
        /// The overlapping custody entries.
        custody: Vec<CustodyId>,
    },
    /// One seal number was used on more than one issue of a tin.
    SealUsedTwice {
        /// The seal number.
        seal: String,
        /// The custody entries using it.
        custody: Vec<CustodyId>,
    },
    /// Two devices recorded the return of the same issue of a tin concurrently; the merged
    /// return (time, receiver, seal intact) may mix the two and needs checking.
    TinReturnedTwice {
        /// The tin.
        tin: TinNumber,
        /// The custody entry.
        custody: CustodyId,
    },
    /// One issue of a tin has more than one active (not superseded) count. Blocks the return.
    TwoActiveCounts {
        /// The tin.
        tin: TinNumber,
        /// The custody entry (one issue of the tin) counted.
        custody: CustodyId,
        /// The active counts.
        counts: Vec<CountId>,
    },
    /// A member the club document does not list as 16 or over carried a tin or counted one. Our
    /// writers refuse it, but the rule reads another document (the club's members), so the
    /// server cannot refuse it without refusing valid offline records whose member was marked
    /// 16 or over concurrently; it is flagged instead (`StreetCollection::age_flags`).
    MoneyHandledByUnder16 {
        /// The member.
        member: MemberId,
        /// The records naming them as collector or counter (`custody/<id>`, `counts/<id>`).
        records: Vec<String>,
    },
    /// More people accepted a shift than it needs.
    OverbookedShift {
        /// The shift.
        shift: ShiftId,
        /// How many people it needs.
        needed: i64,
        /// How many accepted.
        accepted: i64,
    },
    /// Signatures with the same name and postcode or town: probably one person signing twice.
    LikelyDuplicateSignatures {
        /// The signatures that look alike.
        signatures: Vec<SignatureId>,
    },
    /// The petition text no longer matches the hash frozen when signing started.
    PetitionTextChanged {
        /// The hash of the text the petition holds now.
        text_hash: String,
    },
    /// The collection is reconciled, yet the bank holds another amount than the cash counted
    /// (a reasoned difference a coordinator recorded, or records merged after reconciling).
    BankedDiffersFromCash {
        /// The cash to bank.
        cash: crate::money::Money,
        /// What was banked.
        banked: crate::money::Money,
    },
    /// More stock left than came in.
    NegativeStock {
        /// The item.
        item: ItemId,
        /// The stock derived from the movements.
        quantity: i64,
    },
}

impl Flag {
    /// Whether this flag blocks the submission of a street collection return.
    pub fn blocks_return(&self) -> bool {
        matches!(self, Flag::TwoActiveCounts { .. })
    }

    /// Whether a coordinator may resolve the flag with a note. Two active counts of one tin are
    /// resolved only by a count that supersedes the others: the return cannot go in with two
    /// totals for one tin, whatever a note says.
    pub fn resolvable(&self) -> bool {
        !self.blocks_return()
    }

    /// The flag's kind, as a resolution names it (snake case, stable).
    pub fn kind(&self) -> &'static str {
        match self {
            Flag::TinIssuedTwice { .. } => "tin_issued_twice",
            Flag::SealUsedTwice { .. } => "seal_used_twice",
            Flag::TinReturnedTwice { .. } => "tin_returned_twice",
            Flag::TwoActiveCounts { .. } => "two_active_counts",
            Flag::MoneyHandledByUnder16 { .. } => "money_handled_by_under16",
            Flag::OverbookedShift { .. } => "overbooked_shift",
            Flag::LikelyDuplicateSignatures { .. } => "likely_duplicate_signatures",
            Flag::PetitionTextChanged { .. } => "petition_text_changed",
            Flag::NegativeStock { .. } => "negative_stock",
            Flag::BankedDiffersFromCash { .. } => "banked_differs_from_cash",
        }
    }

    /// Every flag kind, as [`Flag::kind`] names them.
    pub const KINDS: &'static [&'static str] = &[
        "tin_issued_twice",
        "seal_used_twice",
        "tin_returned_twice",
        "two_active_counts",
        "money_handled_by_under16",
        "overbooked_shift",
        "likely_duplicate_signatures",
        "petition_text_changed",
        "negative_stock",
        "banked_differs_from_cash",
    ];

    /// What the flag names, sorted: the records of its document (`custody/<id>`, `counts/<id>`,
    /// `shifts/<id>`, `signatures/<id>`, `items/<id>`) and, for a flag about a figure, the
    /// figure (`accepted/3`, `stock/-40`, `text/<hash>`), so that a resolution of "3 accepted"
    /// does not hide "4 accepted".
    pub fn records(&self) -> Vec<String> {
        let mut records: Vec<String> = match self {
            Flag::TinIssuedTwice { custody, .. } | Flag::SealUsedTwice { custody, .. } => custody
                .iter()
                .map(|c| format!("custody/{}", c.key()))
                .collect(),
            Flag::TinReturnedTwice { custody, .. } => vec![format!("custody/{}", custody.key())],
            Flag::TwoActiveCounts {
                custody, counts, ..
            } => {
                let mut r = vec![format!("custody/{}", custody.key())];
                r.extend(counts.iter().map(|c| format!("counts/{}", c.key())));
                r
            }
            Flag::MoneyHandledByUnder16 { member, records } => {
                let mut r = records.clone();
                r.push(format!("members/{}", member.key()));
                r
            }
            Flag::OverbookedShift {
                shift, accepted, ..
            } => vec![
                format!("shifts/{}", shift.key()),
                format!("accepted/{accepted}"),
            ],
            Flag::LikelyDuplicateSignatures { signatures } => signatures
                .iter()
                .map(|s| format!("signatures/{}", s.key()))
                .collect(),
            Flag::PetitionTextChanged { text_hash } => vec![format!("text/{text_hash}")],
            Flag::NegativeStock { item, quantity } => {
                vec![format!("items/{}", item.key()), format!("stock/{quantity}")]
            }
            Flag::BankedDiffersFromCash { cash, banked } => {
                vec![
                    format!("cash/{}", cash.minor),
                    format!("banked/{}", banked.minor),
                ]
            }
        };
        records.sort();
        records.dedup();
        records
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::TinIssuedTwice { tin, custody } => {
                write!(
                    f,
                    "tin {tin} is issued to {} collectors at once",
                    custody.len()
                )
            }
            Flag::SealUsedTwice { seal, custody } => {
                write!(f, "seal {seal} is used on {} tin issues", custody.len())
            }
            Flag::TinReturnedTwice { tin, .. } => {
                write!(f, "the return of tin {tin} was recorded twice at once")
            }
            Flag::TwoActiveCounts { tin, counts, .. } => {
                write!(f, "tin {tin} has {} active counts", counts.len())
            }
            Flag::MoneyHandledByUnder16 { member, records } => write!(
                f,
                "member {member} is not recorded as 16 or over, yet {} record(s) have them \
                 carrying or counting money",
                records.len()
            ),
            Flag::OverbookedShift {
                needed, accepted, ..
            } => {
                write!(f, "shift needs {needed} people, {accepted} accepted")
            }
            Flag::LikelyDuplicateSignatures { signatures } => {
                write!(
                    f,
                    "{} signatures look like the same person",
                    signatures.len()
                )
            }
            Flag::PetitionTextChanged { .. } => {
                f.write_str("petition text changed after signing started")
            }
            Flag::NegativeStock { item, quantity } => write!(f, "stock of {item} is {quantity}"),
            Flag::BankedDiffersFromCash { cash, banked } => write!(
                f,
                "reconciled with a difference: {banked} banked, {cash} to bank"
            ),
        }
    }
}
