//! Typed amounts read with each currency's own decimals (ISO 4217), one rule for every surface.

use clubsync_core::amount_text::{AmountError, parse_amount, parse_minor_units};
use clubsync_core::currency::Currency;

fn currency(code: &str) -> Currency {
    Currency::new(code).expect("an ISO 4217 code")
}

#[test]
fn each_currency_has_its_own_decimals() {
    assert_eq!(parse_amount("5", currency("GBP")).expect("ok").minor, 500);
    assert_eq!(parse_amount("0.5", currency("GBP")).expect("ok").minor, 50);
    assert_eq!(
        parse_amount("1250", currency("KRW")).expect("ok").minor,
        1250
    );
    assert_eq!(
        parse_amount("1.250", currency("KWD")).expect("ok").minor,
        1250
    );
    assert_eq!(
        parse_amount(" 2.5 ", currency("BHD")).expect("ok").minor,
        2500
    );
    assert_eq!(
        parse_minor_units("0", currency("GBP")).expect("zero allowed"),
        0
    );
}

#[test]
fn what_a_person_might_type_wrongly_is_named() {
    let gbp = currency("GBP");
    let refused = |text: &str, c: Currency| parse_amount(text, c).expect_err("refused");
    assert!(matches!(refused("", gbp), AmountError::Empty { .. }));
    assert!(matches!(refused("-5", gbp), AmountError::Negative { .. }));
    assert!(matches!(refused("1,000", gbp), AmountError::Comma { .. }));
    assert!(matches!(
        refused("5p", gbp),
        AmountError::NotAnAmount { .. }
    ));
    assert!(matches!(refused(".", gbp), AmountError::NotAnAmount { .. }));
    assert!(matches!(refused("0.00", gbp), AmountError::Zero { .. }));
    assert!(matches!(
        refused("5.001", gbp),
        AmountError::TooManyDecimals {
            given: 3,
            digits: 2,
            ..
        }
    ));
    assert!(matches!(
        refused("12.5", currency("KRW")),
        AmountError::NoDecimals { .. }
    ));
    assert!(matches!(
        refused("99999999999999999999", gbp),
        AmountError::TooLarge { .. }
    ));
    let message = refused("5.0001", currency("KWD")).to_string();
    assert!(message.contains("like 5, 5.000 or 0.500"), "{message}");
}
