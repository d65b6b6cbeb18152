//! Typed ids of records: UUIDs made on the device, written as lowercase hyphenated strings.
//!
//! Append-only records live in maps keyed by these strings, so concurrent inserts on different
//! devices all survive a merge, and a change delivered twice inserts nothing new.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::timestamp::Timestamp;

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered id (UUID version 7) for a record made at `at`.
            ///
            /// The random part comes from the operating system; the time from the caller.
            pub fn new_v7(at: Timestamp) -> Self {
                let millis = u64::try_from(at.millis()).unwrap_or(0);
                let ts = uuid::Timestamp::from_unix(
                    uuid::NoContext,
                    millis / 1000,
                    (millis % 1000) as u32 * 1_000_000,
                );
                Self(Uuid::new_v7(ts))
            }

            /// The id wrapping a UUID the caller made.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID.
            pub const fn uuid(&self) -> Uuid {
                self.0
            }

            /// The map key this id is stored under.
            pub fn key(&self) -> String {
                self.0.hyphenated().to_string()
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(text: &str) -> Result<Self, uuid::Error> {
                Uuid::parse_str(text).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }
    };
}

record_id!(
    /// A club member.
    MemberId
);
record_id!(
    /// A donation entry in a collection's donation ledger.
    DonationId
);
record_id!(
    /// A reversal of a donation entry.
    ReversalId
);
record_id!(
    /// A custody entry: one issue of a tin to a collector, and its return.
    CustodyId
);
record_id!(
    /// A count record of an opened tin.
    CountId
);
record_id!(
    /// A ledger entry (deposit, remittance, expense, reversal).
    LedgerEntryId
);
record_id!(
    /// A submission of a street collection return.
    ReturnId
);
record_id!(
    /// A signature on a petition.
    SignatureId
);
record_id!(
    /// A consent event (given or withdrawn).
    ConsentId
);
record_id!(
    /// A target of a petition (a politician, a council, a company).
    TargetId
);
record_id!(
    /// A shift of an event.
    ShiftId
);
record_id!(
    /// An assignment of a member to a shift.
    AssignmentId
);
record_id!(
    /// A sponsor's pledge.
    PledgeId
);
record_id!(
    /// A payment against a pledge.
    PaymentId
);
record_id!(
    /// A stock item (a leaflet type in one language and version).
    ItemId
);
record_id!(
    /// A stock movement.
    MovementId
);
record_id!(
    /// A coordinator's resolution of a flag.
    ResolutionId
);

/// The number painted on a collection tin. Tins are numbered consecutively per collection.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct TinNumber(pub u32);

impl TinNumber {
    /// A tin number as typed: a whole number from 1. The refusal says how to write one.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().parse::<u32>() {
            Ok(0) => Err("tins are numbered from 1".into()),
            Ok(n) => Ok(Self(n)),
            Err(_) => Err(format!("{text:?} is not a tin number: write it like 7")),
        }
    }

    /// The map key the tin is stored under: its number in decimal.
    pub fn key(&self) -> String {
        self.0.to_string()
    }
}

impl fmt::Display for TinNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Compact text for a sorted list of tin numbers: `1-5, 9, 12-14`.
pub fn tin_ranges(tins: &[TinNumber]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < tins.len() {
        let start = tins[i].0;
        let mut end = start;
        while i + 1 < tins.len() && tins[i + 1].0 == end + 1 {
            end += 1;
            i += 1;
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_ids_carry_the_given_time_and_differ() {
        let at = Timestamp(1_795_607_130_123);
        let a = DonationId::new_v7(at);
        let b = DonationId::new_v7(at);
        assert_ne!(a, b);
        assert_eq!(a.uuid().get_version_num(), 7);
        let (secs, nanos) = a.uuid().get_timestamp().expect("v7 has a time").to_unix();
        assert_eq!((secs, nanos / 1_000_000), (1_795_607_130, 123));
    }

    #[test]
    fn ids_round_trip_through_their_key() {
        let id = MemberId::new_v7(Timestamp(5));
        assert_eq!(id.key().parse::<MemberId>().expect("valid"), id);
    }
}
