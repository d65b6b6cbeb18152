//! What is unusual about moving a street collection to a later status now: tins still out, tins
//! back but not counted, counts not signed by both counters. The move is still allowed (a
//! coordinator may know why); every surface that moves a status shows these first.

use super::StreetCollection;
use crate::collection::CountStatus;
use crate::error::SchemaError;
use crate::ids::{TinNumber, tin_ranges};
use crate::stage::Stage;

/// One thing to warn about before a collection moves to a status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseWarning {
    /// These tins are still out with collectors.
    TinsOut(Vec<TinNumber>),
    /// These tins came back but have no active count.
    TinsNotCounted(Vec<TinNumber>),
    /// This many active counts are not signed by both counters.
    CountsNotSigned(usize),
}

impl std::fmt::Display for CloseWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TinsOut(tins) => {
                write!(
                    f,
                    "tin(s) {} are still out with collectors",
                    tin_ranges(tins)
                )
            }
            Self::TinsNotCounted(tins) => {
                write!(
                    f,
                    "tin(s) {} came back but are not counted",
                    tin_ranges(tins)
                )
            }
            Self::CountsNotSigned(n) => write!(f, "{n} count(s) are not signed by both counters"),
        }
    }
}

impl StreetCollection {
    /// What is unusual about moving to `target` now; nothing before [`Stage::Counted`].
    pub fn close_warnings(&self, target: Stage) -> Result<Vec<CloseWarning>, SchemaError> {
        let mut out = Vec::new();
        if target < Stage::Counted {
            return Ok(out);
        }
        let custody = self.custody_log()?;
        let counts = self.counts()?;
        let mut still_out: Vec<TinNumber> = custody
            .iter()
            .filter(|c| c.returned.is_none())
            .map(|c| c.tin)
            .collect();
        still_out.sort();
        still_out.dedup();
        if !still_out.is_empty() {
            out.push(CloseWarning::TinsOut(still_out));
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
            out.push(CloseWarning::TinsNotCounted(uncounted));
        }
        let unsigned = counts
            .iter()
            .filter(|k| k.active && k.status != CountStatus::Locked)
            .count();
        if unsigned > 0 {
            out.push(CloseWarning::CountsNotSigned(unsigned));
        }
        Ok(out)
    }
}
