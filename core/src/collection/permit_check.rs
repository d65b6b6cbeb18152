//! What a collector and a coordinator are told about the permit now: no permit recorded, a day
//! outside the permitted days, a time outside the permitted hours, and the return to the
//! licensing authority due soon or overdue. Read on the club's clock; nothing is refused (a
//! permit may be renewed on paper before anyone types it in).

use super::StreetCollection;
use crate::error::SchemaError;
use crate::stage::Stage;
use crate::time_zone::ClubTimeZone;
use crate::timestamp::Timestamp;

/// How many days before the return is due the reminder starts.
pub const RETURN_REMINDER_DAYS: i32 = 7;

/// One thing to say about the permit at a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PermitWarning {
    /// No authority or no reference recorded: nothing to show a council officer.
    NoPermit,
    /// Today is before the first permitted day.
    BeforeFirstDay(String),
    /// Today is after the last permitted day.
    AfterLastDay(String),
    /// Now is outside the permitted hours (when they read as `10:00-16:00`).
    OutsideHours(String),
    /// The return is due in this many days (0: today), and is not submitted.
    ReturnDueIn(i32),
    /// The return was due on this day and is not submitted.
    ReturnOverdue(String),
}

impl std::fmt::Display for PermitWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoPermit => f.write_str("no permit is recorded (authority and reference)"),
            Self::BeforeFirstDay(d) => write!(f, "the permit starts on {d}"),
            Self::AfterLastDay(d) => write!(f, "the permit ended on {d}"),
            Self::OutsideHours(h) => write!(f, "outside the permitted hours ({h})"),
            Self::ReturnDueIn(0) => f.write_str("the return is due today"),
            Self::ReturnDueIn(n) => write!(f, "the return is due in {n} day(s)"),
            Self::ReturnOverdue(d) => write!(f, "the return was due on {d} and is not submitted"),
        }
    }
}

/// Minutes since midnight of `HH:MM` or `HH.MM`.
fn minutes(text: &str) -> Option<i32> {
    let (h, m) = text.trim().split_once([':', '.'])?;
    let (h, m): (i32, i32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    ((0..=24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

/// Permitted hours written as `10:00-16:00` (or with `–` or `to`), in minutes since midnight.
pub fn permitted_hours(text: &str) -> Option<(i32, i32)> {
    let text = text.replace(" to ", "-").replace('–', "-");
    let (from, to) = text.split_once('-')?;
    let (from, to) = (minutes(from)?, minutes(to)?);
    (from < to).then_some((from, to))
}

fn date(text: &str) -> Option<jiff::civil::Date> {
    text.parse().ok()
}

impl StreetCollection {
    /// What to say about the permit at `at`, on the club's clock.
    pub fn permit_warnings(
        &self,
        at: Timestamp,
        zone: &ClubTimeZone,
    ) -> Result<Vec<PermitWarning>, SchemaError> {
        let permit = self.permit()?;
        let mut out = Vec::new();
        if permit.authority.is_none() || permit.reference.is_none() {
            out.push(PermitWarning::NoPermit);
        }
        let today = zone.date(at);
        if let Some(first) = permit.first_day.filter(|d| today < *d) {
            out.push(PermitWarning::BeforeFirstDay(first));
        }
        if let Some(last) = permit.last_day.filter(|d| today > *d) {
            out.push(PermitWarning::AfterLastDay(last));
        }
        if let Some(hours) = permit.hours
            && let Some((from, to)) = permitted_hours(&hours)
        {
            let clock = zone.date_time(at);
            let now = clock.get(11..16).and_then(minutes);
            if now.is_some_and(|m| m < from || m >= to) {
                out.push(PermitWarning::OutsideHours(hours));
            }
        }
        if self.status()? < Stage::ReturnSubmitted
            && let Some(due) = permit.return_due
            && let (Some(d), Some(t)) = (date(&due), date(&today))
        {
            let days = (d - t).get_days();
            if days < 0 {
                out.push(PermitWarning::ReturnOverdue(due));
            } else if days <= RETURN_REMINDER_DAYS {
                out.push(PermitWarning::ReturnDueIn(days));
            }
        }
        Ok(out)
    }
}
