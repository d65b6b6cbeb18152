//! The club document's index of documents, kept by the server: a device discovers every
//! activity document of its club by syncing the club document alone.

use clubsync_testkit::harness as common;

use std::time::Duration;

use automerge::Automerge;
use clubsync_core::club::{Club, IndexedDocument};
use clubsync_core::document::{DocumentKind, TypedDocument};
use clubsync_protocol::DocumentId;
use clubsync_server::identity::{DeviceId, IdentityStore};
use clubsync_server::storage::SharedStore;
use common::records::{Joined, new_collection};
use common::{LIMIT, QUIET, ServerProcess, connect};
use tokio::io::{AsyncRead, AsyncWrite};

fn join(server: &ServerProcess, invite: &str, name: &str) -> Joined {
    let (status, body) = server.join(invite, name);
    assert_eq!(status, 200, "joining as {name}: {body}");
    Joined::from_answer(&body)
}

/// The index of a club document as a device holds it.
fn index(doc: &Automerge) -> Vec<IndexedDocument> {
    Club::from_automerge(doc.clone())
        .expect("a club document")
        .documents()
        .expect("the index reads")
}

/// Syncs until the device's copy of the club document lists `id`, or `limit` passes; returns
/// the index as it then is.
async fn index_listing<S: AsyncRead + AsyncWrite + Unpin>(
    device: &mut common::Device<S>,
    club_document: DocumentId,
    id: DocumentId,
) -> Vec<IndexedDocument> {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        device.sync(QUIET, Duration::from_secs(2)).await;
        assert_eq!(device.seen.closed, None);
        let listed = index(&device.docs[&club_document]);
        if listed.iter().any(|d| d.id == id) || tokio::time::Instant::now() >= deadline {
            return listed;
        }
    }
}

#[tokio::test]
async fn a_new_document_is_listed_in_its_club_document_for_every_device() {
    let dir = tempfile::tempdir().expect("temp dir");
    let collection = DocumentId::random();
    let (park, club_document) = {
        let server = ServerProcess::start(dir.path(), &[]);
        let lee = join(&server, &server.invites["Volunteer Lee"], "Lee's phone");
        let park = join(&server, &server.invites["Volunteer Park"], "Park's phone");
        assert_eq!(lee.club_document, park.club_document);
        let club_document = park.club_document;

        // 1. Park's phone syncs only the club document: nothing is listed yet.
        let mut phone_b = connect(&server.ws_url(Some(&park.token)))
            .await
            .expect("Park connects");
        phone_b.want(club_document);
        phone_b.sync(QUIET, LIMIT).await;
        assert_eq!(index(&phone_b.docs[&club_document]), vec![]);

        // 2. Lee's phone creates a street collection.
        let mut phone_a = connect(&server.ws_url(Some(&lee.token)))
            .await
            .expect("Lee connects");
        phone_a
            .docs
            .insert(collection, new_collection(&lee, "High Street, Saturday"));
        phone_a.sync(QUIET, LIMIT).await;
        assert_eq!(phone_a.seen.closed, None);
        assert!(phone_a.all_saved_on_server(collection));

        // 3. A device of another club creates one too; it is listed in its own club's index.
        let stranger = join(&server, &server.other_club_invite("Seoul Club"), "Seo");
        assert_ne!(stranger.club_document, club_document);
        let theirs = DocumentId::random();
        let mut phone_c = connect(&server.ws_url(Some(&stranger.token)))
            .await
            .expect("Seo connects");
        phone_c
            .docs
            .insert(theirs, new_collection(&stranger, "Myeongdong"));
        phone_c.want(stranger.club_document);
        let their_index = index_listing(&mut phone_c, stranger.club_document, theirs).await;
        assert_eq!(
            their_index,
            vec![IndexedDocument {
                id: theirs,
                kind: DocumentKind::StreetCollection,
                title: "Myeongdong".into(),
            }]
        );

        // 4. Park's phone, still connected, receives the new entry live; the other club's
        //    document is not in it.
        let listed = index_listing(&mut phone_b, club_document, collection).await;
        assert_eq!(
            listed,
            vec![IndexedDocument {
                id: collection,
                kind: DocumentKind::StreetCollection,
                title: "High Street, Saturday".into(),
            }]
        );
        let status = server.terminate();
        assert!(status.success(), "graceful shutdown exits 0: {status}");
        (park, club_document)
    };

    // 5. After a restart, a fresh copy of the club document still lists it, and only it.
    let server = ServerProcess::start(dir.path(), &[]);
    let mut laptop = connect(&server.ws_url(Some(&park.token)))
        .await
        .expect("Park reconnects");
    laptop.want(club_document);
    laptop.sync(QUIET, LIMIT).await;
    assert_eq!(
        index(&laptop.docs[&club_document]),
        vec![IndexedDocument {
            id: collection,
            kind: DocumentKind::StreetCollection,
            title: "High Street, Saturday".into(),
        }]
    );
}

#[tokio::test]
async fn a_registered_document_missing_from_the_index_is_listed_when_the_club_document_loads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (lee, park) = {
        let server = ServerProcess::start(dir.path(), &[]);
        let lee = join(&server, &server.invites["Volunteer Lee"], "Lee's phone");
        let park = join(&server, &server.invites["Volunteer Park"], "Park's phone");
        let status = server.terminate();
        assert!(status.success(), "graceful shutdown exits 0: {status}");
        (lee, park)
    };

    // A document registered and stored without its index entry, as when the server dies
    // between committing a new document and committing its index entry.
    let orphan = DocumentId::random();
    {
        let identity = IdentityStore::open(dir.path()).expect("identity store");
        let device: DeviceId = lee.device.parse().expect("a device id");
        let club = identity
            .device(device)
            .expect("query")
            .expect("Lee's device")
            .device
            .club;
        identity
            .register_document(
                &orphan,
                club,
                DocumentKind::StreetCollection,
                device,
                1_764_000_000_000,
            )
            .expect("registered");
        let storage = SharedStore::open(dir.path()).expect("document store");
        storage
            .commit(
                &[(orphan, new_collection(&lee, "Market Square").save())],
                &[],
            )
            .expect("stored");
    }

    let server = ServerProcess::start(dir.path(), &[]);
    let mut phone = connect(&server.ws_url(Some(&park.token)))
        .await
        .expect("Park connects");
    phone.want(park.club_document);
    let listed = index_listing(&mut phone, park.club_document, orphan).await;
    assert_eq!(
        listed,
        vec![IndexedDocument {
            id: orphan,
            kind: DocumentKind::StreetCollection,
            title: "Market Square".into(),
        }]
    );
}
