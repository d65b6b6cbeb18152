//! Street collection cases: each record the collection and counting screens write, valid and
//! refused, on the documents of `world`.

use clubsync_core::collection::{
    Denomination, DonationSource, IssueTin, NewCollection, NewCount, NewDonation, StreetCollection,
    TinReturn,
};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{CountId, CustodyId, DonationId, MemberId, ReversalId, TinNumber};
use clubsync_core::money::Money;
use serde_json::{Value, json};

use crate::world::{Collections, World, at, device_of};
use crate::{Case, Outcome};

pub fn cases(w: &World) -> Vec<Case> {
    let c = w.collections();
    let mut cases = new_collections(w);
    cases.extend(tins(w, &c));
    cases.extend(taps(w, &c));
    cases.extend(outside_tins(w, &c));
    cases.extend(counts(w, &c));
    cases
}

fn new_collections(w: &World) -> Vec<Case> {
    let one = |name: &str, title: &str, currency: &str| {
        let args = json!({ "club": w.club_id.to_string(), "title": title, "currency": currency, "at": at(0).millis() });
        let new = (title.to_owned(), currency.to_owned());
        Case::new_document(name, "newCollection", args, w.writer(w.ana), || {
            let new = NewCollection {
                club: w.club_id,
                title: new.0,
                currency: Currency::new(&new.1)?,
            };
            Ok(StreetCollection::create(None, &new, at(0))?
                .automerge()
                .clone())
        })
    };
    vec![
        one("new_collection", "Briggate, 14 March", "GBP"),
        one("new_collection_in_won", "Myeongdong, 3 May", "KRW"),
        one(
            "new_collection_padded_title",
            "  Briggate, 14 March  ",
            "GBP",
        ),
        one("new_collection_blank_title", "   ", "GBP"),
        one("new_collection_unknown_currency", "Briggate", "XYZ"),
        one("new_collection_lower_case_currency", "Briggate", "gbp"),
    ]
}

fn tins(w: &World, c: &Collections) -> Vec<Case> {
    let add = |name: &str, number: i64| {
        let args = json!({ "number": number, "at": at(5).millis() });
        Case::on(name, "addTin", args, w.writer(w.ana), &c.fresh, |d| {
            d.add_tin(TinNumber(u32::try_from(number)?), None, at(5))?;
            Ok(())
        })
    };
    let issue = |name: &str, before: &StreetCollection, tin: u32, to: MemberId, seal: &str| {
        let id = CustodyId::new_v7(at(60));
        let args = json!({
            "id": id.key(), "tin": tin, "collector": to.key(), "seal": seal,
            "issuedBy": w.ana.key(), "at": at(60).millis(),
        });
        let issue = IssueTin {
            id,
            tin: TinNumber(tin),
            collector: to,
            seal: seal.into(),
            issued_by: w.ana,
            at: at(60),
        };
        Case::on(name, "issueTin", args, w.writer(w.ana), before, |d| {
            d.issue_tin(&issue, &w.club)?;
            Ok(())
        })
    };
    let give_back = |name: &str, before: &StreetCollection, custody: CustodyId| {
        let args = json!({ "custody": custody.key(), "at": at(61).millis(), "to": w.ana.key(), "sealIntact": true });
        let ret = TinReturn {
            at: at(61),
            to: w.ana,
            seal_intact: true,
        };
        Case::on(name, "returnTin", args, w.writer(w.ana), before, |d| {
            d.return_tin(custody, &ret)?;
            Ok(())
        })
    };
    vec![
        add("add_tin", 4),
        add("add_tin_zero", 0),
        add("add_tin_taken", 1),
        add("add_tin_negative", -1),
        add("add_tin_too_large", 1 << 32),
        issue("issue_tin", &c.fresh, 2, w.ana, "S-20"),
        issue("issue_tin_to_another_adult", &c.fresh, 2, w.ben, "S-20"),
        issue("issue_tin_padded_seal", &c.fresh, 2, w.ana, "  S-20 "),
        issue("issue_tin_blank_seal", &c.fresh, 2, w.ana, "  "),
        issue("issue_tin_unknown", &c.fresh, 9, w.ana, "S-90"),
        issue("issue_tin_already_out", &c.out, 1, w.ana, "S-21"),
        issue("issue_tin_to_under_16", &c.fresh, 2, w.kid, "S-20"),
        issue(
            "issue_tin_to_unknown_member",
            &c.fresh,
            2,
            MemberId::new_v7(at(0)),
            "S-20",
        ),
        issue(
            "issue_tin_again_after_return",
            &c.returned,
            1,
            w.ana,
            "S-1b",
        ),
        issue(
            "issue_tin_again_with_used_seal",
            &c.returned,
            1,
            w.ana,
            "S-1",
        ),
        issue(
            "issue_tin_with_used_seal_padded",
            &c.returned,
            3,
            w.ana,
            " S-2 ",
        ),
        give_back("return_tin", &c.out, c.out_custody),
        give_back("return_tin_twice", &c.returned, c.returned_custody),
        give_back("return_tin_unknown", &c.out, CustodyId::new_v7(at(0))),
    ]
}

