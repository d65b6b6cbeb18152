//! The club's time zone: the clock every date of the club is shown and typed on.
//!
//! Records hold UTC milliseconds ([`Timestamp`]); a club in Seoul collecting at 08:30 must still
//! see today's date on its sheets, so every report, the CLI and the app turn a timestamp into a
//! date on the club's clock, and read a typed date and time on it. The zone is a club setting
//! (an IANA name in the club document's `time_zone`); a club without one takes its country's
//! main zone ([`ClubTimeZone::for_country`]), and UTC when the country has none listed.

use jiff::Timestamp as Instant;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::error::RecordError;
use crate::timestamp::Timestamp;

/// A time zone of the tz database, by its name.
#[derive(Clone, Debug)]
pub struct ClubTimeZone {
    name: String,
    zone: TimeZone,
}

impl PartialEq for ClubTimeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for ClubTimeZone {}

/// The main zone of the countries clubs are most often in (ISO 3166-1 alpha-2): the zone of
/// the capital. A club elsewhere, or away from its capital's zone, sets its own.
const COUNTRY_ZONES: &[(&str, &str)] = &[
    ("AU", "Australia/Sydney"),
    ("BE", "Europe/Brussels"),
    ("CA", "America/Toronto"),
    ("CH", "Europe/Zurich"),
    ("CN", "Asia/Shanghai"),
    ("DE", "Europe/Berlin"),
    ("DK", "Europe/Copenhagen"),
    ("ES", "Europe/Madrid"),
    ("FR", "Europe/Paris"),
    ("GB", "Europe/London"),
    ("IE", "Europe/Dublin"),
    ("IT", "Europe/Rome"),
    ("JP", "Asia/Tokyo"),
    ("KR", "Asia/Seoul"),
    ("KW", "Asia/Kuwait"),
    ("NL", "Europe/Amsterdam"),
    ("NO", "Europe/Oslo"),
    ("NZ", "Pacific/Auckland"),
    ("PL", "Europe/Warsaw"),
    ("RW", "Africa/Kigali"),
    ("SE", "Europe/Stockholm"),
    ("SG", "Asia/Singapore"),
    ("TH", "Asia/Bangkok"),
    ("TW", "Asia/Taipei"),
    ("US", "America/New_York"),
];

impl ClubTimeZone {
    /// The zone of this tz database name (`Asia/Seoul`, `UTC`).
    pub fn named(name: &str) -> Result<Self, RecordError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(RecordError::EmptyField("time zone"));
        }
        let zone =
            TimeZone::get(name).map_err(|_| RecordError::UnknownTimeZone(name.to_owned()))?;
        Ok(Self {
            name: name.to_owned(),
            zone,
        })
    }

    /// UTC.
    pub fn utc() -> Self {
        Self {
            name: "UTC".into(),
            zone: TimeZone::UTC,
        }
    }

    /// The name of the main zone of a country (its capital's), if it is listed.
    pub fn for_country(country: &str) -> Option<&'static str> {
        let country = country.trim().to_ascii_uppercase();
        COUNTRY_ZONES
            .iter()
            .find(|(code, _)| *code == country)
            .map(|(_, zone)| *zone)
    }

    /// A country's main zone, else UTC.
    pub fn default_for_country(country: &str) -> Self {
        Self::for_country(country)
            .and_then(|name| Self::named(name).ok())
            .unwrap_or_else(Self::utc)
    }

    /// Its tz database name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn civil(&self, at: Timestamp) -> Option<DateTime> {
        let instant = Instant::from_millisecond(at.millis()).ok()?;
        Some(instant.to_zoned(self.zone.clone()).datetime())
    }

    /// The club's calendar date of a moment, `YYYY-MM-DD` (the UTC date for a moment out of the
    /// calendar's range).
    pub fn date(&self, at: Timestamp) -> String {
        match self.civil(at) {
            Some(dt) => dt.date().strftime("%Y-%m-%d").to_string(),
            None => at.date(),
        }
    }

    /// The club's date and time of a moment, `YYYY-MM-DD HH:MM`.
    pub fn date_time(&self, at: Timestamp) -> String {
        match self.civil(at) {
            Some(dt) => dt.strftime("%Y-%m-%d %H:%M").to_string(),
            None => at.to_string(),
        }
    }

    /// The moment at `seconds_of_day` on the club's calendar day of `day` (a shift at 10:00 on
    /// an event's first day).
    pub fn on_day_of(&self, day: Timestamp, seconds_of_day: i32) -> Option<Timestamp> {
        let date = self.civil(day)?.date();
        self.at(date.year(), date.month(), date.day(), seconds_of_day)
    }

    /// The moment of a date and time on the club's clock (seconds since midnight). A time that
    /// a change of the clocks skips is read as the same time after the change; one that comes
    /// twice is the first. `None` for a date out of range.
    pub fn at(&self, year: i16, month: i8, day: i8, seconds_of_day: i32) -> Option<Timestamp> {
        let date = jiff::civil::Date::new(year, month, day).ok()?;
        let hour = i8::try_from(seconds_of_day / 3600).ok()?;
        let minute = i8::try_from(seconds_of_day / 60 % 60).ok()?;
        let second = i8::try_from(seconds_of_day % 60).ok()?;
        let dt = date.at(hour, minute, second, 0);
        let zoned = dt.to_zoned(self.zone.clone()).ok()?;
        Some(Timestamp::from_millis(zoned.timestamp().as_millisecond()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_morning_in_seoul_is_that_days_date_there_and_the_day_before_in_utc() {
        // 2026-03-14 08:30 in Seoul is 2026-03-13 23:30 UTC.
        let seoul = ClubTimeZone::named("Asia/Seoul").expect("a zone");
        let at = seoul.at(2026, 3, 14, 8 * 3600 + 30 * 60).expect("a moment");
        assert_eq!(at.to_string(), "2026-03-13T23:30:00Z");
        assert_eq!(seoul.date(at), "2026-03-14");
        assert_eq!(seoul.date_time(at), "2026-03-14 08:30");
        assert_eq!(ClubTimeZone::utc().date(at), "2026-03-13");
        // 10:00 on that Seoul day, not on the UTC day before.
        let ten = seoul.on_day_of(at, 10 * 3600).expect("a moment");
        assert_eq!(ten.to_string(), "2026-03-14T01:00:00Z");
    }

    #[test]
    fn london_keeps_summer_time() {
        let london = ClubTimeZone::named("Europe/London").expect("a zone");
        let july = london.at(2026, 7, 1, 10 * 3600).expect("a moment");
        assert_eq!(july.to_string(), "2026-07-01T09:00:00Z");
        let january = london.at(2026, 1, 1, 10 * 3600).expect("a moment");
        assert_eq!(january.to_string(), "2026-01-01T10:00:00Z");
    }

    #[test]
    fn unknown_names_are_refused_and_countries_have_defaults() {
        assert!(matches!(
            ClubTimeZone::named("Mars/Olympus"),
            Err(RecordError::UnknownTimeZone(_))
        ));
        assert!(matches!(
            ClubTimeZone::named(" "),
            Err(RecordError::EmptyField(_))
        ));
        assert_eq!(ClubTimeZone::for_country("kr"), Some("Asia/Seoul"));
        assert_eq!(
            ClubTimeZone::default_for_country("GB").name(),
            "Europe/London"
        );
        assert_eq!(ClubTimeZone::default_for_country("ZZ").name(), "UTC");
        for (_, zone) in COUNTRY_ZONES {
            assert!(
                ClubTimeZone::named(zone).is_ok(),
                "{zone} is in the tz database"
            );
        }
    }
}
