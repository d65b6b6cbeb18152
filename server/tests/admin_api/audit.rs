//! The server as the authority: a forged deletion from a volunteer's phone is refused while the
//! other phones keep syncing, and the audit trail says which device wrote each record.

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use clubsync_core::collection::StreetCollection;

use super::*;
use common::records::donations;

fn donation_ids(doc: &Automerge) -> Vec<String> {
    StreetCollection::from_automerge(doc.clone())
        .expect("a collection")
        .donations()
        .expect("donations read")
        .iter()
        .map(|d| d.id.to_string())
        .collect()
}

#[tokio::test]
async fn a_forged_deletion_is_refused_and_the_trail_names_every_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let kim = server.joined("Coordinator Kim");
    let lee = server.joined("Volunteer Lee");
    let park = server.joined("Volunteer Park");

    // 1. Lee's phone records a donation in a new collection.
    let collection = DocumentId::random();
    let mut doc = new_collection(&lee, "Market Square");
    record_donation(&mut doc, &lee, 500);
    let first = donation_ids(&doc).remove(0);
    let mut lee_phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee connects");
    lee_phone.docs.insert(collection, doc);
    lee_phone.sync(QUIET, LIMIT).await;
    assert!(lee_phone.all_saved_on_server(collection));

    // 2. Park's phone gets the collection, then deletes Lee's donation and sends that.
    let mut park_phone = connect(&server.ws_url(Some(&park.token)))
        .await
        .expect("Park connects");
    park_phone.want(collection);
    park_phone.sync(QUIET, LIMIT).await;
    let held = park_phone.docs.get_mut(&collection).expect("held");
    let (_, container) = held
        .get(automerge::ROOT, "donations")
        .expect("read")
        .expect("there");
    let mut tx = held.transaction();
    tx.delete(&container, first.as_str()).expect("delete");
    tx.commit();
    park_phone.sync(QUIET, LIMIT).await;
    let closed = park_phone
        .seen
        .closed
        .clone()
        .expect("Park's phone is refused");
    assert!(
        closed.contains(&format!("donations/{first}")) && closed.contains("record_deleted"),
        "{closed}"
    );

    // 3. Lee's phone carries on: its next donation is saved.
    record_donation(
        lee_phone.docs.get_mut(&collection).expect("held"),
        &lee,
        250,
    );
    lee_phone.sync(QUIET, LIMIT).await;
    assert_eq!(lee_phone.seen.closed, None);
    assert!(lee_phone.all_saved_on_server(collection));

    // 4. A fresh device reads both of Lee's donations: the deletion was never stored.
    let mut laptop = connect(&server.ws_url(Some(&kim.token)))
        .await
        .expect("Kim connects");
    laptop.want(collection);
    laptop.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&laptop.docs[&collection]), (2, 750));
    let (_, _, metrics) = common::http_text(server.addr, "GET", "/metrics", &[]);
    assert!(
        metrics.contains("clubsync_refusals_total{reason=\"record_deleted\"} 1"),
        "{metrics}"
    );

    // 5. The trail: every stored change came from Lee's phone, and the first donation's
    //    record was written by one change.
    let path = format!("/api/club/documents/{collection}/audit");
    let (status, trail) = call(&server, &kim.token, "GET", &path, None);
    assert_eq!(status, 200, "{trail}");
    let entries = trail["entries"].as_array().expect("entries");
    assert!(entries.len() >= 3, "{trail}");
    for entry in entries {
        assert_eq!(entry["device"], lee.device.as_str(), "{entry}");
        assert_eq!(entry["device_name"], "Volunteer Lee", "{entry}");
        assert_eq!(entry["member_name"], "Volunteer Lee", "{entry}");
    }
    let record = format!("donations/{first}");
    let (status, only) = call(
        &server,
        &kim.token,
        "GET",
        &format!("{path}?record={record}"),
        None,
    );
    assert_eq!(status, 200, "{only}");
    let only = only["entries"].as_array().expect("entries");
    assert_eq!(only.len(), 1, "{only:?}");
    assert_eq!(only[0]["records"], serde_json::json!([record]));

    // 6. Only coordinators of the club read it.
    let (status, refused) = call(&server, &lee.token, "GET", &path, None);
    assert_eq!(status, 403, "{refused}");
    let code = server.other_club_invite("Seoul Club");
    let (_, joined) = server.join(&code, "stranger");
    let stranger = joined["token"].as_str().expect("a token");
    let (status, refused) = call(&server, stranger, "GET", &path, None);
    assert_eq!(status, 404, "{refused}");
}
