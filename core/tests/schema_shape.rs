//! The document shapes of `docs/schema.md`, both ways: a collection written field by field
//! the way the web app writes it (plain JS strings become text objects) reads through the
//! typed API, and what the typed API writes has exactly the documented keys.

mod fixtures;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc};
use clubsync_core::collection::{CountStatus, DonationSource, StreetCollection};
use clubsync_core::document::TypedDocument;
use clubsync_core::error::SchemaError;
use clubsync_core::ids::TinNumber;
use clubsync_core::stage::Stage;
use clubsync_protocol::ids::DocumentId;
use fixtures::{card_donation, world};

const DONATION: &str = "0194f1a2-7c3e-7d41-9b6e-2f0c4a1d5e77";
const CUSTODY: &str = "0194f1a2-0000-7000-8000-000000000001";
const COUNT: &str = "0194f1a2-0000-7000-8000-000000000002";
const ANA: &str = "0194f1a2-0000-7000-8000-0000000000aa";
const BEN: &str = "0194f1a2-0000-7000-8000-0000000000bb";

/// Puts `value` the way `@automerge/automerge` stores a plain JS string: a text object.
fn js_string(tx: &mut impl Transactable, obj: &ObjId, key: &str, value: &str) {
    let text = tx.put_object(obj, key, ObjType::Text).expect("text object");
    tx.splice_text(&text, 0, 0, value).expect("text");
}

fn js_map(tx: &mut impl Transactable, obj: &ObjId, key: &str) -> ObjId {
    tx.put_object(obj, key, ObjType::Map).expect("map")
}

/// A street collection as the web app would write it, following docs/schema.md.
fn web_app_collection() -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    js_string(&mut tx, &ROOT, "kind", "street_collection");
    tx.put(ROOT, "schema_version", 1).expect("put");
    tx.put(ROOT, "created_at", 1_773_482_400_000_i64)
        .expect("put");
    js_string(&mut tx, &ROOT, "club", &DocumentId::random().to_string());
    js_string(&mut tx, &ROOT, "title", "Briggate");
    js_string(&mut tx, &ROOT, "currency", "GBP");
    let mut c = std::collections::HashMap::new();
    for key in [
        "permit",
        "status",
        "tins",
        "custody",
        "donations",
        "reversals",
        "counts",
        "ledger",
        "returns",
    ] {
        c.insert(key, js_map(&mut tx, &ROOT, key));
    }
    tx.put(&c["status"], "planned", 1_773_482_400_000_i64)
        .expect("put");
    tx.put(&c["status"], "held", 1_773_490_000_000_i64)
        .expect("put");
    let tin = js_map(&mut tx, &c["tins"], "7");
    tx.put(&tin, "number", 7).expect("put");
    tx.put(&tin, "added_at", 1_773_482_400_000_i64)
        .expect("put");

    let custody = js_map(&mut tx, &c["custody"], CUSTODY);
    tx.put(&custody, "tin", 7).expect("put");
    js_string(&mut tx, &custody, "collector", ANA);
    js_string(&mut tx, &custody, "seal", "S-0042");
    tx.put(&custody, "issued_at", 1_773_482_500_000_i64)
        .expect("put");
    js_string(&mut tx, &custody, "issued_by", BEN);
    tx.put(&custody, "returned_at", 1_773_490_000_000_i64)
        .expect("put");
    js_string(&mut tx, &custody, "returned_to", BEN);
    tx.put(&custody, "seal_intact", true).expect("put");

    let d = js_map(&mut tx, &c["donations"], DONATION);
    js_string(&mut tx, &d, "source", "card");
    // A JS number: whole numbers are stored as int, but accept a float too.
    tx.put(&d, "amount_minor", 1250.0_f64).expect("put");
    js_string(&mut tx, &d, "currency", "GBP");
    tx.put(&d, "at", 1_773_483_000_000_i64).expect("put");
    js_string(&mut tx, &d, "collector", ANA);
    js_string(&mut tx, &d, "device", "web-7f3a");

    let count = js_map(&mut tx, &c["counts"], COUNT);
    js_string(&mut tx, &count, "custody", CUSTODY);
    tx.put(&count, "tin", 7).expect("put");
    js_string(&mut tx, &count, "place", "Club room");
    tx.put(&count, "at", 1_773_491_000_000_i64).expect("put");
    js_string(&mut tx, &count, "counter1", ANA);
    js_string(&mut tx, &count, "counter2", BEN);
    tx.put(&count, "amount_minor", 700).expect("put");
    js_string(&mut tx, &count, "currency", "GBP");
    let denominations = js_map(&mut tx, &count, "denominations");
    tx.put(&denominations, "200", 3).expect("put");
    tx.put(&denominations, "100", 1).expect("put");
    let signatures = js_map(&mut tx, &count, "signatures");
    tx.put(&signatures, ANA, 1_773_491_100_000_i64)
        .expect("put");
    js_map(&mut tx, &count, "supersedes");
    tx.commit();
    doc
}

