//! Money cases: the digits of every currency, amounts formatted, and amounts as people type
//! them, each answered by the app (`web/src/money.ts`) and by core (`Currency`,
//! `Money::decimal`, `amount_text::parse_minor_units`).

use std::collections::BTreeMap;

use clubsync_core::amount_text::parse_minor_units;
use clubsync_core::currency::Currency;
use clubsync_core::money::Money;
use serde_json::{Value, json};

/// Currencies with 2, 0 and 3 decimals, as amounts are typed and shown in them.
const SAMPLE: &[&str] = &["GBP", "EUR", "KRW", "JPY", "RWF", "XPF", "KWD", "BHD"];

/// Amounts as typed, read as core reads them.
const TYPED: &[&str] = &[
    "5",
    "5.00",
    "5.0",
    "0.5",
    ".5",
    "5.",
    ".",
    "",
    "  12.50 ",
    "12.345",
    "12.3456",
    "007",
    "0",
    "1,250",
    "1,250.00",
    "-5",
    "+5",
    "abc",
    "1 000",
    "12.5.1",
    "5e2",
    "0x10",
    "١٢",
    "99999999999999999999",
];

/// What a phone keyboard adds that the app reads first: a leading symbol and a decimal comma.
/// Each is answered as core answers the amount on the right.
const PHONE: &[(&str, &str)] = &[
    ("£5", "5"),
    ("€ 12,50", "12.50"),
    ("12,5", "12.5"),
    ("₩1000", "1000"),
    ("¥ 500", "500"),
    ("0,05", "0.05"),
];

const MINOR: &[i64] = &[0, 1, 5, 50, 1250, 100_000, -5, -1250, 123_456_789];

pub struct Inputs {
    currencies: Vec<Currency>,
    format: Vec<(i64, Currency)>,
    parse: Vec<(String, Currency, String)>,
}

/// `web/src/currencies.json` as core's list makes it.
pub fn currencies_json() -> String {
    let digits: BTreeMap<String, u8> = Currency::all()
        .map(|c| (c.code().to_owned(), c.minor_digits()))
        .collect();
    let mut text = serde_json::to_string_pretty(&digits).expect("a map of numbers is JSON");
    text.push('\n');
    text
}

impl Inputs {
    pub fn new() -> Self {
        let sample: Vec<Currency> = SAMPLE
            .iter()
            .map(|c| Currency::new(c).expect("real"))
            .collect();
        let format = Currency::all()
            .flat_map(|c| MINOR.iter().map(move |m| (*m, c)))
            .collect();
        let mut parse = Vec::new();
        for &c in &sample {
            for t in TYPED {
                parse.push(((*t).to_owned(), c, (*t).to_owned()));
            }
            for (typed, read) in PHONE {
                parse.push(((*typed).to_owned(), c, (*read).to_owned()));
            }
        }
        Inputs {
            currencies: Currency::all().collect(),
            format,
            parse,
        }
    }

    pub fn spec(&self) -> Value {
        json!({
            "currencies": self.currencies.iter().map(|c| c.code()).collect::<Vec<_>>(),
            "format": self.format.iter().map(|(m, c)| json!([m, c.code()])).collect::<Vec<_>>(),
            "parse": self.parse.iter().map(|(t, c, _)| json!([t, c.code()])).collect::<Vec<_>>(),
        })
    }

    pub fn divergences(&self, app: &Value) -> Vec<String> {
        let mut out = Vec::new();
        for (i, c) in self.currencies.iter().enumerate() {
            if app["digits"][i].as_u64() != Some(u64::from(c.minor_digits())) {
                out.push(format!(
                    "{c} has {} decimals; the app says {}",
                    c.minor_digits(),
                    app["digits"][i]
                ));
            }
        }
        for (i, (minor, c)) in self.format.iter().enumerate() {
            let core = Money::new(*minor, *c).decimal();
            if app["format"][i].as_str() != Some(core.as_str()) {
                out.push(format!(
                    "{minor} {c} is {core:?}; the app shows {}",
                    app["format"][i]
                ));
            }
        }
        for (i, (typed, c, read)) in self.parse.iter().enumerate() {
            let core = parse_minor_units(read, *c).ok();
            let web = app["parse"][i].as_i64();
            if core != web {
                out.push(format!(
                    "{typed:?} in {c}: core reads {core:?}{}; the app reads {}",
                    if typed == read {
                        String::new()
                    } else {
                        format!(" (as {read:?})")
                    },
                    app["parse"][i]
                ));
            }
        }
        out
    }
}