fn taps(w: &World, c: &Collections) -> Vec<Case> {
    let tap = |name: &str,
               before: &StreetCollection,
               tin: u32,
               custody: CustodyId,
               minor: i64,
               currency: &str| {
        let id = DonationId::new_v7(at(62));
        let args = json!({
            "id": id.key(), "tin": tin, "custody": custody.key(), "amountMinor": minor,
            "currency": currency, "at": at(62).millis(), "collector": w.ana.key(),
            "device": device_of(w.ana),
        });
        let currency = currency.to_owned();
        Case::on(
            name,
            "recordTinDonation",
            args,
            w.writer(w.ana),
            before,
            move |d| {
                let new = NewDonation {
                    id,
                    source: DonationSource::Tin(TinNumber(tin)),
                    amount: Money::new(minor, Currency::new(&currency)?),
                    at: at(62),
                    collector: w.ana,
                    device: device_of(w.ana),
                    note: None,
                };
                d.record_donation(&new)?;
                Ok(())
            },
        )
    };
    let undo = |name: &str, donation: DonationId, reason: &str| {
        let id = ReversalId::new_v7(at(63));
        let args = json!({ "id": id.key(), "donation": donation.key(), "reason": reason, "by": w.ana.key(), "at": at(63).millis() });
        Case::on(
            name,
            "reverseDonation",
            args,
            w.writer(w.ana),
            &c.out,
            |d| -> Outcome {
                d.reverse_donation(id, donation, reason, w.ana, at(63))?;
                Ok(())
            },
        )
    };
    vec![
        tap("tap", &c.out, 1, c.out_custody, 500, "GBP"),
        tap("tap_one_penny", &c.out, 1, c.out_custody, 1, "GBP"),
        tap("tap_zero", &c.out, 1, c.out_custody, 0, "GBP"),
        tap("tap_negative", &c.out, 1, c.out_custody, -500, "GBP"),
        tap(
            "tap_in_another_currency",
            &c.out,
            1,
            c.out_custody,
            500,
            "EUR",
        ),
        tap(
            "tap_into_a_returned_tin",
            &c.returned,
            1,
            c.returned_custody,
            500,
            "GBP",
        ),
        tap(
            "tap_into_a_tin_never_issued",
            &c.out,
            3,
            c.out_custody,
            500,
            "GBP",
        ),
        tap(
            "tap_into_an_unknown_tin",
            &c.out,
            9,
            c.out_custody,
            500,
            "GBP",
        ),
        undo("undo_tap", c.out_donation, "Tapped twice"),
        undo("undo_tap_padded_reason", c.out_donation, "  Tapped twice "),
        undo("undo_tap_blank_reason", c.out_donation, " "),
        undo("undo_tap_twice", c.out_reversed, "Tapped twice"),
        undo(
            "undo_unknown_tap",
            DonationId::new_v7(at(0)),
            "Tapped twice",
        ),
    ]
}

