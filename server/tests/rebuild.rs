//! `POST /api/documents/{id}/rebuild` end to end (the real binary, loopback HTTP and
//! websockets): a phone whose copy holds a change the server refused sends that copy, and gets
//! back the server's copy with every valid record of the phone written again and the record
//! that breaks a rule named; with the rebuilt copy it syncs again and nothing valid is lost.
//! Every request that must not rebuild is refused with its own error.

use clubsync_testkit::harness as common;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use base64::Engine;
use clubsync_core::ids::DonationId;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use common::records::{Joined, amounts, donations, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, connect, http_bytes};

/// Writes, as a stock client could, a card donation of -500 pence under `by`'s own device.
fn forge_negative_donation(doc: &mut Automerge, by: &Joined) -> String {
    let id = DonationId::new_v7(Timestamp(1_764_000_900_000)).key();
    let (_, container) = doc
        .get(ROOT, "donations")
        .expect("read")
        .expect("a collection has donations");
    let mut tx = doc.transaction();
    let record = tx
        .put_object(&container, id.as_str(), ObjType::Map)
        .expect("put");
    for (key, value) in [
        ("source", "card"),
        ("currency", "GBP"),
        ("collector", &by.member.key()),
        ("device", &by.device),
    ] {
        tx.put(&record, key, value).expect("put");
    }
    tx.put(&record, "amount_minor", -500_i64).expect("put");
    tx.put(&record, "at", 1_764_000_900_000_i64).expect("put");
    tx.commit();
    id
}

fn rebuild(
    server: &ServerProcess,
    token: Option<&str>,
    document: &str,
    body: &[u8],
) -> (u16, serde_json::Value) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/octet-stream")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth));
    }
    http_bytes(
        server.addr,
        "POST",
        &format!("/api/documents/{document}/rebuild"),
        &headers,
        body,
    )
}

#[tokio::test]
async fn a_refused_copy_is_rebuilt_with_every_valid_record_and_the_bad_one_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let lee = server.joined("Volunteer Lee");
    let park = server.joined("Volunteer Park");

    // Lee's collection with one donation reaches the server.
    let collection = DocumentId::random();
    let mut doc = new_collection(&lee, "Market Square");
    record_donation(&mut doc, &lee, 500);
    let mut lee_phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee connects");
    lee_phone.docs.insert(collection, doc);
    lee_phone.sync(QUIET, LIMIT).await;
    assert!(lee_phone.all_saved_on_server(collection));

    // Park's phone gets it, then records offline: 700, a forged -500, and 300 after it (which
    // depends on the forged change, so the server would refuse it too).
    let mut park_phone = connect(&server.ws_url(Some(&park.token)))
        .await
        .expect("Park connects");
    park_phone.want(collection);
    park_phone.sync(QUIET, LIMIT).await;
    let mut copy = park_phone.docs[&collection].clone();
    record_donation(&mut copy, &park, 700);
    let forged = forge_negative_donation(&mut copy, &park);
    record_donation(&mut copy, &park, 300);
    park_phone.docs.insert(collection, copy.clone());
    park_phone.sync(QUIET, LIMIT).await;
    let refused = park_phone.seen.closed.clone().expect("refused");
    assert!(
        refused.contains("amount_not_positive") && refused.contains(&forged),
        "{refused}"
    );

    // The phone sends its copy; the answer keeps Lee's and Park's valid donations.
    let (status, answer) = rebuild(
        &server,
        Some(&park.token),
        &collection.to_string(),
        &copy.save(),
    );
    assert_eq!(status, 200, "{answer}");
    let dropped = answer["dropped"].as_array().expect("a list");
    assert_eq!(dropped.len(), 1, "{answer}");
    assert_eq!(dropped[0]["path"], format!("donations/{forged}"));
    assert_eq!(dropped[0]["rule"], "amount_not_positive");
    assert_eq!(answer["kept"].as_array().map(Vec::len), Some(2), "{answer}");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(answer["rebuilt"].as_str().expect("the rebuilt copy"))
        .expect("base64");
    let rebuilt = Automerge::load(&bytes).expect("a document");
    assert_eq!(
        amounts(&rebuilt),
        [300, 500, 700].into_iter().collect(),
        "every valid donation, none forged"
    );

    // With the rebuilt copy the phone syncs again, and a fresh device reads everything valid.
    let mut park_again = connect(&server.ws_url(Some(&park.token)))
        .await
        .expect("Park reconnects");
    park_again.docs.insert(collection, rebuilt);
    park_again.sync(QUIET, LIMIT).await;
    assert_eq!(park_again.seen.closed, None);
    assert!(park_again.all_saved_on_server(collection));
    let mut laptop = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("connects");
    laptop.want(collection);
    laptop.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&laptop.docs[&collection]), (3, 1500));
}

#[tokio::test]
async fn a_rebuild_that_must_not_happen_gets_its_own_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let lee = server.joined("Volunteer Lee");
    let choi = server.joined("Observer Choi");
    let collection = DocumentId::random();
    let mut doc = new_collection(&lee, "Market Square");
    record_donation(&mut doc, &lee, 500);
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("connects");
    phone.docs.insert(collection, doc.clone());
    phone.sync(QUIET, LIMIT).await;
    assert!(phone.all_saved_on_server(collection));
    let id = collection.to_string();
    let saved = doc.save();

    let other = new_collection(&lee, "Another collection").save();
    let never_synced = DocumentId::random().to_string();
    let bomb = common::hostile::deflated_column_bomb(56);
    // (what, token, document, body, status, error code)
    type Case<'a> = (&'a str, Option<&'a str>, &'a str, &'a [u8], u16, &'a str);
    let cases: [Case; 7] = [
        ("no token", None, &id, &saved, 401, "no_token"),
        (
            "an observer",
            Some(&choi.token),
            &id,
            &saved,
            403,
            "refused",
        ),
        (
            "not automerge",
            Some(&lee.token),
            &id,
            b"not a document",
            400,
            "bad_body",
        ),
        (
            "another document",
            Some(&lee.token),
            &id,
            &other,
            400,
            "bad_body",
        ),
        (
            "a deflate bomb",
            Some(&lee.token),
            &id,
            &bomb,
            400,
            "bad_body",
        ),
        (
            "a malformed id",
            Some(&lee.token),
            "nonsense",
            &saved,
            400,
            "bad_id",
        ),
        (
            "an unknown document",
            Some(&lee.token),
            &never_synced,
            &saved,
            404,
            "not_found",
        ),
    ];
    for (name, token, document, body, status, code) in cases {
        let (got, answer) = rebuild(&server, token, document, body);
        assert_eq!(
            (got, answer["error"].as_str()),
            (status, Some(code)),
            "{name}: {answer}"
        );
    }
}