#[test]
fn a_collection_written_by_the_web_app_reads_through_the_typed_api() {
    let c = StreetCollection::from_automerge(web_app_collection()).expect("a valid collection");
    assert_eq!(c.status().expect("status"), Stage::Held);
    assert_eq!(c.tins().expect("tins")[0].number, TinNumber(7));
    let custody = c.custody_log().expect("custody");
    assert_eq!(custody[0].seal, "S-0042");
    assert!(custody[0].returned.as_ref().expect("returned").seal_intact);
    let donations = c.donations().expect("donations");
    assert_eq!(donations[0].id.to_string(), DONATION);
    assert_eq!(donations[0].source, DonationSource::Card);
    assert_eq!(donations[0].amount.decimal(), "12.50");
    let count = &c.counts().expect("counts")[0];
    assert_eq!(
        (count.total.minor, count.status, count.active),
        (700, CountStatus::SignedByOne, true)
    );
    assert_eq!(count.denominations.len(), 2);
}

#[test]
fn a_malformed_entry_names_its_path() {
    let mut doc = web_app_collection();
    let donations = match doc.get(ROOT, "donations").expect("get") {
        Some((_, id)) => id,
        None => panic!("donations container"),
    };
    let mut tx = doc.transaction();
    let bad = tx
        .put_object(
            &donations,
            "0194f1a2-0000-7000-8000-00000000000f",
            ObjType::Map,
        )
        .expect("map");
    tx.put(&bad, "source", "card").expect("put");
    tx.put(&bad, "amount_minor", 12.5_f64).expect("put");
    tx.commit();
    let c = StreetCollection::from_automerge(doc).expect("document itself is fine");
    let err = c.donations().expect_err("the entry is malformed");
    assert!(
        matches!(&err, SchemaError::Invalid { path, .. } if path == "donations/0194f1a2-0000-7000-8000-00000000000f/amount_minor"),
        "{err}"
    );
}

#[test]
fn a_document_of_another_kind_or_a_newer_schema_is_refused() {
    let w = world();
    let err = StreetCollection::from_automerge(w.club.automerge().clone()).expect_err("a club");
    assert!(
        matches!(err, SchemaError::WrongKind { ref found, .. } if found == "club"),
        "{err}"
    );
    let mut doc = web_app_collection();
    let mut tx = doc.transaction();
    tx.put(ROOT, "schema_version", 2).expect("put");
    tx.commit();
    assert!(matches!(
        StreetCollection::from_automerge(doc),
        Err(SchemaError::TooNew(2))
    ));
}

fn keys_of(doc: &Automerge, path: &[&str]) -> Vec<String> {
    let mut obj = ROOT;
    for key in path {
        obj = match doc.get(&obj, *key).expect("get") {
            Some((_, id)) => id,
            None => panic!("no {key}"),
        };
    }
    let mut keys: Vec<String> = doc.keys(&obj).collect();
    keys.sort();
    keys
}

#[test]
fn the_typed_api_writes_exactly_the_documented_keys() {
    let mut w = world();
    let doc = &w.collection.automerge().clone();
    assert_eq!(
        keys_of(doc, &[]),
        [
            "club",
            "counts",
            "created_at",
            "currency",
            "custody",
            "donations",
            "kind",
            "ledger",
            "permit",
            "resolutions",
            "returns",
            "reversals",
            "schema_version",
            "status",
            "tins",
            "title"
        ]
    );
    let custody = w.issue(1, w.cho, "S-1", 0);
    let id = w
        .collection
        .record_donation(&card_donation(100, w.ana, 1))
        .expect("recorded");
    w.give_back(custody, 10);
    let count = w
        .collection
        .record_count(&w.count(custody, 20), &w.club)
        .expect("counted");
    let doc = w.collection.automerge();
    assert_eq!(
        keys_of(doc, &["donations", &id.to_string()]),
        [
            "amount_minor",
            "at",
            "collector",
            "currency",
            "device",
            "source"
        ]
    );
    assert_eq!(
        keys_of(doc, &["custody", &custody.to_string()]),
        [
            "collector",
            "issued_at",
            "issued_by",
            "returned_at",
            "returned_to",
            "seal",
            "seal_intact",
            "tin"
        ]
    );
    assert_eq!(
        keys_of(doc, &["counts", &count.to_string()]),
        [
            "amount_minor",
            "at",
            "counter1",
            "counter2",
            "currency",
            "custody",
            "denominations",
            "place",
            "signatures",
            "supersedes",
            "tin"
        ]
    );
    assert_eq!(
        keys_of(doc, &["counts", &count.to_string(), "denominations"]),
        ["200", "50"]
    );
}
