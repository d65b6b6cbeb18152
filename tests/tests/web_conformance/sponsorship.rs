//! Sponsored activity cases: a new walk, pledges (flat, with Gift Aid, Gift Aid without a
//! postcode, of nothing, with no name), the distance, and payments (valid, against no pledge,
//! of nothing), each against core's `SponsoredActivity`.

use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{PaymentId, PledgeId};
use clubsync_core::money::Money;
use clubsync_core::sponsorship::{
    NewPayment, NewPledge, NewSponsoredActivity, PledgeUnit, SponsoredActivity,
};
use serde_json::json;

use crate::world::{World, at, device_of};
use crate::{Case, Outcome};

fn gbp(minor: i64) -> Money {
    Money::new(minor, Currency::new("GBP").expect("GBP"))
}

fn walk(w: &World) -> NewSponsoredActivity {
    NewSponsoredActivity {
        club: w.club_id,
        title: "Sponsored walk".into(),
        participant: w.ben,
        unit: PledgeUnit::PerKm,
        currency: Currency::new("GBP").expect("GBP"),
    }
}

pub fn cases(w: &World) -> Vec<Case> {
    let mut started = SponsoredActivity::create(None, &walk(w), at(0)).expect("walk");
    let jo = PledgeId::new_v7(at(1));
    started
        .record_pledge(&NewPledge {
            id: jo,
            sponsor_name: "Jo Bloggs".into(),
            house: Some("12".into()),
            postcode: Some("LS1 4AP".into()),
            amount: gbp(200),
            gift_aid: true,
            at: at(1),
        })
        .expect("pledge");
    let new = |name: &str, title: &str| {
        let n = NewSponsoredActivity {
            title: title.into(),
            ..walk(w)
        };
        let args = json!({
            "club": w.club_id.to_string(), "title": title, "participant": w.ben.key(),
            "unit": "per_km", "currency": "GBP", "at": at(0).millis(),
        });
        Case::new_document(
            name,
            "newSponsoredActivity",
            args,
            w.writer(w.ana),
            move || {
                Ok(SponsoredActivity::create(None, &n, at(0))?
                    .automerge()
                    .clone())
            },
        )
    };
    let pledge = |name: &str,
                  sponsor: &str,
                  house: Option<&str>,
                  postcode: Option<&str>,
                  minor: i64,
                  gift_aid: bool| {
        let p = NewPledge {
            id: PledgeId::new_v7(at(5)),
            sponsor_name: sponsor.into(),
            house: house.map(str::to_owned),
            postcode: postcode.map(str::to_owned),
            amount: gbp(minor),
            gift_aid,
            at: at(5),
        };
        let args = json!({
            "id": p.id.key(), "sponsorName": sponsor, "house": house, "postcode": postcode,
            "amountMinor": minor, "currency": "GBP", "giftAid": gift_aid, "at": at(5).millis(),
        });
        Case::on(
            name,
            "recordPledge",
            args,
            w.writer(w.ana),
            &started,
            move |d| -> Outcome {
                d.record_pledge(&p)?;
                Ok(())
            },
        )
    };
    let pay = |name: &str, pledge: PledgeId, minor: i64| {
        let p = NewPayment {
            id: PaymentId::new_v7(at(9)),
            pledge,
            amount: gbp(minor),
            at: at(9),
            received_by: w.ana,
            device: device_of(w.ana),
        };
        let args = json!({
            "id": p.id.key(), "pledge": pledge.key(), "amountMinor": minor, "currency": "GBP",
            "at": at(9).millis(), "receivedBy": w.ana.key(), "device": device_of(w.ana),
        });
        Case::on(
            name,
            "recordPayment",
            args,
            w.writer(w.ana),
            &started,
            move |d| -> Outcome {
                d.record_payment(&p)?;
                Ok(())
            },
        )
    };
    let distance = |name: &str, km: i64| {
        Case::on(
            name,
            "setDistance",
            json!({ "km": km, "at": at(8).millis() }),
            w.writer(w.ana),
            &started,
            move |d| -> Outcome {
                d.set_units_completed(km, at(8))?;
                Ok(())
            },
        )
    };
    vec![
        new("new_sponsored_walk", "Sponsored walk"),
        new("new_activity_without_a_title", "  "),
        pledge("pledge", "Sam Lee", None, None, 50, false),
        pledge(
            "pledge_with_gift_aid",
            "Kim Ji-woo",
            Some("Flat 3"),
            Some("LS2 7HY"),
            100,
            true,
        ),
        pledge(
            "gift_aid_without_a_postcode",
            "Kim Ji-woo",
            Some("Flat 3"),
            None,
            100,
            true,
        ),
        pledge("pledge_of_nothing", "Sam Lee", None, None, 0, false),
        pledge("pledge_with_no_name", " ", None, None, 100, false),
        distance("ten_km_walked", 10),
        distance("minus_one_km", -1),
        pay("payment", jo, 2000),
        pay("payment_of_nothing", jo, 0),
        pay("payment_of_no_pledge", PledgeId::new_v7(at(0)), 100),
    ]
}

/// The activities whose sheet the app reads: a walk with two pledges, 10 km walked, one paid.
pub fn documents(w: &World) -> Vec<(String, SponsoredActivity)> {
    let mut a = SponsoredActivity::create(None, &walk(w), at(0)).expect("walk");
    let mut first = None;
    for (i, (name, minor)) in [("Jo Bloggs", 200), ("Sam Lee", 50)]
        .into_iter()
        .enumerate()
    {
        let id = PledgeId::new_v7(at(i as i64 + 1));
        first.get_or_insert(id);
        a.record_pledge(&NewPledge {
            id,
            sponsor_name: name.into(),
            house: None,
            postcode: None,
            amount: gbp(minor),
            gift_aid: false,
            at: at(i as i64 + 1),
        })
        .expect("pledge");
    }
    a.set_units_completed(10, at(5)).expect("distance");
    a.record_payment(&NewPayment {
        id: PaymentId::new_v7(at(6)),
        pledge: first.expect("a pledge"),
        amount: gbp(1500),
        at: at(6),
        received_by: w.ana,
        device: device_of(w.ana),
    })
    .expect("paid");
    vec![("walk".into(), a)]
}

/// Where the app's reading of the pledges differs from core's.
pub fn divergences(docs: &[(String, SponsoredActivity)], app: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for (name, doc) in docs {
        let core: Vec<serde_json::Value> = doc
            .pledges()
            .expect("pledges")
            .iter()
            .map(|p| {
                json!({
                    "id": p.pledge.id.key(), "pledgedMinor": p.pledged.minor,
                    "paidMinor": p.paid.minor, "outstandingMinor": p.outstanding.minor,
                })
            })
            .collect();
        let file = format!("{name}.sponsorship");
        if app[&file] != serde_json::Value::Array(core.clone()) {
            out.push(format!(
                "pledges of {name}: core {core:?}, the app {}",
                app[&file]
            ));
        }
    }
    out
}
