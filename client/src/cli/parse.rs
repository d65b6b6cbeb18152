//! Values as people type them on the command line: amounts, tin numbers and ranges, coin and
//! note counts, dates and times. Every refusal names what was typed and how to write it.

use anyhow::{Context as _, bail};
use clubsync_core::amount_text;
use clubsync_core::collection::Denomination;
use clubsync_core::currency::Currency;
use clubsync_core::ids::TinNumber;
use clubsync_core::money::Money;
use clubsync_core::time_zone::ClubTimeZone;
use clubsync_core::timestamp::Timestamp;

/// The most tins one `add-tins` may add: a typo such as `1-20000` is caught, not written.
pub const MAX_TINS_AT_ONCE: usize = 1_000;

/// An amount in major units of `currency` (`5`, `5.00`, `0.50`, `1250` for KRW), more than
/// zero: core's reading of typed amounts (`clubsync_core::amount_text`).
pub fn amount(text: &str, currency: Currency) -> anyhow::Result<Money> {
    Ok(amount_text::parse_amount(text, currency)?)
}

/// Like [`amount`], but zero is allowed (the value of a coin is never zero, but the parser is
/// shared); returns minor units.
fn minor_units(text: &str, currency: Currency) -> anyhow::Result<i64> {
    Ok(amount_text::parse_minor_units(text, currency)?)
}

/// A tin number as typed: a whole number from 1.
pub fn tin(text: &str) -> Result<TinNumber, String> {
    TinNumber::parse(text)
}

/// Tin numbers as typed: `7`, `1-20`, or a comma list of both (`1-5,9,12-14`).
pub fn tin_list(text: &str) -> anyhow::Result<Vec<TinNumber>> {
    let mut tins: Vec<TinNumber> = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let (first, last) = match part.split_once('-') {
            Some((a, b)) => (a, b),
            None => (part, part),
        };
        let bad = |e: String| anyhow::anyhow!("{text:?}: {e} (write tins like 7, 1-20 or 1-5,9)");
        let (first, last) = (tin(first).map_err(bad)?, tin(last).map_err(bad)?);
        if last < first {
            bail!("{part:?} runs backwards: write the lower number first, like 1-20");
        }
        let count = (last.0 - first.0) as usize + 1;
        if tins.len() + count > MAX_TINS_AT_ONCE {
            bail!("{text:?} is more than {MAX_TINS_AT_ONCE} tins: add them in smaller ranges");
        }
        for n in first.0..=last.0 {
            if tins.contains(&TinNumber(n)) {
                bail!("{text:?} names tin {n} twice");
            }
            tins.push(TinNumber(n));
        }
    }
    tins.sort();
    Ok(tins)
}
pub use clubsync_core::ids::tin_ranges;

/// Coins or notes counted, as `VALUE:COUNT` (`2.00:3` is three £2 coins).
pub fn denomination(text: &str, currency: Currency) -> anyhow::Result<Denomination> {
    let (value, quantity) = text.split_once(':').with_context(|| {
        format!("{text:?} is not a coin or note count: write VALUE:COUNT, like 2.00:3 for three 2.00 coins")
    })?;
    let value = minor_units(value, currency)
        .with_context(|| format!("the coin or note value in {text:?}"))?;
    if value == 0 {
        bail!("{text:?}: a coin or note is worth more than zero");
    }
    let quantity: i64 = match quantity.trim().parse() {
        Ok(q) if q > 0 => q,
        _ => bail!("{text:?}: the count after ':' must be a whole number from 1, like 2.00:3"),
    };
    Ok(Denomination {
        value_minor: value,
        quantity,
    })
}

/// A date and time as typed, before it is placed on a clock: `2026-03-14 10:00`,
/// `2026-03-14T10:00:30`, `2026-03-14` (midnight), with an optional `Z` or offset (`+01:00`).
/// Without one it is on the club's clock ([`TypedTime::on`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypedTime {
    year: i64,
    month: u32,
    day: u32,
    seconds_of_day: i64,
    offset_minutes: Option<i64>,
}

impl TypedTime {
    /// The moment it names: on the club's clock unless it gave an offset.
    pub fn on(&self, zone: &ClubTimeZone) -> Timestamp {
        let utc = || {
            let seconds = days_from_civil(self.year, self.month, self.day) * 86_400
                + self.seconds_of_day
                - self.offset_minutes.unwrap_or(0) * 60;
            Timestamp::from_millis(seconds * 1000)
        };
        if self.offset_minutes.is_some() {
            return utc();
        }
        let (Ok(year), Ok(month), Ok(day), Ok(seconds)) = (
            i16::try_from(self.year),
            i8::try_from(self.month),
            i8::try_from(self.day),
            i32::try_from(self.seconds_of_day),
        ) else {
            return utc();
        };
        zone.at(year, month, day, seconds).unwrap_or_else(utc)
    }
}

/// Reads a date and time as typed (see [`TypedTime`]).
pub fn datetime(text: &str) -> anyhow::Result<TypedTime> {
    let help = "write it like 2026-03-14 10:00 (on the club's clock), or add an offset: \
                2026-03-14T10:00+01:00";
    let typed = text.trim();
    let bad = || anyhow::anyhow!("{text:?} is not a date and time: {help}");
    let split = typed.len().min(10);
    if !typed.is_char_boundary(split) {
        return Err(bad());
    }
    let (date, rest) = typed.split_at(split);
    let mut parts = date.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (y, m, d): (i64, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        bail!("{text:?} is not a real date: {help}");
    }
    let rest = rest.strip_prefix(['T', 't', ' ']).unwrap_or(rest);
    let (time, offset_minutes) = split_offset(rest).ok_or_else(bad)?;
    let seconds_of_day = if time.is_empty() {
        0
    } else {
        time_of_day(time).ok_or_else(|| anyhow::anyhow!("{text:?} has no valid time: {help}"))?
    };
    Ok(TypedTime {
        year: y,
        month: m,
        day: d,
        seconds_of_day,
        offset_minutes,
    })
}

