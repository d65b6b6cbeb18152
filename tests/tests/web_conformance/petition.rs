//! Petition cases: each record the petition stall writes (a signature, its consent), valid and
//! refused, on the petitions of `world`.

use clubsync_core::ids::{ConsentId, SignatureId};
use clubsync_core::petition::{ConsentMethod, NewConsent, NewSignature, Petition, SignatureSource};
use clubsync_core::timestamp::Timestamp;
use serde_json::json;

use crate::Case;
use crate::world::{World, at};

/// The consent the stall asks for (`CONSENT_PURPOSE`, `CONSENT_WORDING_VERSION` in petitions.ts).
const PURPOSE: &str = "campaign_updates";
const WORDING: &str = "v1";

struct Signer<'a> {
    name: &'a str,
    postcode: &'a str,
    town: &'a str,
    email: &'a str,
    at: Timestamp,
}

pub fn cases(w: &World) -> Vec<Case> {
    let p = w.petitions();
    let sign = |name: &str, before: &Petition, s: Signer| {
        let id = SignatureId::new_v7(s.at);
        let args = json!({
            "id": id.key(), "name": s.name, "postcode": s.postcode, "town": s.town,
            "email": s.email, "at": s.at.millis(), "collector": w.ana.key(),
        });
        // The stall's form as the CLI would pass it: every field as typed.
        let new = NewSignature {
            id,
            name: s.name.into(),
            postcode: Some(s.postcode.into()),
            town: Some(s.town.into()),
            email: Some(s.email.into()),
            phone: None,
            at: s.at,
            collector: w.ana,
            event: None,
            source: SignatureSource::Device,
            comment: None,
        };
        Case::on(name, "sign", args, w.writer(w.ana), before, |d| {
            d.sign(&new)?;
            Ok(())
        })
    };
    let consent = |name: &str, before: &Petition, signature: SignatureId| {
        let id = ConsentId::new_v7(at(7));
        let args = json!({ "id": id.key(), "signature": signature.key(), "at": at(7).millis(), "collector": w.ana.key() });
        let new = NewConsent {
            id,
            person: signature.key(),
            purpose: PURPOSE.into(),
            wording_version: WORDING.into(),
            method: ConsentMethod::Device,
            at: at(7),
            collector: w.ana,
            given: true,
        };
        Case::on(name, "recordConsent", args, w.writer(w.ana), before, |d| {
            d.record_consent(&new)?;
            Ok(())
        })
    };
    let kim = || Signer {
        name: "Kim Min-jun",
        postcode: "LS1 4AP",
        town: "",
        email: "",
        at: at(6),
    };
    let mut signed_with_consent = p.signed.clone();
    signed_with_consent
        .record_consent(&NewConsent {
            id: ConsentId::new_v7(at(5)),
            person: p.signature.key(),
            purpose: PURPOSE.into(),
            wording_version: WORDING.into(),
            method: ConsentMethod::Device,
            at: at(5),
            collector: w.ana,
            given: true,
        })
        .expect("consent");
    vec![
        sign("first_signature", &p.open, kim()),
        sign("second_signature", &p.signed, kim()),
        sign(
            "signature_with_town_and_email",
            &p.open,
            Signer {
                postcode: "",
                town: "Leeds",
                email: "kim@example.org",
                ..kim()
            },
        ),
        sign(
            "signature_padded",
            &p.open,
            Signer {
                name: "  Kim Min-jun ",
                postcode: " LS1 4AP ",
                town: "  ",
                email: " kim@example.org ",
                ..kim()
            },
        ),
        sign(
            "signature_without_name",
            &p.open,
            Signer {
                name: "  ",
                ..kim()
            },
        ),
        sign(
            "signature_without_postcode_or_town",
            &p.open,
            Signer {
                postcode: " ",
                town: "",
                ..kim()
            },
        ),
        sign(
            "signature_at_the_deadline",
            &p.open,
            Signer {
                at: p.deadline,
                ..kim()
            },
        ),
        sign(
            "signature_after_the_deadline",
            &p.signed,
            Signer {
                at: Timestamp(p.deadline.0 + 1),
                ..kim()
            },
        ),
        consent("consent", &p.signed, p.signature),
        consent("consent_given_again", &signed_with_consent, p.signature),
        consent(
            "consent_for_an_unknown_signature",
            &p.signed,
            SignatureId::new_v7(at(0)),
        ),
    ]
}
