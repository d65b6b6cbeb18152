//! The flags of a street collection: tins out with two collectors at once, a tin's return
//! recorded twice concurrently, seals used twice, two active counts of one issue of a tin, and
//! (read with the club document) money handled by a member not recorded as 16 or over.

use std::collections::BTreeMap;

use automerge::ReadDoc;

use super::StreetCollection;
use crate::club::Club;
use crate::error::SchemaError;
use crate::flags::Flag;
use crate::ids::{CountId, CustodyId, MemberId};

impl StreetCollection {
    /// Everything a merge left for a human to resolve in this collection.
    pub fn flags(&self) -> Result<Vec<Flag>, SchemaError> {
        let log = self.custody_log()?;
        let mut flags = Vec::new();

        let mut by_tin: BTreeMap<_, Vec<_>> = BTreeMap::new();
        for c in &log {
            by_tin.entry(c.tin).or_default().push(c);
        }
        for (tin, entries) in by_tin {
            // Periods [issued, returned) that overlap mean two collectors held the tin at once.
            let mut overlapping: Vec<CustodyId> = Vec::new();
            for (i, a) in entries.iter().enumerate() {
                for b in &entries[i + 1..] {
                    let a_end = a.returned.as_ref().map_or(i64::MAX, |r| r.at.millis());
                    let b_end = b.returned.as_ref().map_or(i64::MAX, |r| r.at.millis());
                    if a.issued_at.millis() < b_end && b.issued_at.millis() < a_end {
                        for id in [a.id, b.id] {
                            if !overlapping.contains(&id) {
                                overlapping.push(id);
                            }
                        }
                    }
                }
            }
            if !overlapping.is_empty() {
                flags.push(Flag::TinIssuedTwice {
                    tin,
                    custody: overlapping,
                });
            }
        }

        let custody_obj = self.container("custody")?;
        for c in &log {
            let conflicting = match self.doc.get(&custody_obj, c.id.key()) {
                Ok(Some((_, entry))) => self
                    .doc
                    .get_all(&entry, "returned_at")
                    .map_or(0, |v| v.len()),
                _ => 0,
            };
            if conflicting > 1 {
                flags.push(Flag::TinReturnedTwice {
                    tin: c.tin,
                    custody: c.id,
                });
            }
        }

        let mut by_seal: BTreeMap<&str, Vec<CustodyId>> = BTreeMap::new();
        for c in &log {
            by_seal.entry(c.seal.as_str()).or_default().push(c.id);
        }
        for (seal, custody) in by_seal {
            if custody.len() > 1 {
                flags.push(Flag::SealUsedTwice {
                    seal: seal.to_owned(),
                    custody,
                });
            }
        }

        let mut active: BTreeMap<CustodyId, (crate::ids::TinNumber, Vec<CountId>)> =
            BTreeMap::new();
        for count in self.counts()?.iter().filter(|c| c.active) {
            active
                .entry(count.custody)
                .or_insert((count.tin, Vec::new()))
                .1
                .push(count.id);
        }
        for (custody, (tin, counts)) in active {
            if counts.len() > 1 {
                flags.push(Flag::TwoActiveCounts {
                    tin,
                    custody,
                    counts,
                });
            }
        }
        if self.status()? >= crate::stage::Stage::Reconciled {
            let banked = self.ledger_total(crate::collection::LedgerKind::Deposit)?;
            let cash = self.cash_to_bank()?;
            if banked != cash {
                flags.push(Flag::BankedDiffersFromCash { cash, banked });
            }
        }
        Ok(flags)
    }

    /// The 16+ rule read against the club document: every collector of a tin and every
    /// counter who is not a member the club lists as 16 or over, with the records naming them.
    pub fn age_flags(&self, club: &Club) -> Result<Vec<Flag>, SchemaError> {
        let mut by_member: BTreeMap<MemberId, Vec<String>> = BTreeMap::new();
        let mut note = |member: MemberId, record: String| -> Result<(), SchemaError> {
            if !club.member(member)?.is_some_and(|m| m.age16plus) {
                by_member.entry(member).or_default().push(record);
            }
            Ok(())
        };
        for c in self.custody_log()? {
            note(c.collector, format!("custody/{}", c.id.key()))?;
        }
        for count in self.counts()? {
            for counter in [count.counter1, count.counter2] {
                note(counter, format!("counts/{}", count.id.key()))?;
            }
        }
        Ok(by_member
            .into_iter()
            .map(|(member, records)| Flag::MoneyHandledByUnder16 { member, records })
            .collect())
    }
}