fn denominations(list: &[(i64, i64)]) -> (Value, Vec<Denomination>) {
    let js = list
        .iter()
        .map(|(value, quantity)| json!({ "value": value, "quantity": quantity }))
        .collect();
    let core = list
        .iter()
        .map(|&(value_minor, quantity)| Denomination {
            value_minor,
            quantity,
        })
        .collect();
    (Value::Array(js), core)
}

fn counts(w: &World, c: &Collections) -> Vec<Case> {
    struct Count<'a> {
        before: &'a StreetCollection,
        custody: CustodyId,
        place: &'a str,
        counters: (MemberId, MemberId),
        coins: &'a [(i64, i64)],
        signed: &'a [MemberId],
    }
    let count = |name: &str, k: Count| {
        let id = CountId::new_v7(at(70));
        let (coins_js, coins) = denominations(k.coins);
        let signatures: serde_json::Map<String, Value> = k
            .signed
            .iter()
            .map(|m| (m.key(), json!(at(70).millis())))
            .collect();
        let args = json!({
            "id": id.key(), "custody": k.custody.key(), "place": k.place, "at": at(70).millis(),
            "counter1": k.counters.0.key(), "counter2": k.counters.1.key(),
            "denominations": coins_js, "signatures": signatures,
        });
        let new = NewCount {
            id,
            custody: k.custody,
            place: k.place.into(),
            at: at(70),
            counter1: k.counters.0,
            counter2: k.counters.1,
            related_reason: None,
            denominations: coins,
            non_cash: None,
            supersedes: None,
        };
        let signed = k.signed.to_vec();
        Case::on(name, "recordCount", args, w.writer(w.ana), k.before, |d| {
            d.record_count(&new, &w.club)?;
            for member in signed {
                d.sign_count(id, member, at(70))?;
            }
            Ok(())
        })
    };
    let normal = || Count {
        before: &c.returned,
        custody: c.returned_custody,
        place: "Club room",
        counters: (w.ana, w.ben),
        coins: &[(200, 3), (50, 5)],
        signed: &[],
    };
    let sign = |name: &str, by: MemberId, counter: MemberId, count: CountId| {
        let args = json!({ "count": count.key(), "counter": counter.key(), "by": by.key(), "at": at(71).millis() });
        Case::on(name, "signCount", args, w.writer(by), &c.counted, |d| {
            d.sign_count(count, counter, at(71))?;
            Ok(())
        })
    };
    vec![
        count("count", normal()),
        count(
            "count_signed_by_both_before_saving",
            Count {
                signed: &[w.ana, w.ben],
                ..normal()
            },
        ),
        count(
            "count_signed_by_the_other_counter_before_saving",
            Count {
                signed: &[w.ben],
                ..normal()
            },
        ),
        count(
            "count_signed_by_someone_else",
            Count {
                signed: &[w.kid],
                ..normal()
            },
        ),
        count(
            "count_padded_place",
            Count {
                place: " Club room  ",
                ..normal()
            },
        ),
        count(
            "count_blank_place",
            Count {
                place: " ",
                ..normal()
            },
        ),
        count(
            "count_an_empty_tin",
            Count {
                coins: &[],
                ..normal()
            },
        ),
        count(
            "count_the_same_counter_twice",
            Count {
                counters: (w.ana, w.ana),
                ..normal()
            },
        ),
        count(
            "count_by_an_under_16",
            Count {
                counters: (w.ana, w.kid),
                ..normal()
            },
        ),
        count(
            "count_by_an_unknown_member",
            Count {
                counters: (w.ana, MemberId::new_v7(at(0))),
                ..normal()
            },
        ),
        count(
            "count_a_tin_still_out",
            Count {
                custody: c.ben_custody,
                ..normal()
            },
        ),
        count(
            "count_an_unknown_issue",
            Count {
                custody: CustodyId::new_v7(at(0)),
                ..normal()
            },
        ),
        count(
            "count_zero_coins",
            Count {
                coins: &[(200, 0)],
                ..normal()
            },
        ),
        count(
            "count_negative_coins",
            Count {
                coins: &[(-200, 1)],
                ..normal()
            },
        ),
        count(
            "count_a_value_twice",
            Count {
                coins: &[(200, 1), (200, 2)],
                ..normal()
            },
        ),
        count(
            "count_a_counted_tin",
            Count {
                before: &c.counted,
                ..normal()
            },
        ),
        sign("sign_count", w.ben, w.ben, c.count),
        sign("sign_count_again", w.ana, w.ana, c.count),
        sign("sign_count_for_the_other_counter", w.ana, w.ben, c.count),
        sign("sign_count_not_a_counter", w.kid, w.kid, c.count),
        sign("sign_unknown_count", w.ben, w.ben, CountId::new_v7(at(0))),
    ]
}

