//! Money: an integer number of minor units and a currency. Never a float.

use std::fmt;

use crate::currency::Currency;

/// An amount of money: whole minor units (pence, cents, won) of one currency.
///
/// Stored in documents as two fields, `amount_minor` (integer) and `currency` (ISO 4217 code).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Money {
    /// The amount in minor units; may be negative only in derived figures (differences).
    pub minor: i64,
    /// The currency of the amount.
    pub currency: Currency,
}

impl Money {
    /// `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// The amount as a decimal in major units: `1250` GBP is `"12.50"`, `-5` GBP is `"-0.05"`.
    pub fn decimal(&self) -> String {
        let digits = u32::from(self.currency.minor_digits());
        if digits == 0 {
            return self.minor.to_string();
        }
        let scale = 10u64.pow(digits);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = digits as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::new(code).expect("real currency")
    }

    #[test]
    fn decimals_follow_the_currency_minor_unit() {
        assert_eq!(Money::new(1250, cur("GBP")).decimal(), "12.50");
        assert_eq!(Money::new(-5, cur("GBP")).decimal(), "-0.05");
        assert_eq!(Money::new(1250, cur("KRW")).decimal(), "1250");
        assert_eq!(Money::new(1001, cur("KWD")).to_string(), "1.001 KWD");
    }
}
