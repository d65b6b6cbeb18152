//! What an admin relies on: health and metrics endpoints, unloading idle documents, and a
//! graceful shutdown that tells devices the server is going away.

use clubsync_testkit::harness as common;

use std::time::{Duration, Instant};

use clubsync_core::store::{DocumentStore, SqliteStore};
use clubsync_protocol::DocumentId;
use common::records::{amounts, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, connect, http};

fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

fn metrics(server: &ServerProcess) -> String {
    let (status, body) = http(server.addr, "GET", "/metrics", &[], "");
    assert_eq!(status, 200);
    body.as_str().expect("text").to_owned()
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    assert_eq!(http(server.addr, "GET", "/healthz", &[], "").0, 200);
    assert_eq!(http(server.addr, "GET", "/readyz", &[], "").0, 200);

    let lee = server.joined("Volunteer Lee");
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("connects");
    let collection = DocumentId::random();
    let mut doc = new_collection(&lee, "Metrics");
    for pence in [100, 200, 300] {
        record_donation(&mut doc, &lee, pence);
    }
    let changes = doc.get_changes(&[]).len() as f64;
    phone.docs.insert(collection, doc);
    phone.sync(QUIET, LIMIT).await;
    let _ = connect(&server.ws_url(Some("cst_wrong"))).await;

    let text = metrics(&server);
    assert_eq!(metric(&text, "clubsync_connections"), Some(1.0), "{text}");
    // The collection, and the club document that now lists it.
    assert_eq!(
        metric(&text, "clubsync_loaded_documents"),
        Some(2.0),
        "{text}"
    );
    // Every change of the device's document (the collection's creation and three donations),
    // and the server's changes to the club document: adding Lee when Lee joined, and listing
    // the collection in its index.
    assert_eq!(
        metric(&text, "clubsync_changes_persisted_total"),
        Some(changes + 2.0),
        "{text}"
    );
    assert!(metric(&text, "clubsync_bytes_in_total").is_some_and(|b| b > 0.0));
    assert!(
        text.contains("clubsync_refusals_total{reason=\"bad_token\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn an_idle_document_is_unloaded_from_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--idle-unload-secs", "1"]);
    {
        let lee = server.joined("Volunteer Lee");
        let mut phone = connect(&server.ws_url(Some(&lee.token)))
            .await
            .expect("connects");
        phone
            .docs
            .insert(DocumentId::random(), new_collection(&lee, "Idle"));
        phone.sync(QUIET, LIMIT).await;
        // The collection, and the club document that now lists it.
        assert_eq!(
            metric(&metrics(&server), "clubsync_loaded_documents"),
            Some(2.0)
        );
    }
    let started = Instant::now();
    while metric(&metrics(&server), "clubsync_loaded_documents") != Some(0.0) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the document stayed loaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn sigterm_closes_devices_with_going_away_and_keeps_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let lee = server.joined("Volunteer Lee");
    let token = lee.token.clone();
    let mut phone = connect(&server.ws_url(Some(&token)))
        .await
        .expect("connects");
    let collection = DocumentId::random();
    let mut doc = new_collection(&lee, "Shutdown");
    record_donation(&mut doc, &lee, 100);
    phone.docs.insert(collection, doc);
    phone.sync(QUIET, LIMIT).await;

    let status = server.terminate();
    assert!(status.success(), "exit status {status}");
    phone
        .sync(Duration::from_secs(5), Duration::from_secs(5))
        .await;
    let closed = phone.seen.closed.clone().expect("closed");
    assert!(closed.starts_with("1001"), "{closed}");
}

#[tokio::test]
async fn a_stopped_server_leaves_its_documents_compacted_for_a_fast_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let lee = server.joined("Volunteer Lee");
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("connects");
    let collection = DocumentId::random();
    phone
        .docs
        .insert(collection, new_collection(&lee, "Compacted"));
    phone.sync(QUIET, LIMIT).await;
    // Three more syncs, each bringing one donation: the server stores a chunk for each.
    for pence in [101, 102, 103] {
        let doc = phone.docs.get_mut(&collection).expect("the collection");
        record_donation(doc, &lee, pence);
        phone.sync(QUIET, LIMIT).await;
    }
    let status = server.terminate();
    assert!(status.success(), "exit status {status}");

    let store = SqliteStore::open(dir.path().join("documents.sqlite")).expect("the server's store");
    let size = store.stored_size(&collection).expect("its size");
    assert_eq!(size.chunks, 0, "chunks left unfolded: {size:?}");
    assert!(size.bytes > 0);
    let doc = store.load(&collection).expect("loads").expect("stored");
    assert_eq!(amounts(&doc), [101, 102, 103].into_iter().collect());
}