/// Money outside tins (a card payment, online, cash handed over, other) and the reversal of
/// a card payment typed wrong.
fn outside_tins(w: &World, c: &Collections) -> Vec<Case> {
    let give = |name: &str, source: &str, minor: i64, currency: &str, note: Option<&str>| {
        let id = DonationId::new_v7(at(64));
        let args = json!({
            "id": id.key(), "source": source, "amountMinor": minor, "currency": currency,
            "at": at(64).millis(), "collector": w.ana.key(), "device": device_of(w.ana),
            "note": note,
        });
        let (source_text, currency, note) = (
            source.to_owned(),
            currency.to_owned(),
            note.map(str::to_owned),
        );
        Case::on(
            name,
            "recordDonation",
            args,
            w.writer(w.ana),
            &c.out,
            move |d| {
                let source = match source_text.as_str() {
                    "card" => DonationSource::Card,
                    "online" => DonationSource::Online,
                    "cash" => DonationSource::Cash,
                    "other" => DonationSource::Other,
                    other => return Err(format!("{other} is not a source outside tins").into()),
                };
                d.record_donation(&NewDonation {
                    id,
                    source,
                    amount: Money::new(minor, Currency::new(&currency)?),
                    at: at(64),
                    collector: w.ana,
                    device: device_of(w.ana),
                    note,
                })?;
                Ok(())
            },
        )
    };
    let mut typed_wrong = c.out.clone();
    let wrong = w.card(&mut typed_wrong, 50_000, 65);
    let reverse = |name: &str, reason: &str| {
        let id = ReversalId::new_v7(at(66));
        let args = json!({ "id": id.key(), "donation": wrong.key(), "reason": reason, "by": w.ana.key(), "at": at(66).millis() });
        Case::on(
            name,
            "reverseDonation",
            args,
            w.writer(w.ana),
            &typed_wrong,
            |d| -> Outcome {
                d.reverse_donation(id, wrong, reason, w.ana, at(66))?;
                Ok(())
            },
        )
    };
    vec![
        give("card_payment", "card", 500, "GBP", Some("contactless")),
        give("online_payment", "online", 1000, "GBP", None),
        give("cash_handed_over", "cash", 2000, "GBP", None),
        give("a_cheque", "other", 2500, "GBP", Some("cheque 0012")),
        give("card_payment_of_nothing", "card", 0, "GBP", None),
        give("card_payment_in_euros", "card", 500, "EUR", None),
        give("money_from_nowhere", "tinless", 500, "GBP", None),
        reverse("card_payment_typed_wrong_reversed", "typed 500.00 for 5.00"),
        reverse("card_payment_reversed_without_a_reason", "  "),
    ]
}
