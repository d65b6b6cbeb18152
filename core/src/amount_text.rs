//! Amounts as people type them (`5`, `5.00`, `0.50`, `1250` for KRW) read into exact minor
//! units, with the currency's own number of decimals from ISO 4217 (0 for KRW and JPY, 3 for
//! KWD and BHD). Every surface that takes an amount as text reads it here, so a currency's
//! decimals are one rule.
//!
//! Refused: signs, thousands separators, more decimals than the currency has, amounts too large
//! to hold, and (for [`parse_amount`]) zero. Each refusal names what was typed and how to write it.

use crate::currency::Currency;
use crate::money::Money;

/// Why a typed amount was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// Nothing was typed.
    #[error("no amount given: write the amount in {currency}, {example}")]
    Empty {
        /// The currency.
        currency: Currency,
        /// How to write one.
        example: String,
    },
    /// A minus sign.
    #[error("the amount {text:?} is negative: amounts are written without a sign, {example}")]
    Negative {
        /// As typed.
        text: String,
        /// How to write one.
        example: String,
    },
    /// A comma (a thousands separator, or a decimal comma).
    #[error(
        "the amount {text:?} has a comma: write it without thousands separators and with a \
         point for decimals, {example}"
    )]
    Comma {
        /// As typed.
        text: String,
        /// How to write one.
        example: String,
    },
    /// Not digits with at most one point.
    #[error("{text:?} is not an amount: write it in {currency}, {example}")]
    NotAnAmount {
        /// As typed.
        text: String,
        /// The currency.
        currency: Currency,
        /// How to write one.
        example: String,
    },
    /// Decimals where the currency has none.
    #[error("the amount {text:?} has decimals, but {currency} amounts have none: {example}")]
    NoDecimals {
        /// As typed.
        text: String,
        /// The currency.
        currency: Currency,
        /// How to write one.
        example: String,
    },
    /// More decimals than the currency has.
    #[error("the amount {text:?} has {given} decimals, but {currency} has {digits}: {example}")]
    TooManyDecimals {
        /// As typed.
        text: String,
        /// How many were typed.
        given: usize,
        /// The currency.
        currency: Currency,
        /// How many it has.
        digits: usize,
        /// How to write one.
        example: String,
    },
    /// More than an `i64` of minor units.
    #[error("the amount {text:?} is too large")]
    TooLarge {
        /// As typed.
        text: String,
    },
    /// Zero, where something must be given.
    #[error("the amount {text:?} is zero: a donation must be more than zero")]
    Zero {
        /// As typed.
        text: String,
    },
}

/// An amount more than zero in `currency`.
pub fn parse_amount(text: &str, currency: Currency) -> Result<Money, AmountError> {
    let minor = parse_minor_units(text, currency)?;
    if minor == 0 {
        return Err(AmountError::Zero { text: text.into() });
    }
    Ok(Money::new(minor, currency))
}

/// Like [`parse_amount`], but zero is allowed; returns minor units.
pub fn parse_minor_units(text: &str, currency: Currency) -> Result<i64, AmountError> {
    let typed = text.trim();
    let digits = usize::from(currency.minor_digits());
    let example = if digits == 0 {
        "like 5 or 1250".to_owned()
    } else {
        let zeros = "0".repeat(digits);
        format!("like 5, 5.{zeros} or 0.5{}", &zeros[1..])
    };
    let text = text.to_owned();
    if typed.is_empty() {
        return Err(AmountError::Empty { currency, example });
    }
    if typed.starts_with('-') {
        return Err(AmountError::Negative { text, example });
    }
    if typed.contains(',') {
        return Err(AmountError::Comma { text, example });
    }
    let (whole, fraction) = match typed.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (typed, None),
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let nothing = whole.is_empty() && fraction.is_none_or(str::is_empty);
    if nothing || !all_digits(whole) || !fraction.is_none_or(all_digits) {
        return Err(AmountError::NotAnAmount {
            text,
            currency,
            example,
        });
    }
    let fraction = fraction.unwrap_or_default();
    if fraction.len() > digits {
        if digits == 0 {
            return Err(AmountError::NoDecimals {
                text,
                currency,
                example,
            });
        }
        return Err(AmountError::TooManyDecimals {
            text,
            given: fraction.len(),
            currency,
            digits,
            example,
        });
    }
    let too_large = || AmountError::TooLarge { text: text.clone() };
    let scale = 10i64.pow(u32::from(currency.minor_digits()));
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<digits$}")
            .parse()
            .map_err(|_| too_large())?
    };
    whole
        .checked_mul(scale)
        .and_then(|m| m.checked_add(fraction))
        .ok_or_else(too_large)
}