/// A time the server wrote (RFC 3339 UTC, `2026-03-14T10:00:00Z`) as `2026-03-14 10:00` on the
/// club's clock; the text as it came when it does not read as one.
pub fn on_club_clock(text: &str, zone: &ClubTimeZone) -> String {
    match datetime(text) {
        Ok(t) => zone.date_time(t.on(zone)),
        Err(_) => text.to_owned(),
    }
}

/// A time of day as typed (`10:00` or `10:00:30`), in seconds since midnight.
pub fn time_of_day(text: &str) -> Option<i64> {
    let mut parts = text.split(':');
    let h: i64 = parts.next().filter(|p| p.len() == 2)?.parse().ok()?;
    let m: i64 = parts.next().filter(|p| p.len() == 2)?.parse().ok()?;
    let s: i64 = match parts.next() {
        Some(p) if p.len() == 2 => p.parse().ok()?,
        Some(_) => return None,
        None => 0,
    };
    if parts.next().is_some() || h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(h * 3600 + m * 60 + s)
}

/// Splits `10:00+01:00` into the time and the offset in minutes (east of UTC is positive);
/// no offset when none was typed.
fn split_offset(text: &str) -> Option<(&str, Option<i64>)> {
    if let Some(time) = text.strip_suffix(['Z', 'z']) {
        return Some((time, Some(0)));
    }
    match text.rfind(['+', '-']) {
        None => Some((text, None)),
        Some(at) => {
            let (time, offset) = text.split_at(at);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let offset = time_of_day(&offset[1..])?;
            if offset % 60 != 0 {
                return None;
            }
            Some((time, Some(sign * offset / 60)))
        }
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's civil-to-days: (year, month, day) to days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::new(code).expect("real currency")
    }

    #[test]
    fn amounts_become_exact_minor_units() {
        let gbp = cur("GBP");
        for (typed, minor) in [
            ("5", 500),
            ("5.00", 500),
            ("0.50", 50),
            ("0.5", 50),
            (".50", 50),
            ("5.", 500),
            ("12.3", 1230),
        ] {
            assert_eq!(amount(typed, gbp).expect(typed).minor, minor, "{typed}");
        }
        assert_eq!(amount("1250", cur("KRW")).expect("won").minor, 1250);
        assert_eq!(amount("1.001", cur("KWD")).expect("dinar").minor, 1001);
    }

    #[test]
    fn bad_amounts_are_refused_with_the_reason() {
        let gbp = cur("GBP");
        for (typed, reason) in [
            ("5.005", "has 3 decimals, but GBP has 2"),
            ("-5", "negative"),
            ("1,000", "comma"),
            ("0", "zero"),
            ("0.00", "zero"),
            ("five", "not an amount"),
            (".", "not an amount"),
            ("99999999999999999999", "too large"),
            ("", "no amount"),
        ] {
            let error = amount(typed, gbp)
                .map(|m| m.minor)
                .expect_err(typed)
                .to_string();
            assert!(error.contains(reason), "{typed}: {error}");
        }
        let error = amount("5.5", cur("KRW")).expect_err("won").to_string();
        assert!(error.contains("KRW amounts have none"), "{error}");
    }

    #[test]
    fn tin_lists_and_ranges() {
        let list = tin_list("1-5,9,12-14").expect("list");
        assert_eq!(tin_ranges(&list), "1-5, 9, 12-14");
        assert_eq!(tin_list("7").expect("one"), vec![TinNumber(7)]);
        for bad in ["0", "5-1", "a", "1-2,2", "1-5000", ""] {
            assert!(tin_list(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn denominations_are_value_and_count() {
        let gbp = cur("GBP");
        let d = denomination("2.00:3", gbp).expect("valid");
        assert_eq!((d.value_minor, d.quantity), (200, 3));
        for bad in ["2.00", "2.00:0", "0:3", "2.001:1", "x:1", "2:-1"] {
            assert!(denomination(bad, gbp).is_err(), "{bad}");
        }
    }

    #[test]
    fn datetimes_are_on_the_clubs_clock_unless_offset() {
        // 2026-03-14T10:00:00Z
        let t = 1_773_482_400_000;
        let utc = ClubTimeZone::utc();
        let seoul = ClubTimeZone::named("Asia/Seoul").expect("a zone");
        for typed in [
            "2026-03-14T10:00:00Z",
            "2026-03-14T11:00+01:00",
            "2026-03-14 05:00-05:00",
        ] {
            let typed = datetime(typed).expect(typed);
            assert_eq!(typed.on(&seoul).millis(), t, "{typed:?}");
        }
        for typed in ["2026-03-14 10:00", "2026-03-14T10:00"] {
            assert_eq!(
                datetime(typed).expect(typed).on(&utc).millis(),
                t,
                "{typed}"
            );
            // 10:00 in Seoul is 01:00 UTC.
            let in_seoul = datetime(typed).expect(typed).on(&seoul);
            assert_eq!(in_seoul.millis(), t - 9 * 3_600_000, "{typed}");
        }
        let day = datetime("1970-01-02").expect("date");
        assert_eq!(day.on(&utc).millis(), 86_400_000);
        let leap = datetime("2000-02-29").expect("leap");
        assert_eq!(leap.on(&utc).date(), "2000-02-29");
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "14/03/2026",
            "2026-03-14 25:00",
            "tomorrow",
            "2026-03-1\u{e9}",
        ] {
            assert!(datetime(bad).is_err(), "{bad}");
        }
    }
}
