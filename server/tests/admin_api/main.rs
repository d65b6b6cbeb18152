//! The coordinators' admin API end to end: the real binary, plain HTTP on loopback, devices
//! syncing over real websockets.

use clubsync_testkit::harness as common;

use std::time::{Duration, Instant};

use automerge::Automerge;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::SignatureId;
use clubsync_core::petition::{NewPetition, NewSignature, Petition, SignatureSource};
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use common::records::{Joined, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, admin, connect, http, http_text, printed_code};
use serde_json::{Value, json};

mod access;
mod audit;
mod members;
mod reports;

/// `Authorization` header of a token.
fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A JSON request with a token.
fn call(
    server: &ServerProcess,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let auth = bearer(token);
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    http(
        server.addr,
        method,
        path,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        &body,
    )
}

/// The id of the first device in a device list whose name is `name`.
fn device_named(devices: &Value, name: &str) -> String {
    devices
        .as_array()
        .expect("a list")
        .iter()
        .find(|d| d["name"] == name)
        .and_then(|d| d["id"].as_str())
        .unwrap_or_else(|| panic!("no device {name:?} in {devices}"))
        .to_owned()
}

/// A petition with one signature that gave an email and a phone number.
fn petition_with_a_signature(by: &Joined) -> Automerge {
    let at = Timestamp(1_764_000_000_000);
    let mut petition = Petition::create(
        None,
        &NewPetition {
            club: by.club_document,
            title: "Free the journalists".into(),
            text: "We call for the release of every jailed journalist.".into(),
            deadline: None,
            retain_until: None,
        },
        at,
    )
    .expect("a valid petition");
    petition
        .sign(&NewSignature {
            id: SignatureId::new_v7(at),
            name: "Asha Khan".into(),
            postcode: Some("LS1 1AA".into()),
            town: None,
            email: Some("asha@example.org".into()),
            phone: Some("+44 7700 900123".into()),
            at,
            collector: by.member,
            event: None,
            source: SignatureSource::Device,
            comment: None,
        })
        .expect("a valid signature");
    petition.automerge().clone()
}
