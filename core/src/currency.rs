//! ISO 4217 currency codes: the only currencies money may be recorded in.
//!
//! The list holds the active codes with their number of minor-unit digits, so an amount of
//! minor units can be shown as a decimal (`1250` GBP is `12.50`, `1250` KRW is `1250`).

use std::fmt;
use std::str::FromStr;

use crate::error::RecordError;

/// Active ISO 4217 codes and the digits of their minor unit (funds and metals excluded).
#[rustfmt::skip]
const CODES: &[(&str, u8)] = &[
    ("AED", 2), ("AFN", 2), ("ALL", 2), ("AMD", 2), ("AOA", 2), ("ARS", 2), ("AUD", 2),
    ("AWG", 2), ("AZN", 2), ("BAM", 2), ("BBD", 2), ("BDT", 2), ("BHD", 3), ("BIF", 0),
    ("BMD", 2), ("BND", 2), ("BOB", 2), ("BRL", 2), ("BSD", 2), ("BTN", 2), ("BWP", 2),
    ("BYN", 2), ("BZD", 2), ("CAD", 2), ("CDF", 2), ("CHF", 2), ("CLP", 0), ("CNY", 2),
    ("COP", 2), ("CRC", 2), ("CUP", 2), ("CVE", 2), ("CZK", 2), ("DJF", 0), ("DKK", 2),
    ("DOP", 2), ("DZD", 2), ("EGP", 2), ("ERN", 2), ("ETB", 2), ("EUR", 2), ("FJD", 2),
    ("FKP", 2), ("GBP", 2), ("GEL", 2), ("GHS", 2), ("GIP", 2), ("GMD", 2), ("GNF", 0),
    ("GTQ", 2), ("GYD", 2), ("HKD", 2), ("HNL", 2), ("HTG", 2), ("HUF", 2), ("IDR", 2),
    ("ILS", 2), ("INR", 2), ("IQD", 3), ("IRR", 2), ("ISK", 0), ("JMD", 2), ("JOD", 3),
    ("JPY", 0), ("KES", 2), ("KGS", 2), ("KHR", 2), ("KMF", 0), ("KPW", 2), ("KRW", 0),
    ("KWD", 3), ("KYD", 2), ("KZT", 2), ("LAK", 2), ("LBP", 2), ("LKR", 2), ("LRD", 2),
    ("LSL", 2), ("LYD", 3), ("MAD", 2), ("MDL", 2), ("MGA", 2), ("MKD", 2), ("MMK", 2),
    ("MNT", 2), ("MOP", 2), ("MRU", 2), ("MUR", 2), ("MVR", 2), ("MWK", 2), ("MXN", 2),
    ("MYR", 2), ("MZN", 2), ("NAD", 2), ("NGN", 2), ("NIO", 2), ("NOK", 2), ("NPR", 2),
    ("NZD", 2), ("OMR", 3), ("PAB", 2), ("PEN", 2), ("PGK", 2), ("PHP", 2), ("PKR", 2),
    ("PLN", 2), ("PYG", 0), ("QAR", 2), ("RON", 2), ("RSD", 2), ("RUB", 2), ("RWF", 0),
    ("SAR", 2), ("SBD", 2), ("SCR", 2), ("SDG", 2), ("SEK", 2), ("SGD", 2), ("SHP", 2),
    ("SLE", 2), ("SOS", 2), ("SRD", 2), ("SSP", 2), ("STN", 2), ("SVC", 2), ("SYP", 2),
    ("SZL", 2), ("THB", 2), ("TJS", 2), ("TMT", 2), ("TND", 3), ("TOP", 2), ("TRY", 2),
    ("TTD", 2), ("TWD", 2), ("TZS", 2), ("UAH", 2), ("UGX", 0), ("USD", 2), ("UYU", 2),
    ("UZS", 2), ("VES", 2), ("VND", 0), ("VUV", 0), ("WST", 2), ("XAF", 0), ("XCD", 2),
    ("XCG", 2), ("XOF", 0), ("XPF", 0), ("YER", 2), ("ZAR", 2), ("ZMW", 2), ("ZWG", 2),
];

/// An ISO 4217 currency, checked against the list of active codes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    minor_digits: u8,
}

impl Currency {
    /// The currency with this code (upper case, e.g. `"GBP"`), or [`RecordError::UnknownCurrency`].
    pub fn new(code: &str) -> Result<Self, RecordError> {
        CODES
            .iter()
            .find(|(known, _)| *known == code)
            .and_then(|(known, digits)| {
                let bytes: [u8; 3] = known.as_bytes().try_into().ok()?;
                Some(Self {
                    code: bytes,
                    minor_digits: *digits,
                })
            })
            .ok_or_else(|| RecordError::UnknownCurrency(code.to_owned()))
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // The bytes were copied from an ASCII entry of `CODES`.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// How many digits the minor unit has (2 for GBP, 0 for KRW and JPY, 3 for KWD).
    pub fn minor_digits(&self) -> u8 {
        self.minor_digits
    }

    /// Every currency money may be recorded in, by code. The phone app's table of decimals
    /// (`web/src/currencies.json`) is generated from this list and checked against it.
    pub fn all() -> impl Iterator<Item = Currency> {
        CODES.iter().filter_map(|(code, _)| Self::new(code).ok())
    }
}

impl FromStr for Currency {
    type Err = RecordError;
    fn from_str(code: &str) -> Result<Self, RecordError> {
        Self::new(code)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_codes_are_accepted_with_their_minor_digits() {
        let gbp = Currency::new("GBP").expect("GBP is real");
        assert_eq!((gbp.code(), gbp.minor_digits()), ("GBP", 2));
        assert_eq!(Currency::new("KRW").expect("KRW is real").minor_digits(), 0);
        assert_eq!(Currency::new("KWD").expect("KWD is real").minor_digits(), 3);
    }

    #[test]
    fn made_up_and_lower_case_codes_are_refused() {
        for code in ["XXY", "gbp", "", "EURO", "BTC"] {
            assert!(
                matches!(Currency::new(code), Err(RecordError::UnknownCurrency(c)) if c == code),
                "{code} must be refused"
            );
        }
    }
}
